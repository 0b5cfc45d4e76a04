// The one- (or few-) layer attention-only-plus-MLP transformer of the paper, in two forms that must
// agree to float rounding:
//
//   forward_plain: every position of every layer, as the reference code computes it.
//   forward_fast:  only what the final-position logits depend on. The query at '=' is a constant,
//                  keys and values of positions 0 and 1 in the first layer are per-token tables of
//                  V rows, and the last layer computes the final position only. For the mainline
//                  model this turns 3 MLP evaluations per pair into 1.
//
// Both return the final-position logits [N, V] (V = p+1, '=' logit included, as in the reference
// training code) and are differentiable with autograd. Tests check logits and every gradient of one
// against the other for 1 and 2 layers.
#pragma once

#include <ATen/ATen.h>

#include <optional>
#include <vector>

#include "core/model/internal/forward.h"
#include "core/model/internal/weights.h"

namespace grok {

class ModelFamilyImpl;

// The transformer's tensors by role, read from its Weights by name (weights.h); the tensors are
// shared, not copied, so gradients and in-place updates reach the Weights.
struct LayerWeights {
  at::Tensor W_K, W_Q, W_V;  // [H, Dh, D]
  at::Tensor W_O;            // [D, H*Dh]
  at::Tensor W_in;           // [M, D]
  at::Tensor b_in;           // [M]
  at::Tensor W_out;          // [D, M]
  at::Tensor b_out;          // [D]
};

struct TransformerWeights {
  at::Tensor W_E;    // [D, V]
  at::Tensor W_pos;  // [C, D]
  std::vector<LayerWeights> layers;
  at::Tensor W_U;  // [D, V]
  explicit TransformerWeights(const Weights& w);
};

// `attention_rate` alpha (Zhong et al. 2023): attention = alpha softmax + (1 - alpha) with weight 1 on
// every position the causal mask allows; 1 (the paper's model) computes exactly as before.
at::Tensor forward_plain(const Weights& w, const Batch& x, const ForwardOptions& opt = {},
                         ForwardCache* cache = nullptr, double attention_rate = 1.0);
at::Tensor forward_fast(const Weights& w, const Batch& x, const ForwardOptions& opt = {}, ForwardCache* cache = nullptr,
                        double attention_rate = 1.0);

// The family "transformer" (model_family_impl.h): forward_fast trains, forward_plain is its reference.
const ModelFamilyImpl& transformer_family();

}  // namespace grok
