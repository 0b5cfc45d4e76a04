// The built-in MLP families (core/model/mlp_families.cpp), found by name by model_family().
#pragma once

#include "core/model/internal/model_family_impl.h"

namespace grok {

const ModelFamilyImpl& chughtai_mlp_family();  // kMlpModel
const ModelFamilyImpl& gromov_mlp_family();    // kQuadraticMlpModel

}  // namespace grok
