// The tensors of a CheckpointWeights (core/model/checkpoint_weights.h), for the layers that compute.
#pragma once

#include <mutex>

#include "core/model/checkpoint_weights.h"
#include "core/model/internal/weights.h"

namespace grok {

struct CheckpointWeights::Impl {
  Config cfg;
  std::vector<NamedArray> arrays;
  std::once_flag once;
  Weights weights;  // filled by the first tensors() call
};

// The checkpoint as tensors, converted on the first call (float32, no gradients).
const Weights& tensors(const CheckpointWeights& w);

}  // namespace grok
