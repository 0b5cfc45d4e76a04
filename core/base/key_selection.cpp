#include "core/base/key_selection.h"

#include <algorithm>
#include <sstream>

#include "core/base/config.h"
#include "core/base/operation_group.h"

namespace grok {

KeySelection KeySelection::parse(const std::string& text, const OperationGroup& g) {
  std::vector<std::string> names;
  for (int k = 1; k <= g.n / 2; k++) names.push_back(std::to_string(k));
  return parse(text, names, g.name() + " (p=" + std::to_string(g.p) + ")");
}

KeySelection KeySelection::parse(const std::string& text, const std::vector<std::string>& components,
                                 const std::string& group) {
  if (text == "live") return live();
  if (text == "final") return final_checkpoint();
  const int K = static_cast<int>(components.size());
  const bool frequencies = K == 0 || components[0] == "1";  // a cyclic group's, as named since the paper
  std::string range =
      std::string("live, final, or ") + (frequencies ? "frequencies" : "irreps") + " 1.." + std::to_string(K);
  if (K > 0 && components[0] != "1") range += " or names (" + components[0] + ", ...)";
  range += " separated by commas";
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
    const auto named = std::find(components.begin(), components.end(), item);
    if (named != components.end()) k = static_cast<int>(named - components.begin()) + 1, used = item.size();
    if (used != item.size() || item.empty() || k < 1 || k > K)
      throw ConfigError("--key-freqs: \"" + item + "\" is not " + (frequencies ? "a frequency" : "an irrep") + " of " +
                        group + " (allowed: " + range + ")");
    if (std::find(s.freqs.begin(), s.freqs.end(), k) == s.freqs.end()) s.freqs.push_back(k);
  }
  if (s.freqs.empty()) throw ConfigError("--key-freqs: empty (allowed: " + range + ")");
  std::sort(s.freqs.begin(), s.freqs.end());
  return s;
}

std::string KeySelection::describe() const { return kind == Given ? join_freqs(freqs) : kind_name(kind); }

const char* kind_name(KeySelection::Kind kind) {
  switch (kind) {
    case KeySelection::Live: return "live";
    case KeySelection::Final: return "final";
    case KeySelection::Given: return "given";
  }
  return "?";
}

std::string KeySetTag::to_string() const { return std::string(kind_name(kind)) + ":" + join_freqs(freqs); }

std::optional<KeySetTag> KeySetTag::parse(const std::string& text) {
  const std::size_t colon = text.find(':');
  if (colon == std::string::npos) return std::nullopt;
  KeySetTag t;
  const std::string name = text.substr(0, colon);
  if (name == kind_name(KeySelection::Live))
    t.kind = KeySelection::Live;
  else if (name == kind_name(KeySelection::Final))
    t.kind = KeySelection::Final;
  else if (name == kind_name(KeySelection::Given))
    t.kind = KeySelection::Given;
  else
    return std::nullopt;
  // Only the canonical text (no sign, space or leading zero): a tag is a table key, so what is read
  // must write back to the same text.
  const std::string list = text.substr(colon + 1);
  std::size_t at = 0;
  while (at < list.size()) {
    std::size_t end = list.find(',', at);
    if (end == std::string::npos) end = list.size();
    const std::string item = list.substr(at, end - at);
    if (item.empty() || item.size() > 6 || item[0] == '0' || item.find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
    t.freqs.push_back(std::stoi(item));
    at = end + 1;
    if (end + 1 == list.size()) return std::nullopt;  // a trailing comma
  }
  return t;
}

std::string join_freqs(const std::vector<int>& freqs) {
  std::string out;
  for (int k : freqs) out += (out.empty() ? "" : ",") + std::to_string(k);
  return out;
}

}  // namespace grok
