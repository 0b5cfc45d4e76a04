// The numerics of one epoch (records.h NumericsRecord) from what the train step has anyway: the
// training logits of the forward pass and, after backward, the weights' raw gradients (before any
// Grokfast filter or ⊥Grad), so that they cost a few reductions (docs/performance.md "Numerics").
//
//   NumericsRecord r{e};
//   add_forward_numerics(logits, picked_logp, r);  // in forward(e)
//   add_gradient_numerics(w, r);                   // after backward, before the optimizer step
//
// Shapes: logits [N, V] float32, picked_logp [N, 1] (the run's loss, any float dtype).
// Threading: the training thread.
#pragma once

#include <ATen/ATen.h>

#include "core/base/records.h"
#include "core/model/internal/weights.h"

namespace grok {

void add_forward_numerics(const at::Tensor& logits, const at::Tensor& picked_logp, NumericsRecord& r);
// Norms of every parameter and cos(w, g), per tensor and of all flattened together.
void add_gradient_numerics(const Weights& w, NumericsRecord& r);

}  // namespace grok
