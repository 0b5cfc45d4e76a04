// The settings a fork may change (training/trainer.h Trainer::fork): everything but the model's
// shape, the task and the split, which the parent's weights and its epoch axis are tied to.
#include <algorithm>
#include <iterator>
#include <string>

#include "core/training/trainer.h"

namespace grok {

namespace {

// The fields a checkpoint's weights or its meaning depend on. init_scale acts only on the initial
// weights, which a fork does not draw; seed draws the split.
constexpr const char* kKept[] = {"task",    "p",      "model", "n_layers", "d_model",
                                 "n_heads", "d_head", "d_mlp", "seed",     "init_scale"};

bool changes_field(const std::vector<std::string>& changes, const std::string& name) {
  return std::any_of(changes.begin(), changes.end(), [&](const std::string& c) { return c.rfind(name + "=", 0) == 0; });
}

}  // namespace

const std::vector<std::string>& fork_kept_fields() {
  static const std::vector<std::string> kept(std::begin(kKept), std::end(kKept));
  return kept;
}

Config fork_config(const Config& parent, int epoch, const std::vector<std::string>& changes) {
  Config c = parent;
  c.stop_after_grok = 0;  // a fork is watched past any grokking; changing it back is allowed
  for (const std::string& change : changes) set_config_value(c, change);
  for (const char* name : kKept) {
    const ConfigField& f = *find_config_field(name);
    if (config_value_text(c, f) != config_value_text(parent, f))
      throw ConfigError(std::string(name) + ": a fork keeps the parent's model, task and split (parent: " +
                        config_value_text(parent, f) + ")");
  }
  if (c.epochs <= epoch)
    throw ConfigError("epochs: " + std::to_string(c.epochs) + " is not after the fork's epoch " +
                      std::to_string(epoch) + (changes_field(changes, "epochs") ? "" : " (set epochs=...)") +
                      " (allowed: > " + std::to_string(epoch) + ")");
  return c;
}

}  // namespace grok
