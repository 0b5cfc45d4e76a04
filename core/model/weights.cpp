#include "core/model/internal/weights.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <cstring>
#include <stdexcept>

namespace grok {

namespace {

std::string layer_prefix(std::size_t l) { return "blocks." + std::to_string(l) + "."; }

template <typename W, typename T>
std::vector<std::pair<std::string, T*>> named_impl(W& w) {
  std::vector<std::pair<std::string, T*>> out;
  out.emplace_back("embed.W_E", &w.W_E);
  out.emplace_back("pos_embed.W_pos", &w.W_pos);
  for (std::size_t l = 0; l < w.layers.size(); l++) {
    auto& L = w.layers[l];
    const std::string pre = layer_prefix(l);
    out.emplace_back(pre + "attn.W_K", &L.W_K);
    out.emplace_back(pre + "attn.W_Q", &L.W_Q);
    out.emplace_back(pre + "attn.W_V", &L.W_V);
    out.emplace_back(pre + "attn.W_O", &L.W_O);
    out.emplace_back(pre + "mlp.W_in", &L.W_in);
    out.emplace_back(pre + "mlp.b_in", &L.b_in);
    out.emplace_back(pre + "mlp.W_out", &L.W_out);
    out.emplace_back(pre + "mlp.b_out", &L.b_out);
  }
  out.emplace_back("unembed.W_U", &w.W_U);
  return out;
}

at::ScalarType scalar_type(DType d) {
  switch (d) {
    case DType::F32: return at::kFloat;
    case DType::F64: return at::kDouble;
    case DType::I64: return at::kLong;
  }
  return at::kFloat;
}

std::string shape_string(at::IntArrayRef s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.size(); i++) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

}  // namespace

std::vector<std::pair<std::string, at::Tensor*>> Weights::named() { return named_impl<Weights, at::Tensor>(*this); }
std::vector<std::pair<std::string, const at::Tensor*>> Weights::named() const {
  return named_impl<const Weights, const at::Tensor>(*this);
}

std::vector<at::Tensor> Weights::list() const {
  std::vector<at::Tensor> out;
  for (auto& [n, t] : named()) out.push_back(*t);
  return out;
}

Weights Weights::clone() const {
  Weights w = *this;
  for (auto& [n, t] : w.named()) *t = t->detach().clone();
  return w;
}

Weights Weights::to(at::ScalarType dtype) const {
  Weights w = *this;
  for (auto& [n, t] : w.named()) *t = t->detach().to(dtype).clone();
  return w;
}

void Weights::set_requires_grad(bool on) {
  for (auto& [n, t] : named()) t->requires_grad_(on);
}

void Weights::zero_grad() {
  for (auto& [n, t] : named()) {
    if (t->grad().defined()) t->mutable_grad() = at::Tensor();
  }
}

Weights init_weights(const Config& cfg) {
  const int D = cfg.d_model, V = cfg.p + 1, H = cfg.n_heads, Dh = cfg.d_head, M = cfg.d_mlp;
  const double sD = std::sqrt(static_cast<double>(D));
  // A generator of its own, seeded as torch.manual_seed(seed) seeds the global one (the same
  // draws): runs started at once on several threads (a sweep) must not share the global one.
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(cfg.seed);
  auto randn = [&](at::IntArrayRef shape) { return at::randn(shape, gen); };
  Weights w;
  // Reference creation order: Embed, PosEmbed, each block (attn: K, Q, V, O; mlp: in, b_in, out,
  // b_out), Unembed. Zero biases draw no random numbers.
  w.W_E = randn({D, V}) / sD;
  w.W_pos = randn({3, D}) / sD;
  for (int l = 0; l < cfg.n_layers; l++) {
    LayerWeights L;
    L.W_K = randn({H, Dh, D}) / sD;
    L.W_Q = randn({H, Dh, D}) / sD;
    L.W_V = randn({H, Dh, D}) / sD;
    L.W_O = randn({D, H * Dh}) / sD;
    L.W_in = randn({M, D}) / sD;
    L.b_in = at::zeros({M});
    L.W_out = randn({D, M}) / sD;
    L.b_out = at::zeros({D});
    w.layers.push_back(L);
  }
  w.W_U = randn({D, V}) / std::sqrt(static_cast<double>(V));
  // Omnigrok's knob (config init_scale); the default 1 leaves the reference weights untouched.
  if (cfg.init_scale != 1.0)
    for (auto& [name, t] : w.named()) t->mul_(cfg.init_scale);
  return w;
}

Weights empty_weights(const Config& cfg) {
  const int D = cfg.d_model, V = cfg.p + 1, H = cfg.n_heads, Dh = cfg.d_head, M = cfg.d_mlp;
  Weights w;
  w.W_E = at::zeros({D, V});
  w.W_pos = at::zeros({3, D});
  for (int l = 0; l < cfg.n_layers; l++) {
    w.layers.push_back({at::zeros({H, Dh, D}), at::zeros({H, Dh, D}), at::zeros({H, Dh, D}), at::zeros({D, H * Dh}),
                        at::zeros({M, D}), at::zeros({M}), at::zeros({D, M}), at::zeros({D})});
  }
  w.W_U = at::zeros({D, V});
  return w;
}

Weights weights_from_checkpoint(const Config& cfg, const std::vector<NamedArray>& checkpoint) {
  Weights w = empty_weights(cfg);
  load_named_arrays(w, checkpoint);
  return w;
}

NamedArray to_named_array(const std::string& name, const at::Tensor& t) {
  const at::Tensor c = t.detach().contiguous();
  NamedArray a;
  a.name = name;
  a.dtype = c.scalar_type() == at::kDouble ? DType::F64 : c.scalar_type() == at::kLong ? DType::I64 : DType::F32;
  const at::Tensor src = a.dtype == DType::F32 ? c.to(at::kFloat) : c;
  a.shape.assign(src.sizes().begin(), src.sizes().end());
  a.bytes.resize(src.numel() * src.element_size());
  std::memcpy(a.bytes.data(), src.data_ptr(), a.bytes.size());
  return a;
}

at::Tensor from_named_array(const NamedArray& a) {
  if (a.bytes.size() != static_cast<std::size_t>(a.numel()) * a.element_size())
    throw std::runtime_error("tensor " + a.name + ": " + std::to_string(a.bytes.size()) +
                             " bytes do not match its shape");
  at::Tensor t = at::empty(a.shape, at::TensorOptions().dtype(scalar_type(a.dtype)));
  std::memcpy(t.data_ptr(), a.bytes.data(), a.bytes.size());
  return t;
}

void copy_into(at::Tensor& t, const NamedArray& a) {
  const at::Tensor src = from_named_array(a);
  if (src.sizes() != t.sizes())
    throw std::runtime_error("tensor " + a.name + " has shape " + shape_string(src.sizes()) + ", expected " +
                             shape_string(t.sizes()));
  at::NoGradGuard no_grad;
  t.copy_(src);
}

std::vector<NamedArray> to_named_arrays(const Weights& w) {
  std::vector<NamedArray> out;
  for (auto& [n, t] : w.named()) out.push_back(to_named_array(n, *t));
  return out;
}

void load_named_arrays(Weights& w, const std::vector<NamedArray>& arrays) {
  for (auto& [n, t] : w.named()) {
    const NamedArray* found = nullptr;
    for (auto& a : arrays)
      if (a.name == n) found = &a;
    if (!found) throw std::runtime_error("checkpoint: missing tensor " + n);
    copy_into(*t, *found);
  }
}

}  // namespace grok
