#include "core/model/internal/weights.h"

#include "core/model/internal/model_family_impl.h"

#include <cmath>
#include <cstring>
#include <stdexcept>

namespace grok {

namespace {

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

at::Tensor& Weights::get(const std::string& name) {
  for (auto& [n, t] : params)
    if (n == name) return t;
  throw std::runtime_error("weights: no tensor " + name);
}

const at::Tensor& Weights::get(const std::string& name) const { return const_cast<Weights&>(*this).get(name); }

bool Weights::has(const std::string& name) const {
  for (const auto& [n, t] : params)
    if (n == name) return true;
  return false;
}

std::vector<std::pair<std::string, at::Tensor*>> Weights::named() {
  std::vector<std::pair<std::string, at::Tensor*>> out;
  for (auto& [n, t] : params) out.emplace_back(n, &t);
  return out;
}

std::vector<std::pair<std::string, const at::Tensor*>> Weights::named() const {
  std::vector<std::pair<std::string, const at::Tensor*>> out;
  for (const auto& [n, t] : params) out.emplace_back(n, &t);
  return out;
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
  Weights w = model_impl(cfg).init(cfg);
  // Omnigrok's knob (config init_scale); the default 1 leaves the reference weights untouched.
  if (cfg.init_scale != 1.0)
    for (auto& [name, t] : w.named()) t->mul_(cfg.init_scale);
  return w;
}

Weights empty_weights(const Config& cfg) {
  Weights w;
  for (const ParameterSpec& s : model_impl(cfg).parameters(cfg)) w.add(s.name, at::zeros(s.shape));
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
