#include "core/model/model_family.h"

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "core/base/model_names.h"
#include "core/base/task.h"
#include "core/model/internal/mlp_families.h"
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
    if (name == kDefaultModel || name == kMlpModel || name == kQuadraticMlpModel || r.added.count(name))
      throw std::logic_error("model family " + name + " exists");
    r.added.emplace(name, std::move(family));
  }
  register_model_name(name);
  return true;
}

const ModelFamily& model_family(const std::string& name) {
  if (name == kDefaultModel) return transformer_family();
  if (name == kMlpModel) return chughtai_mlp_family();
  if (name == kQuadraticMlpModel) return gromov_mlp_family();
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

std::string checkpoint_mismatch(const Config& cfg, const std::vector<TensorHeader>& tensors) {
  const ModelFamily& f = model_family(cfg);
  const std::vector<ParameterSpec> specs = f.parameters(cfg);
  for (const ParameterSpec& p : specs) {
    const auto it =
        std::find_if(tensors.begin(), tensors.end(), [&](const TensorHeader& t) { return t.name == p.name; });
    if (it == tensors.end()) return "tensor " + p.name + " is missing";
    if (it->dtype != DType::F32)
      return "tensor " + p.name + " is " + dtype_name(it->dtype) + ", the " + f.name() + "'s is float32";
    if (it->shape != p.shape)
      return "tensor " + p.name + " has shape " + shape_text(it->shape) + ", the " + f.name() + "'s is " +
             shape_text(p.shape) + " for this config";
  }
  for (const TensorHeader& t : tensors)
    if (std::none_of(specs.begin(), specs.end(), [&](const ParameterSpec& p) { return p.name == t.name; }))
      return "tensor " + t.name + " is not one of the " + f.name() + "'s parameters";
  return {};
}

std::string unused_field_reason(const Config& cfg, const std::string& field) {
  if (field == "p") return Task(cfg).uses_p() ? "" : "the task is a group's, whose order is the token count";
  // A regulariser's strength and a gradient filter's settings are read only with it chosen.
  const std::pair<const char*, Regularizer> strengths[] = {
      {"weight_decay", Regularizer::WeightDecay}, {"dropout", Regularizer::Dropout}, {"l1", Regularizer::L1}};
  for (const auto& [name, r] : strengths)
    if (field == name && cfg.regularizer != r) return std::string("the regulariser is ") + to_string(cfg.regularizer);
  const bool ema = cfg.grad_filter == GradFilter::Ema, ma = cfg.grad_filter == GradFilter::Ma;
  if ((field == "grokfast_alpha" && !ema) || (field == "grokfast_window" && !ma) ||
      (field == "grokfast_lambda" && !ema && !ma))
    return std::string("the gradient filter is ") + to_string(cfg.grad_filter);
  if (std::find(std::begin(kModelFields), std::end(kModelFields), field) == std::end(kModelFields)) return {};
  const ModelFamily& f = model_family(cfg);
  const std::vector<std::string> read = f.fields_read();
  if (std::find(read.begin(), read.end(), field) != read.end()) return {};
  return "the " + f.name() + " model does not read it";
}

const ModelFamilyImpl& model_impl(const Config& cfg) {
  return static_cast<const ModelFamilyImpl&>(model_family(cfg.model));
}

}  // namespace grok
