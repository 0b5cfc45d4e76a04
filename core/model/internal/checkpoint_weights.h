// The tensors of a CheckpointWeights (core/model/checkpoint_weights.h), for the layers that compute.
#pragma once

#include <mutex>

#include "core/model/anatomy_maps.h"
#include "core/model/checkpoint_weights.h"
#include "core/model/internal/weights.h"

namespace grok {

struct CheckpointWeights::Impl {
  Config cfg;
  std::vector<NamedArray> arrays;
  std::once_flag once;
  Weights weights;  // filled by the first tensors() call
  // anatomy_maps.h's W_L and neuron inputs over every token, filled by their first call.
  std::once_flag logit_map_once, neuron_inputs_once[2];
  Matrix64 logit_map, neuron_inputs[2];
};

// The checkpoint as tensors, converted on the first call (float32, no gradients).
const Weights& tensors(const CheckpointWeights& w);

}  // namespace grok
