#include "core/model/model_family.h"

#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "core/base/model_names.h"
#include "core/model/internal/model_family_impl.h"
#include "core/model/internal/transformer.h"

namespace grok {

namespace {

struct Registry {
  std::mutex mutex;
  std::map<std::string, std::unique_ptr<ModelFamilyImpl>> added;
};

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

bool register_model_family(std::unique_ptr<ModelFamilyImpl> family) {
  const std::string name = family->name();
  Registry& r = registry();
  {
    std::lock_guard<std::mutex> lock(r.mutex);
    if (name == kDefaultModel || r.added.count(name)) throw std::logic_error("model family " + name + " exists");
    r.added.emplace(name, std::move(family));
  }
  register_model_name(name);
  return true;
}

const ModelFamily& model_family(const std::string& name) {
  if (name == kDefaultModel) return transformer_family();
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  const auto it = r.added.find(name);
  if (it == r.added.end()) {
    std::string known;
    for (const std::string& n : model_names()) known += (known.empty() ? "" : ", ") + n;
    throw ConfigError("model: unknown family \"" + name + "\" (allowed: " + known + ")");
  }
  return *it->second;
}

const ModelFamily& model_family(const Config& cfg) { return model_family(cfg.model); }

const ModelFamilyImpl& model_impl(const Config& cfg) {
  return static_cast<const ModelFamilyImpl&>(model_family(cfg.model));
}

}  // namespace grok
