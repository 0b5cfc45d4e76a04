// AdamW exactly as torch.optim.AdamW (PyTorch 1.13/2.x single-tensor path, amsgrad off), with the
// reference code's warm-up LambdaLR(step -> min(step / warmup, 1)) folded in. Kept in-house rather
// than torch::optim::AdamW so that its state is plain named tensors for the run file; a test
// checks it against torch::optim::AdamW step for step.
#pragma once

#include <ATen/ATen.h>

#include <vector>

#include "core/base/tensor_blob.h"
#include "core/model/internal/weights.h"

namespace grok {

struct AdamWOptions {
  double lr = 1e-3;
  double beta1 = 0.9, beta2 = 0.98, eps = 1e-8;
  double weight_decay = 1.0;
  int warmup_steps = 10;
};

class AdamW {
 public:
  AdamW(const Weights& w, AdamWOptions opt);

  // Learning rate of optimiser step number `step` (0-based): the scheduler's value when it is taken.
  double lr_at(long step) const;
  double current_lr() const { return lr_at(step_); }
  long steps_taken() const { return step_; }

  // One update from the gradients held by `w`'s tensors.
  void step(Weights& w);

  std::vector<NamedArray> state() const;  // "exp_avg.<param>", "exp_avg_sq.<param>"
  void load_state(const std::vector<NamedArray>& arrays, long steps_taken);

 private:
  AdamWOptions opt_;
  long step_ = 0;
  std::vector<std::string> names_;
  std::vector<at::Tensor> exp_avg_, exp_avg_sq_;
};

}  // namespace grok
