// The follow-up recipes of the grokking literature, each the few lines its paper's code runs in the
// train step, so that a run can switch them on from its config (config.h: loss, grad_filter,
// orthogonal_gradient, init_scale, norm_constraint). tests/test_recipes.cpp checks each against a
// direct transcription of its formula.
//
//   Losses (Prieto et al., "Grokking at the edge of numerical stability", ICLR 2025, utils.py):
//     softmax64  -log softmax(x)_c in float64 (the paper's default, REFERENCE.md)
//     softmax32  the same in float32: exp(x - max) sums to exactly 1 once one logit dominates
//                ("softmax collapse"), the gradient of the pairs concerned is lost
//     stablemax  s(x) = x + 1 (x >= 0), 1 / (1 - x) (x < 0); -log(s(x_c) / sum_j s(x_j)), float64
//   Grokfast (Lee et al. 2024, ironjr/grokfast grokfast.py), per parameter, between backward and step:
//     ema  mu <- alpha mu + (1 - alpha) g (mu starts at the first g), g <- g + lambda mu
//     ma   g <- g + lambda mean(last `window` g), once `window` gradients are held
//   ⊥Grad (Prieto et al., orthograd.py): g <- (g - (w.g / w.w) w) * |g| / |g - (w.g / w.w) w|
//   Constant norm (Liu et al., "Omnigrok", ICLR 2023): weights times init_scale at initialisation;
//     after every step all parameters together rescaled to the starting global norm.
//
// Shapes: logits [N, V], labels [N] int64. Threading: the training thread.
#pragma once

#include <ATen/ATen.h>

#include <deque>
#include <vector>

#include "core/base/config.h"
#include "core/base/tensor_blob.h"
#include "core/model/internal/weights.h"

namespace grok {

// log p [N, V] of the config's loss: float64 for softmax64 and stablemax, float32 for softmax32
// (not for mse, which has no probabilities).
at::Tensor log_probs(const at::Tensor& logits, LossKind kind);
// log(s(x) / sum_j s(x_j)) along the last dimension, in x's dtype (callers pass float64).
at::Tensor log_stablemax(const at::Tensor& x);
// The training and test loss of a run: mean -log p_label (a scalar of log_probs' dtype; softmax64's
// is cross_entropy64's, the training step's own, which agrees with log_probs' to ~1e-15), or for mse
// Gromov's nn.MSELoss against one_hot(label, n) over the n outputs of the task (the '=' logit of
// the transformer left out), the mean over N x n, in float64.
at::Tensor run_loss(const at::Tensor& logits, const at::Tensor& labels, LossKind kind, std::int64_t n);
at::Tensor one_hot_mse(const at::Tensor& logits, const at::Tensor& labels, std::int64_t n);

// Grokfast's state: the EMA per parameter, or the last `window` gradients per parameter.
class GradFilterState {
 public:
  GradFilterState(const Config& cfg, const Weights& w);
  // Filters the gradients w's tensors hold, in place (nothing with grad_filter none).
  void apply(Weights& w);
  // "grokfast.ema.<param>", or "grokfast.ma.<k>.<param>" for k = 0 (oldest) ..; empty before any step.
  std::vector<NamedArray> state() const;
  // Takes the arrays named as state() writes them and ignores the others; none: a fresh filter.
  void load_state(const std::vector<NamedArray>& arrays);

 private:
  GradFilter kind_;
  double alpha_, lambda_;
  int window_;
  std::vector<std::string> names_;
  std::vector<at::Tensor> ema_;                  // per parameter; empty before the first step
  std::deque<std::vector<at::Tensor>> history_;  // ma: oldest first, each one gradient per parameter
};

// ⊥Grad on every parameter holding a gradient.
void orthogonalize_gradients(Weights& w);
// sqrt(sum of every parameter's squares), accumulated in float64.
double global_norm(const Weights& w);
// Every parameter times target / global_norm(w).
void rescale_to_norm(Weights& w, double target);

}  // namespace grok
