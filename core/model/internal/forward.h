// What every model family's forward pass takes and records (model_family_impl.h): a batch of
// pairs, the options (dropout, a held MLP layer), the cache of activations the analysis reads,
// and the loss and accuracy every family is scored by.
#pragma once

#include <ATen/ATen.h>

#include <optional>
#include <vector>

#include "core/data/dataset.h"

namespace grok {

struct Batch {
  at::Tensor a, b;    // [N] int64 token ids in 0..p-1
  at::Tensor labels;  // [N] int64: the labels trained on
  // Label noise (dataset.h): the true labels [N], and how many leading rows are corrupted;
  // undefined and 0 without noise.
  at::Tensor true_labels;
  int corrupted = 0;
  int size() const { return static_cast<int>(a.size(0)); }
};
Batch make_batch(const Split& s);
// Every pair (a, b), row-major (index a*p + b), without labels: what the analysis evaluates.
Batch all_pairs(int p);

// For the check table's per-layer rows (core/analysis/layer_checks.h): one layer's MLP neurons at
// the final position held at `post` for every pair (their mean: a mean ablation). The MLP acts per
// position, so nothing but the final position's stream changes.
struct FinalMlpOverride {
  int layer = 0;
  at::Tensor post;  // [M] post-ReLU activations
};

struct ForwardOptions {
  double dropout = 0.0;              // drop probability of MLP neurons; 0 = off (evaluation)
  std::optional<at::Generator> rng;  // dropout masks; required when dropout > 0
  std::optional<FinalMlpOverride> final_mlp;
  // The operands' input vectors [N, D] in place of their token embeddings (before any position
  // embedding), for gradients with respect to them (Zhong et al.'s gradient symmetricity). Read by
  // a family's forward_reference; undefined: the tokens' own.
  at::Tensor input_a, input_b;
};

// Inverted dropout of hidden neurons, every family's one definition: each kept with probability
// 1 - opt.dropout and scaled by 1 / (1 - opt.dropout); `x` itself when dropout is off.
at::Tensor apply_dropout(const at::Tensor& x, const ForwardOptions& opt);
// Layer `layer`'s hidden activations `post` [N, M], or, when that layer is held
// (ForwardOptions::final_mlp), its row for every pair.
at::Tensor held_or(const at::Tensor& post, const ForwardOptions& opt, int layer);

// Scratch outputs the analysis views want, at the final position, one entry per layer (index 0 the
// first): a two-layer model's views show both layers.
struct ForwardCache {
  std::vector<at::Tensor> mlp_post;  // per layer [N, M] ReLU outputs (after any dropout or override)
  std::vector<at::Tensor> attn;      // per layer [N, H, C] attention pattern of the final position
  at::Tensor direct;                 // [N, V] forward_fast only: the logits less the last MLP's part, h W_out^T W_U
  // Optional, set by the caller: a contiguous [N, M] tensor of the model's dtype where forward_fast
  // writes the last layer's neurons when no gradient is taken (mlp_post.back() is then this tensor),
  // so that an array of the caller's holds them without a copy (the snapshot's 26-30 MB).
  at::Tensor mlp_post_into;
  void clear() { mlp_post.clear(), attn.clear(), direct = at::Tensor(); }  // the outputs; mlp_post_into stays
};

// Mean cross-entropy of the final-position logits [N, V]; the log-softmax runs in float64
// (paper Appendix D.2: float32 underflow on confident logits causes slingshot spikes). Returns a
// float64 scalar tensor.
at::Tensor cross_entropy_f64(const at::Tensor& logits, const at::Tensor& labels);
// Number of pairs whose argmax over the task's n outputs (the transformer's '=' logit dropped) is the label.
std::int64_t count_correct(const at::Tensor& logits, const at::Tensor& labels, std::int64_t n);

}  // namespace grok
