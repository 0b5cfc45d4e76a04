#include "core/model/internal/pair_heads.h"

#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

#include <vector>

#include "core/model/internal/row_kernels.h"
#include "core/model/internal/table_mix_passes.h"
#include "core/runtime/simd_kernels.h"

namespace grok {
namespace {

using row_kernels::combine;
using row_kernels::dot;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// The streams' rows as pointers: row_j(n) is idx[j][n], or n where idx[j] is empty (a per-pair
// stream).
template <typename T>
struct Streams {
  std::vector<const T*> rows;
  std::vector<const std::int64_t*> idx;
  std::int64_t D = 0;
  Streams(const std::vector<at::Tensor>& r, const std::vector<at::Tensor>& ix) : D(r[0].size(1)) {
    for (std::size_t j = 0; j < r.size(); j++)
      rows.push_back(r[j].data_ptr<T>()), idx.push_back(ix[j].numel() ? ix[j].data_ptr<std::int64_t>() : nullptr);
  }
  const T* row(std::size_t j, std::int64_t n) const { return rows[j] + (idx[j] ? idx[j][n] : n) * D; }
  std::size_t size() const { return rows.size(); }
};

// A [H, N, D] operand's row (h, n), whatever its first two strides.
template <typename T>
struct HeadRows {
  T* p;
  std::int64_t sh, sn;
  explicit HeadRows(const at::Tensor& t) : p(t.data_ptr<T>()), sh(t.stride(0)), sn(t.stride(1)) {}
  T* operator()(std::int64_t h, std::int64_t n) const { return p + h * sh + n * sn; }
};

// Stream j's gradient from its pairs' contributions c [N, D]: c itself for a per-pair stream, else
// each table row the sum of its pairs' rows in order (table_mix_passes.h).
template <typename T>
at::Tensor stream_grad(const at::Tensor& c, const at::Tensor& idx, std::int64_t R) {
  if (!idx.numel()) return c;
  at::Tensor out = at::empty({R, c.size(1)}, c.options());
  table_mix_passes::sum_rows_by_index<T>(c.data_ptr<T>(), c.size(1), idx, out);
  return out;
}

// c_j[n] = sum_h w[n, j, h] x[h, n] for every stream j ([N, J, H] weights), then each stream's
// gradient: the part of both kernels' backward that goes to the streams.
template <typename T>
std::vector<at::Tensor> streams_backward(const HeadRows<T>& x, std::int64_t N, std::int64_t H, const T* w,
                                         const std::vector<at::Tensor>& rows, const std::vector<at::Tensor>& idx,
                                         bool x86) {
  const std::int64_t J = static_cast<std::int64_t>(rows.size()), D = rows[0].size(1);
  std::vector<at::Tensor> c;
  for (std::int64_t j = 0; j < J; j++) c.push_back(at::empty({N, D}, rows[0].options()));
  const std::vector<T> zero(static_cast<std::size_t>(D), T(0));
  at::parallel_for(0, N, 64, [&](std::int64_t n0, std::int64_t n1) {
    std::vector<const T*> xs(static_cast<std::size_t>(H));
    std::vector<T> wj(static_cast<std::size_t>(H));
    for (std::int64_t n = n0; n < n1; n++) {
      for (std::int64_t h = 0; h < H; h++) xs[h] = x(h, n);
      for (std::int64_t j = 0; j < J; j++) {
        for (std::int64_t h = 0; h < H; h++) wj[h] = w[(n * J + j) * H + h];
        combine<T>(x86, c[j].data_ptr<T>() + n * D, zero.data(), xs.data(), wj.data(), H, D, false);
      }
    }
  });
  std::vector<at::Tensor> out;
  for (std::int64_t j = 0; j < J; j++) out.push_back(stream_grad<T>(c[j], idx[j], rows[j].size(0)));
  return out;
}

// out[h, n] = sum_j w[n, j, h] row_j(n): the mix's forward and the dots' backward into qk.
template <typename T>
void mix_rows(const Streams<T>& s, const T* w, std::int64_t N, std::int64_t H, const HeadRows<T>& out, bool x86) {
  const std::int64_t J = static_cast<std::int64_t>(s.size()), D = s.D;
  const std::vector<T> zero(static_cast<std::size_t>(D), T(0));
  at::parallel_for(0, N, 64, [&](std::int64_t n0, std::int64_t n1) {
    std::vector<const T*> rs(static_cast<std::size_t>(J));
    std::vector<T> wh(static_cast<std::size_t>(J));
    for (std::int64_t n = n0; n < n1; n++) {
      for (std::int64_t j = 0; j < J; j++) rs[j] = s.row(j, n);
      for (std::int64_t h = 0; h < H; h++) {
        for (std::int64_t j = 0; j < J; j++) wh[j] = w[(n * J + j) * H + h];
        combine<T>(x86, out(h, n), zero.data(), rs.data(), wh.data(), J, D, false);
      }
    }
  });
}

// out[n, j, h] = <x[h, n], row_j(n)>: the dots' forward and the mix's backward into alpha.
template <typename T>
void dot_rows(const Streams<T>& s, const HeadRows<T>& x, std::int64_t N, std::int64_t H, T* out, bool x86) {
  const std::int64_t J = static_cast<std::int64_t>(s.size());
  at::parallel_for(0, N, 64, [&](std::int64_t n0, std::int64_t n1) {
    for (std::int64_t n = n0; n < n1; n++)
      for (std::int64_t j = 0; j < J; j++)
        for (std::int64_t h = 0; h < H; h++) out[(n * J + j) * H + h] = dot<T>(x86, x(h, n), s.row(j, n), s.D);
  });
}

// What both kernels' forwards save, their first operand and the streams, and their backwards read.
void save_streams(AutogradContext* ctx, const at::Tensor& first, at::TensorList rows, at::TensorList idx) {
  variable_list saved = {first};
  saved.insert(saved.end(), rows.begin(), rows.end());
  saved.insert(saved.end(), idx.begin(), idx.end());
  ctx->save_for_backward(saved);
  ctx->saved_data["J"] = static_cast<std::int64_t>(rows.size());
}
struct Saved {
  at::Tensor first;
  std::vector<at::Tensor> rows, idx;
  explicit Saved(AutogradContext* ctx) {
    const variable_list sv = ctx->get_saved_variables();
    const std::int64_t J = ctx->saved_data["J"].toInt();
    first = sv[0];
    rows.assign(sv.begin() + 1, sv.begin() + 1 + J);
    idx.assign(sv.begin() + 1 + J, sv.end());
  }
};

struct HeadDots : torch::autograd::Function<HeadDots> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& qk, at::TensorList rows, at::TensorList idx) {
    const std::vector<at::Tensor> r(rows.begin(), rows.end()), ix(idx.begin(), idx.end());
    const std::int64_t H = qk.size(0), N = qk.size(1), J = static_cast<std::int64_t>(r.size());
    at::Tensor s = at::empty({N, J, H}, qk.options());
    AT_DISPATCH_FLOATING_TYPES(qk.scalar_type(), "head_dots", [&] {
      dot_rows<scalar_t>(Streams<scalar_t>(r, ix), HeadRows<scalar_t>(qk), N, H, s.data_ptr<scalar_t>(),
                         use_avx2_kernels());
    });
    save_streams(ctx, qk, rows, idx);
    return s;
  }
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const Saved sv(ctx);
    const at::Tensor& qk = sv.first;
    const std::vector<at::Tensor>&r = sv.rows, &ix = sv.idx;
    const std::int64_t H = qk.size(0), N = qk.size(1), J = static_cast<std::int64_t>(r.size());
    const at::Tensor w = grads[0].contiguous();  // [N, J, H]
    at::Tensor d_qk = at::empty({H, N, qk.size(2)}, qk.options());
    variable_list out;
    AT_DISPATCH_FLOATING_TYPES(qk.scalar_type(), "head_dots_backward", [&] {
      const bool x86 = use_avx2_kernels();
      const scalar_t* wp = w.data_ptr<scalar_t>();
      mix_rows<scalar_t>(Streams<scalar_t>(r, ix), wp, N, H, HeadRows<scalar_t>(d_qk), x86);
      out.push_back(d_qk);
      for (auto& g : streams_backward<scalar_t>(HeadRows<scalar_t>(qk), N, H, wp, r, ix, x86)) out.push_back(g);
    });
    for (std::int64_t j = 0; j < J; j++) out.emplace_back();
    return out;
  }
};

