// Which key frequencies the restricted and excluded losses use, as a value, and the tag that names a
// key set in a run file's `measures` table.
//
//   KeySelection s = KeySelection::parse("14,35", /*p=*/113);   // Given {14, 35}
//   s.describe();                                                // "14,35"
//   KeySetTag t{KeySelection::Final, {14, 35, 41, 42, 52}};
//   t.to_string();                                               // "final:14,35,41,42,52", as stored
//   KeySetTag::parse("live:14,42");                              // {Live, {14, 42}}
//
// Threading: value types.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace grok {
struct OperationGroup;
}

namespace grok {

// Which key frequencies the restricted/excluded measures use (issue: the paper uses the final
// checkpoint's for the whole run; a live run only knows its latest).
struct KeySelection {
  enum Kind { Live, Final, Given } kind = Live;
  std::vector<int> freqs;  // Given
  static KeySelection live() { return {Live, {}}; }
  static KeySelection final_checkpoint() { return {Final, {}}; }
  // "live", "final" or a comma-separated list such as "14,35,41,42,52"; throws ConfigError naming
  // the problem and the allowed range 1..K of the operation's group (operation_group.h).
  static KeySelection parse(const std::string& text, const OperationGroup& g);
  // The same over named components (a group's non-trivial irreps, fourier_basis.h): an item is an
  // index 1..K or a name ("sign,standard"); `group` names the group in errors.
  static KeySelection parse(const std::string& text, const std::vector<std::string>& components,
                            const std::string& group);
  std::string describe() const;  // "live", "final", "14,35,41"
};

// "live", "final", "given": a selection kind's name, as the key set tags and reports write it.
const char* kind_name(KeySelection::Kind kind);

// The key set one checkpoint's stored measures used: how it was chosen and its frequencies, which
// for Live and Final are the ones detected (at that checkpoint, at the newest). Its text is the
// `measures.key_freqs` column of the run file, "<kind>:<k>,<k>,...": "live:14,42",
// "final:14,35,41,42,52", "given:14,35", and "live:" for a checkpoint with no key frequency yet.
struct KeySetTag {
  KeySelection::Kind kind = KeySelection::Live;
  std::vector<int> freqs;  // in the order they were stored (ascending, as detected or given)

  std::string to_string() const;
  // The stored text back, exactly: nullopt unless `text` is what to_string writes (a damaged file).
  static std::optional<KeySetTag> parse(const std::string& text);

  bool operator==(const KeySetTag& o) const { return kind == o.kind && freqs == o.freqs; }
  bool operator!=(const KeySetTag& o) const { return !(*this == o); }
};

// "14,35,42" (empty for no frequencies): how key sets are written in run files and reports.
std::string join_freqs(const std::vector<int>& freqs);

}  // namespace grok
