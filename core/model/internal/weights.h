// A model's parameters, whatever its family: every tensor with its stored (state_dict) name, in
// the family's creation order, which is the order a seeded initialisation draws them in, the
// order the optimizer walks them and the order a checkpoint stores them.
//
// A family reads its own tensors by name (the transformer through TransformerWeights,
// transformer.h); training (AdamW, the recipes, the numerics) and the checkpoint code walk the
// list and never need to know which family it is. The transformer's, laid out as the reference
// code (`transformers.py`) so that torch.manual_seed(seed) gives the authors' initial weights:
//   embed.W_E [D, V]  pos_embed.W_pos [3, D]  unembed.W_U [D, V]
//   blocks.l.attn.W_K|W_Q|W_V [H, Dh, D]  blocks.l.attn.W_O [D, H*Dh]
//   blocks.l.mlp.W_in [M, D]  blocks.l.mlp.b_in [M]  blocks.l.mlp.W_out [D, M]  blocks.l.mlp.b_out [D]
//
//   Weights w = init_weights(cfg);                 // the config's family, from its seed
//   at::Tensor& W_U = w.get("unembed.W_U");
//   for (auto& [name, t] : w.named()) ...          // creation order
//
// Threading: a value; tensors are shared by copies (at::Tensor is a handle): clone() to copy.
#pragma once

#include <ATen/ATen.h>

#include <string>
#include <utility>
#include <vector>

#include "core/base/config.h"
#include "core/base/tensor_blob.h"

namespace grok {

struct Weights {
  std::vector<std::pair<std::string, at::Tensor>> params;  // creation order

  void add(std::string name, at::Tensor t) { params.emplace_back(std::move(name), std::move(t)); }
  // The tensor called `name`; throws std::runtime_error naming it when there is none.
  at::Tensor& get(const std::string& name);
  const at::Tensor& get(const std::string& name) const;
  bool has(const std::string& name) const;

  // Every parameter with its name, in creation order.
  std::vector<std::pair<std::string, at::Tensor*>> named();
  std::vector<std::pair<std::string, const at::Tensor*>> named() const;
  std::vector<at::Tensor> list() const;
  Weights clone() const;  // deep copy, gradients not carried
  Weights to(at::ScalarType dtype) const;
  void set_requires_grad(bool on);
  void zero_grad();
};

// The config's family's initial parameters from its seed (a generator of their own, seeded as
// torch.manual_seed(seed): thread-safe, the global generator untouched), times cfg.init_scale; float32.
Weights init_weights(const Config& cfg);
// Zero-filled weights of the family's parameter shapes (for loading a checkpoint into).
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
