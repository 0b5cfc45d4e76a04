#include "core/base/presets.h"

#include <nlohmann/json.hpp>

namespace grok {

std::vector<Preset> presets() {
  std::vector<Preset> out;
  for (const auto& e : embedded_presets()) {
    const auto j = nlohmann::json::parse(e.json);
    Preset p;
    p.name = e.name;
    p.description = j.value("description", "");
    try {
      p.config = config_from_json(j);
    } catch (const ConfigError& err) {
      throw ConfigError("preset " + p.name + ": " + err.what());
    }
    out.push_back(std::move(p));
  }
  return out;
}

Preset preset(const std::string& name) {
  std::string names;
  for (auto& p : presets()) {
    if (p.name == name) return p;
    names += (names.empty() ? "" : ", ") + p.name;
  }
  throw ConfigError("preset: unknown name \"" + name + "\" (allowed: " + names + ")");
}

}  // namespace grok