struct HeadMix : torch::autograd::Function<HeadMix> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& alpha, at::TensorList rows, at::TensorList idx) {
    const std::vector<at::Tensor> r(rows.begin(), rows.end()), ix(idx.begin(), idx.end());
    const std::int64_t N = alpha.size(0), H = alpha.size(2);
    at::Tensor out = at::empty({H, N, r[0].size(1)}, alpha.options());
    AT_DISPATCH_FLOATING_TYPES(alpha.scalar_type(), "head_mix", [&] {
      mix_rows<scalar_t>(Streams<scalar_t>(r, ix), alpha.data_ptr<scalar_t>(), N, H, HeadRows<scalar_t>(out),
                         use_avx2_kernels());
    });
    save_streams(ctx, alpha, rows, idx);
    return out;
  }
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const Saved sv(ctx);
    const at::Tensor& alpha = sv.first;
    const std::vector<at::Tensor>&r = sv.rows, &ix = sv.idx;
    const std::int64_t N = alpha.size(0), H = alpha.size(2), J = static_cast<std::int64_t>(r.size());
    const at::Tensor g = grads[0].contiguous();  // [H, N, D]
    at::Tensor d_alpha = at::empty_like(alpha);
    variable_list out;
    AT_DISPATCH_FLOATING_TYPES(alpha.scalar_type(), "head_mix_backward", [&] {
      const bool x86 = use_avx2_kernels();
      dot_rows<scalar_t>(Streams<scalar_t>(r, ix), HeadRows<scalar_t>(g), N, H, d_alpha.data_ptr<scalar_t>(), x86);
      out.push_back(d_alpha);
      for (auto& d : streams_backward<scalar_t>(HeadRows<scalar_t>(g), N, H, alpha.data_ptr<scalar_t>(), r, ix, x86))
        out.push_back(d);
    });
    for (std::int64_t j = 0; j < J; j++) out.emplace_back();
    return out;
  }
};

