// Which key frequencies the restricted and excluded losses use, as a value, and the tag that names a
// key set in a run file's `measures` table ("live:14,42", "final:14,35,41,42,52", "given:14,35").
//
//   KeySelection s = KeySelection::parse("14,35", /*p=*/113);   // Given {14, 35}
//   s.describe();                                                // "14,35"
#pragma once

#include <string>
#include <vector>

namespace grok {

// Which key frequencies the restricted/excluded measures use (issue: the paper uses the final
// checkpoint's for the whole run; a live run only knows its latest).
struct KeySelection {
  enum Kind { Live, Final, Given } kind = Live;
  std::vector<int> freqs;  // Given
  static KeySelection live() { return {Live, {}}; }
  static KeySelection final_checkpoint() { return {Final, {}}; }
  // "live", "final" or a comma-separated list such as "14,35,41,42,52"; throws ConfigError naming
  // the problem and the allowed range 1..(p-1)/2.
  static KeySelection parse(const std::string& text, int p);
  std::string describe() const;  // "live", "final", "14,35,41"
};

// "14,35,42" (empty for no frequencies): how key sets are written in run files and reports.
std::string join_freqs(const std::vector<int>& freqs);

}  // namespace grok
