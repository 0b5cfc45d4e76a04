// The names of the model families this process knows, for the config's `model` field.
//
// Why here: the config (base/) must refuse an unknown family in one line as it parses, but the
// families themselves live in model/, above it. Each family's registration
// (core/model/model_family.h) adds its name here, so a new family needs no edit of the config code.
// "transformer", the paper's model and every older run's, is always known.
//
//   register_model_name("mlp");
//   model_names();            // {"transformer", "mlp"}
//
// Threading: registration and reads may come from any thread (a mutex); families register before
// main or at start-up, before any config is read.
#pragma once

#include <string>
#include <vector>

namespace grok {

// The default family: the paper's transformer.
inline constexpr const char* kDefaultModel = "transformer";
// The built-in MLP families (core/model/mlp_families.cpp): Chughtai et al.'s and Gromov's.
inline constexpr const char* kMlpModel = "mlp";
inline constexpr const char* kQuadraticMlpModel = "quadratic-mlp";

void register_model_name(const std::string& name);
std::vector<std::string> model_names();  // registration order, kDefaultModel first
bool is_model_name(const std::string& name);

}  // namespace grok