// Contiguous rows, and an empty index for a per-pair stream (autograd's lists take no undefined
// tensors).
void prepare(const std::vector<at::Tensor>& rows, const std::vector<at::Tensor>& idx, std::int64_t N,
             std::vector<at::Tensor>& r, std::vector<at::Tensor>& ix) {
  TORCH_CHECK(!rows.empty() && rows.size() == idx.size(), "pair_heads: one index (or none) per stream");
  for (std::size_t j = 0; j < rows.size(); j++) {
    TORCH_CHECK(rows[j].dim() == 2 && rows[j].size(1) == rows[0].size(1), "pair_heads: rows [R_j, D]");
    TORCH_CHECK(idx[j].defined() ? idx[j].size(0) == N : rows[j].size(0) == N,
                "pair_heads: an index of N pairs, or N rows of a per-pair stream");
    r.push_back(rows[j].contiguous());
    ix.push_back(idx[j].defined() ? idx[j].contiguous() : at::empty({0}, at::kLong));
  }
}

}  // namespace

at::Tensor head_dots(const at::Tensor& qk, const std::vector<at::Tensor>& rows, const std::vector<at::Tensor>& idx) {
  TORCH_CHECK(qk.dim() == 3, "head_dots: qk [H, N, D]");
  std::vector<at::Tensor> r, ix;
  prepare(rows, idx, qk.size(1), r, ix);
  TORCH_CHECK(qk.size(2) == r[0].size(1), "head_dots: qk's rows as long as the streams'");
  const at::Tensor q = qk.stride(2) == 1 ? qk : qk.contiguous();
  return HeadDots::apply(q, at::TensorList(r), at::TensorList(ix));
}

at::Tensor head_mix(const at::Tensor& alpha, const std::vector<at::Tensor>& rows, const std::vector<at::Tensor>& idx) {
  TORCH_CHECK(alpha.dim() == 3 && alpha.size(1) == static_cast<std::int64_t>(rows.size()),
              "head_mix: alpha [N, J, H], one stream a j");
  std::vector<at::Tensor> r, ix;
  prepare(rows, idx, alpha.size(0), r, ix);
  return HeadMix::apply(alpha.contiguous(), at::TensorList(r), at::TensorList(ix));
}

}  // namespace grok
