#include "core/base/key_selection.h"

#include <algorithm>
#include <sstream>

#include "core/base/config.h"

namespace grok {

KeySelection KeySelection::parse(const std::string& text, int p) {
  if (text == "live") return live();
  if (text == "final") return final_checkpoint();
  const int K = (p - 1) / 2;
  const std::string range = "live, final, or frequencies 1.." + std::to_string(K) + " separated by commas";
  KeySelection s{Given, {}};
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    std::size_t used = 0;
    int k = 0;
    try {
      k = std::stoi(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != item.size() || item.empty() || k < 1 || k > K)
      throw ConfigError("--key-freqs: \"" + item + "\" is not a frequency of p=" + std::to_string(p) +
                        " (allowed: " + range + ")");
    if (std::find(s.freqs.begin(), s.freqs.end(), k) == s.freqs.end()) s.freqs.push_back(k);
  }
  if (s.freqs.empty()) throw ConfigError("--key-freqs: empty (allowed: " + range + ")");
  std::sort(s.freqs.begin(), s.freqs.end());
  return s;
}

std::string KeySelection::describe() const {
  if (kind == Live) return "live";
  if (kind == Final) return "final";
  return join_freqs(freqs);
}

std::string join_freqs(const std::vector<int>& freqs) {
  std::string out;
  for (int k : freqs) out += (out.empty() ? "" : ",") + std::to_string(k);
  return out;
}

}  // namespace grok
