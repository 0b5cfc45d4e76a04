#include "cli_args.h"

#include <algorithm>
#include <fstream>
#include <iterator>

#include "core/base/presets.h"

namespace grok::cli {

Args parse_args(int argc, char** argv, int first, const std::vector<std::string>& valued,
                const std::vector<std::string>& boolean) {
  Args a;
  for (int i = first; i < argc; i++) {
    const std::string s = argv[i];
    if (s.rfind("--", 0) == 0 && s.size() > 2) {
      std::string name = s, value;
      const auto eq = s.find('=');
      bool inline_value = false;
      if (eq != std::string::npos) name = s.substr(0, eq), value = s.substr(eq + 1), inline_value = true;
      if (std::find(boolean.begin(), boolean.end(), name) != boolean.end()) {
        a.flags.push_back(name);
      } else if (std::find(valued.begin(), valued.end(), name) != valued.end()) {
        if (!inline_value) {
          if (i + 1 >= argc) throw UsageError(name + " needs a value");
          value = argv[++i];
        }
        a.options.emplace_back(name, value);
      } else {
        throw UsageError("unknown option " + name);
      }
    } else {
      a.positional.push_back(s);
    }
  }
  return a;
}

int parse_int(const std::string& opt, const std::string& text, int lo, int hi) {
  try {
    std::size_t used = 0;
    const long v = std::stol(text, &used);
    if (used == text.size() && v >= lo && v <= hi) return static_cast<int>(v);
  } catch (const std::exception&) {
  }
  throw UsageError(opt + ": expected an integer " + std::to_string(lo) + ".." + std::to_string(hi) + ", got \"" + text +
                   "\"");
}

Config config_from_args(const Args& a) {
  Config cfg;
  if (auto file = a.get("--config")) {
    std::ifstream in(*file);
    if (!in) throw UsageError("--config: cannot read " + *file);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    cfg = parse_config(text);
  } else {
    cfg = preset(a.get("--preset").value_or("mainline")).config;
  }
  for (auto& [k, v] : a.options)
    if (k == "--set") set_config_value(cfg, v);
  return cfg;
}

}  // namespace grok::cli
