// The transformer's parameters, laid out and initialised exactly as the reference code
// (`transformers.py`), so that torch.manual_seed(seed) gives the authors' initial weights.
//
// Shapes (p = modulus, V = p+1 tokens with '=' = p, C = 3 positions, D = d_model, H = n_heads,
// Dh = d_head, M = d_mlp):
//   W_E [D, V]  W_pos [C, D]  W_U [D, V]
//   per layer: W_K, W_Q, W_V [H, Dh, D]  W_O [D, H*Dh]  W_in [M, D]  b_in [M]  W_out [D, M]  b_out [D]
#pragma once

#include <ATen/ATen.h>

#include <string>
#include <utility>
#include <vector>

#include "core/base/config.h"
#include "core/base/tensor_blob.h"

namespace grok {

struct LayerWeights {
  at::Tensor W_K, W_Q, W_V;  // [H, Dh, D]
  at::Tensor W_O;            // [D, H*Dh]
  at::Tensor W_in;           // [M, D]
  at::Tensor b_in;           // [M]
  at::Tensor W_out;          // [D, M]
  at::Tensor b_out;          // [D]
};

struct Weights {
  at::Tensor W_E;    // [D, V]
  at::Tensor W_pos;  // [C, D]
  std::vector<LayerWeights> layers;
  at::Tensor W_U;  // [D, V]

  // Every parameter with its reference state_dict name, in creation order.
  std::vector<std::pair<std::string, at::Tensor*>> named();
  std::vector<std::pair<std::string, const at::Tensor*>> named() const;
  std::vector<at::Tensor> list() const;
  Weights clone() const;  // deep copy, gradients not carried
  Weights to(at::ScalarType dtype) const;
  void set_requires_grad(bool on);
  void zero_grad();
};

// randn from a generator seeded like torch.manual_seed(cfg.seed), in the reference order, times
// cfg.init_scale; float32. Thread-safe: it leaves the global generator alone.
Weights init_weights(const Config& cfg);
// Zero-filled weights of the right shapes (for loading a checkpoint into).
Weights empty_weights(const Config& cfg);
// A stored checkpoint as weights; throws std::runtime_error naming a missing or misshapen tensor.
Weights weights_from_checkpoint(const Config& cfg, const std::vector<NamedArray>& checkpoint);

NamedArray to_named_array(const std::string& name, const at::Tensor& t);
// Copies `a` into `t` after checking shape and dtype; throws std::runtime_error naming the tensor.
void copy_into(at::Tensor& t, const NamedArray& a);
at::Tensor from_named_array(const NamedArray& a);

std::vector<NamedArray> to_named_arrays(const Weights& w);
// Throws std::runtime_error("checkpoint: missing tensor ..." / "... has shape ... expected ...").
void load_named_arrays(Weights& w, const std::vector<NamedArray>& arrays);

}  // namespace grok
