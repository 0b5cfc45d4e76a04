#include "core/interchange/checkpoint_layout.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <map>

#include "core/store/run_file_error.h"

namespace grok {

namespace {

using Shape = std::vector<std::int64_t>;

[[noreturn]] void refuse(const std::string& file, const std::string& what) {
  throw RunFileError(RunFileError::Kind::Foreign, file + ": " + what);
}

std::string shape_text(const Shape& s) {
  std::string t = "[";
  for (std::size_t i = 0; i < s.size(); ++i) t += (i ? ", " : "") + std::to_string(s[i]);
  return t + "]";
}

std::string block(int l) { return "blocks." + std::to_string(l) + "."; }

NamedArray zeros(const std::string& name, const Shape& shape) {
  NamedArray a;
  a.name = name;
  a.shape = shape;
  a.bytes.assign(static_cast<std::size_t>(a.numel()) * 4, 0);
  return a;
}

// out[j...] = in[i...] with the dimensions of `in` (shape `in_shape`, row-major) reordered by
// `perm` (out dimension d is in dimension perm[d]), under the name `name`.
NamedArray permute(const NamedArray& in, const Shape& in_shape, const std::vector<int>& perm, const std::string& name) {
  NamedArray out;
  out.name = name;
  for (int d : perm) out.shape.push_back(in_shape[d]);
  out.bytes.resize(in.bytes.size());
  std::vector<std::int64_t> in_stride(in_shape.size(), 1);
  for (std::size_t d = in_shape.size() - 1; d-- > 0;) in_stride[d] = in_stride[d + 1] * in_shape[d + 1];
  const float* src = in.f32();
  float* dst = reinterpret_cast<float*>(out.bytes.data());
  std::vector<std::int64_t> idx(perm.size(), 0);
  const std::int64_t n = out.numel();
  for (std::int64_t k = 0; k < n; ++k) {
    std::int64_t off = 0;
    for (std::size_t d = 0; d < perm.size(); ++d) off += idx[d] * in_stride[perm[d]];
    dst[k] = src[off];
    for (std::size_t d = perm.size(); d-- > 0;) {
      if (++idx[d] < out.shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

NamedArray renamed(NamedArray a, const std::string& name) {
  a.name = name;
  return a;
}

bool all_zero(const NamedArray& a) {
  for (std::int64_t i = 0; i < a.numel(); ++i)
    if (a.f32()[i] != 0.0f) return false;
  return true;
}

PtTensor to_pt(const NamedArray& a) { return {a.name, StorageType::F32, a.shape, a.bytes}; }

// The tensors of a file, by name, with a message for any that is missing or misshapen.
class Tensors {
 public:
  Tensors(const std::vector<NamedArray>& t, const std::string& file) : file_(file) {
    for (const NamedArray& a : t) by_name_[a.name] = &a;
  }
  bool has(const std::string& name) const { return by_name_.count(name) > 0; }
  const NamedArray& get(const std::string& name, const Shape& shape) {
    const auto it = by_name_.find(name);
    if (it == by_name_.end()) refuse(file_, "has no tensor " + name);
    if (it->second->shape != shape)
      refuse(file_, name + " has shape " + shape_text(it->second->shape) + ", expected " + shape_text(shape) +
                        " for the shape the other tensors give");
    used_[name] = true;
    return *it->second;
  }
  const Shape& shape_of(const std::string& name, std::size_t dims) const {
    const auto it = by_name_.find(name);
    if (it == by_name_.end()) refuse(file_, "has no tensor " + name + " (not the paper's transformer?)");
    if (it->second->shape.size() != dims)
      refuse(file_, name + " has shape " + shape_text(it->second->shape) + ", not " + std::to_string(dims) + "-D");
    for (std::int64_t s : it->second->shape)
      if (s < 1 || s > 1'000'000) refuse(file_, name + " has shape " + shape_text(it->second->shape));
    return it->second->shape;
  }
  int dims(const std::string& name) const {
    const auto it = by_name_.find(name);
    return it == by_name_.end() ? -1 : static_cast<int>(it->second->shape.size());
  }
  void ignore(const std::string& name) { used_[name] = true; }
  // Biases of TransformerLens that the authors' model does not have: present means zero.
  void require_zero(const std::string& name, const Shape& shape) {
    if (!has(name)) return;
    if (!all_zero(get(name, shape)))
      refuse(file_, name + " is not zero, and the authors' model has no such bias (cannot import it exactly)");
  }
  void refuse_unknown() const {
    for (const auto& [name, a] : by_name_)
      if (!used_.count(name))
        refuse(file_, "has tensor " + name + " " + shape_text(a->shape) + ", which the paper's model does not have" +
                          (name.find(".ln") != std::string::npos ? " (LayerNorm)" : ""));
  }

 private:
  std::string file_;
  std::map<std::string, const NamedArray*> by_name_;
  std::map<std::string, bool> used_;
};

// Chughtai's OneLayerMLP or Gromov's fcn, by their names: the tensors as they are.
std::vector<NamedArray> mlp_run_layout(Tensors& t, ModelShape& s) {
  std::vector<NamedArray> out;
  s.n_layers = 1;
  if (t.has("W_x")) {
    const Shape& Wx = t.shape_of("W_x", 2);
    const std::int64_t n = Wx[0], D = Wx[1], M = t.shape_of("W", 2)[1];
    s.model = "mlp", s.p = static_cast<int>(n), s.d_model = static_cast<int>(D), s.d_mlp = static_cast<int>(M);
    out = {t.get("W_x", {n, D}), t.get("W_y", {n, D}), t.get("W", {2 * D, M}), t.get("W_U", {M, n})};
  } else {
    const Shape& f1 = t.shape_of("fc1.weight", 2);
    const std::int64_t M = f1[0], n = f1[1] / 2;
    s.model = "quadratic-mlp", s.p = static_cast<int>(n), s.d_mlp = static_cast<int>(M);
    out = {t.get("fc1.weight", {M, 2 * n}), t.get("fc2.weight", {n, M})};
  }
  t.refuse_unknown();
  return out;
}

}  // namespace

const char* to_string(PtLayout l) { return l == PtLayout::Authors ? "authors" : "transformer-lens"; }

std::vector<NamedArray> to_run_layout(const std::vector<NamedArray>& tensors, const std::string& file,
                                      ModelShape* shape, PtLayout* layout) {
  Tensors t(tensors, file);
  if (t.has("W_x") || t.has("fc1.weight")) {  // an MLP family's (their names)
    ModelShape s;
    std::vector<NamedArray> out = mlp_run_layout(t, s);
    if (shape) *shape = s;
    if (layout) *layout = PtLayout::Authors;
    return out;
  }
  const bool tl = t.dims("blocks.0.attn.W_O") == 3;  // the authors' W_O is [D, H*Dh]
  t.shape_of("blocks.0.attn.W_O", tl ? 3 : 2);
  ModelShape s;
  const Shape& W_E = t.shape_of("embed.W_E", 2);
  const Shape& W_Q = t.shape_of("blocks.0.attn.W_Q", 3);
  const std::int64_t V = tl ? W_E[0] : W_E[1];
  s.d_model = static_cast<int>(tl ? W_E[1] : W_E[0]);
  s.p = static_cast<int>(V - 1);
  s.n_heads = static_cast<int>(W_Q[0]);
  s.d_head = static_cast<int>(tl ? W_Q[2] : W_Q[1]);
  s.d_mlp = static_cast<int>(t.shape_of("blocks.0.mlp.b_in", 1)[0]);
  while (t.has(block(s.n_layers) + "attn.W_Q")) ++s.n_layers;
  const Shape& W_pos = t.shape_of("pos_embed.W_pos", 2);
  if (W_pos[0] != 3)
    refuse(file, "pos_embed.W_pos has " + std::to_string(W_pos[0]) + " positions; the task's model reads 3 (a, b, =)");
  const std::int64_t D = s.d_model, H = s.n_heads, Dh = s.d_head, M = s.d_mlp;
  std::vector<NamedArray> out;
  if (!tl) {
    out.push_back(t.get("embed.W_E", {D, V}));
    out.push_back(t.get("pos_embed.W_pos", {3, D}));
    for (int l = 0; l < s.n_layers; ++l) {
      const std::string b = block(l);
      for (const char* w : {"attn.W_K", "attn.W_Q", "attn.W_V"}) out.push_back(t.get(b + w, {H, Dh, D}));
      out.push_back(t.get(b + "attn.W_O", {D, H * Dh}));
      out.push_back(t.get(b + "mlp.W_in", {M, D}));
      out.push_back(t.get(b + "mlp.b_in", {M}));
      out.push_back(t.get(b + "mlp.W_out", {D, M}));
      out.push_back(t.get(b + "mlp.b_out", {D}));
      t.ignore(b + "attn.mask");
    }
    out.push_back(t.get("unembed.W_U", {D, V}));
  } else {
    out.push_back(permute(t.get("embed.W_E", {V, D}), {V, D}, {1, 0}, "embed.W_E"));
    out.push_back(t.get("pos_embed.W_pos", {3, D}));
    for (int l = 0; l < s.n_layers; ++l) {
      const std::string b = block(l);
      for (const char* w : {"attn.W_K", "attn.W_Q", "attn.W_V"})
        out.push_back(permute(t.get(b + w, {H, D, Dh}), {H, D, Dh}, {0, 2, 1}, b + w));
      // out[d, h*Dh+k] = W_O[h, k, d]: the permutation (2, 0, 1) read as [D, H*Dh].
      NamedArray o = permute(t.get(b + "attn.W_O", {H, Dh, D}), {H, Dh, D}, {2, 0, 1}, b + "attn.W_O");
      o.shape = {D, H * Dh};
      out.push_back(std::move(o));
      for (const char* bias : {"attn.b_Q", "attn.b_K", "attn.b_V"}) t.require_zero(b + bias, {H, Dh});
      t.require_zero(b + "attn.b_O", {D});
      out.push_back(permute(t.get(b + "mlp.W_in", {D, M}), {D, M}, {1, 0}, b + "mlp.W_in"));
      out.push_back(renamed(t.get(b + "mlp.b_in", {M}), b + "mlp.b_in"));
      out.push_back(permute(t.get(b + "mlp.W_out", {M, D}), {M, D}, {1, 0}, b + "mlp.W_out"));
      out.push_back(renamed(t.get(b + "mlp.b_out", {D}), b + "mlp.b_out"));
      t.ignore(b + "attn.mask");
      t.ignore(b + "attn.IGNORE");
    }
    const std::int64_t out_width = t.shape_of("unembed.W_U", 2)[1];
    if (out_width != V && out_width != V - 1)
      refuse(file, "unembed.W_U has " + std::to_string(out_width) + " outputs, expected " + std::to_string(V) + " or " +
                       std::to_string(V - 1) + " (p)");
    const NamedArray& W_U = t.get("unembed.W_U", {D, out_width});
    t.require_zero("unembed.b_U", {out_width});
    NamedArray u = zeros("unembed.W_U", {D, V});  // a p-wide W_U gets a zero column for '='
    for (std::int64_t d = 0; d < D; ++d)
      std::memcpy(u.bytes.data() + d * V * 4, W_U.bytes.data() + d * out_width * 4, out_width * 4);
    out.push_back(std::move(u));
  }
  t.refuse_unknown();
  if (shape) *shape = s;
  if (layout) *layout = tl ? PtLayout::TransformerLens : PtLayout::Authors;
  return out;
}

std::vector<PtTensor> from_run_layout(const std::vector<NamedArray>& run, const ModelShape& s, PtLayout layout) {
  std::map<std::string, const NamedArray*> w;
  for (const NamedArray& a : run) w[a.name] = &a;
  const auto at = [&](const std::string& name) -> const NamedArray& {
    const auto it = w.find(name);
    if (it == w.end()) throw RunFileError(RunFileError::Kind::Damaged, "checkpoint has no tensor " + name);
    return *it->second;
  };
  if (s.model != "transformer") {  // the MLPs: their authors' names are the run file's
    if (layout != PtLayout::Authors)
      throw RunFileError(RunFileError::Kind::Foreign,
                         "the " + s.model + " model has no " + to_string(layout) + " layout");
    std::vector<PtTensor> out;
    for (const NamedArray& a : run) out.push_back(to_pt(a));
    return out;
  }
  const std::int64_t D = s.d_model, V = s.p + 1, H = s.n_heads, Dh = s.d_head, M = s.d_mlp;
  // The causal mask over the 3 positions (lower triangle), as float (authors) or bool (TL).
  PtTensor mask{"", layout == PtLayout::Authors ? StorageType::F32 : StorageType::Bool, {3, 3}, {}};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      const float f = j <= i ? 1.0f : 0.0f;
      if (layout == PtLayout::Authors)
        mask.bytes.insert(mask.bytes.end(), reinterpret_cast<const unsigned char*>(&f),
                          reinterpret_cast<const unsigned char*>(&f) + 4);
      else
        mask.bytes.push_back(j <= i ? 1 : 0);
    }
  std::vector<PtTensor> out;
  if (layout == PtLayout::Authors) {
    for (const NamedArray& a : run) {
      out.push_back(to_pt(a));
      if (a.name.size() > 8 && a.name.compare(a.name.size() - 8, 8, "attn.W_O") == 0) {  // after W_O, as state_dict()
        out.push_back(mask);
        out.back().name = a.name.substr(0, a.name.size() - 3) + "mask";
      }
    }
    return out;
  }
  out.push_back(to_pt(permute(at("embed.W_E"), {D, V}, {1, 0}, "embed.W_E")));
  out.push_back(to_pt(at("pos_embed.W_pos")));
  for (int l = 0; l < s.n_layers; ++l) {
    const std::string b = block(l);
    for (const char* n : {"attn.W_Q", "attn.W_K", "attn.W_V"})
      out.push_back(to_pt(permute(at(b + n), {H, Dh, D}, {0, 2, 1}, b + n)));
    out.push_back(to_pt(permute(at(b + "attn.W_O"), {D, H, Dh}, {1, 2, 0}, b + "attn.W_O")));
    for (const char* n : {"attn.b_Q", "attn.b_K", "attn.b_V"}) out.push_back(to_pt(zeros(b + n, {H, Dh})));
    out.push_back(to_pt(zeros(b + "attn.b_O", {D})));
    out.push_back(mask);
    out.back().name = b + "attn.mask";
    const float ignore = -std::numeric_limits<float>::infinity();
    PtTensor ig{b + "attn.IGNORE", StorageType::F32, {}, std::vector<unsigned char>(4)};
    std::memcpy(ig.bytes.data(), &ignore, 4);
    out.push_back(std::move(ig));
    out.push_back(to_pt(permute(at(b + "mlp.W_in"), {M, D}, {1, 0}, b + "mlp.W_in")));
    out.push_back(to_pt(at(b + "mlp.b_in")));
    out.push_back(to_pt(permute(at(b + "mlp.W_out"), {D, M}, {1, 0}, b + "mlp.W_out")));
    out.push_back(to_pt(at(b + "mlp.b_out")));
  }
  out.push_back(to_pt(at("unembed.W_U")));
  out.push_back(to_pt(zeros("unembed.b_U", {V})));
  return out;
}

}  // namespace grok
