#include "core/model/internal/table_mix.h"

#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <type_traits>

#include "core/model/internal/row_kernels.h"
#include "core/model/internal/table_mix_passes.h"
#include "core/runtime/simd_kernels.h"

namespace grok {
namespace table_mix_passes {
namespace {

using row_kernels::axpy;
using row_kernels::combine;
using row_kernels::dot;
using row_kernels::dots;
using row_kernels::spread_sum;

constexpr std::int64_t kChunk = 128;

}  // namespace

Groups group_by_row(const at::Tensor& idx, std::int64_t R) {
  const std::int64_t N = idx.size(0);
  const std::int64_t* ix = idx.data_ptr<std::int64_t>();
  Groups g;
  g.offsets.assign(R + 1, 0);
  for (std::int64_t n = 0; n < N; n++) g.offsets[ix[n] + 1]++;
  for (std::int64_t r = 0; r < R; r++) g.offsets[r + 1] += g.offsets[r];
  g.order.resize(N);
  std::vector<std::int64_t> fill(g.offsets.begin(), g.offsets.end() - 1);
  for (std::int64_t n = 0; n < N; n++) g.order[fill[ix[n]]++] = n;
  g.position.resize(N);
  for (std::int64_t q = 0; q < N; q++) g.position[g.order[q]] = q;
  return g;
}

template <typename T>
void mix_forward(const at::Tensor& alpha, const std::vector<at::Tensor>& tables, const std::vector<at::Tensor>& idx,
                 const at::Tensor& base, const at::Tensor& base_idx, std::int64_t relu_cols, at::Tensor& out) {
  const std::int64_t K = base.size(1);
  mix_forward_split<T>(alpha, tables, idx, base, base_idx, relu_cols, out.data_ptr<T>(), K,
                       out.data_ptr<T>() + relu_cols, K);
}

template <typename T>
void mix_forward_split(const at::Tensor& alpha, const std::vector<at::Tensor>& tables,
                       const std::vector<at::Tensor>& idx, const at::Tensor& base, const at::Tensor& base_idx,
                       std::int64_t relu_cols, T* lo, std::int64_t ld_lo, T* hi, std::int64_t ld_hi) {
  const std::int64_t N = alpha.size(0), J = alpha.size(1), H = alpha.size(2), K = base.size(1);
  const T* a = alpha.data_ptr<T>();
  const T* b = base.data_ptr<T>();
  const std::int64_t* bi = base_idx.data_ptr<std::int64_t>();
  std::vector<const T*> tp;
  std::vector<const std::int64_t*> ip;
  std::vector<std::int64_t> R;
  for (std::int64_t j = 0; j < J; j++)
    tp.push_back(tables[j].data_ptr<T>()), ip.push_back(idx[j].data_ptr<std::int64_t>()),
        R.push_back(tables[j].size(1));
  const bool x86 = use_avx2_kernels();
  // Columns in chunks of kChunk, chunk-outer: the tables' slice for one chunk fits in L2, where the
  // whole tables (2 x V x H x K floats, ~1.9 MB for the mainline MLP) would stream from L3. No chunk
  // straddles relu_cols.
  for (std::int64_t k0 = 0; k0 < K;) {
    const std::int64_t kc = std::min(kChunk, (k0 < relu_cols ? relu_cols : K) - k0);
    const bool relu = k0 < relu_cols;
    // Where the chunk's columns go: the first relu_cols to lo, the rest to hi.
    T* const o = relu ? lo + k0 : hi + (k0 - relu_cols);
    const std::int64_t ld = relu ? ld_lo : ld_hi;
    at::parallel_for(0, N, 64, [&](std::int64_t n0, std::int64_t n1) {
      std::vector<const T*> rows(J * H);
      for (std::int64_t n = n0; n < n1; n++) {
        for (std::int64_t j = 0; j < J; j++)
          for (std::int64_t h = 0; h < H; h++) rows[j * H + h] = tp[j] + (h * R[j] + ip[j][n]) * K + k0;
        combine<T>(x86, o + n * ld, b + bi[n] * K + k0, rows.data(), a + n * J * H, J * H, kc, relu);
      }
    });
    k0 += kc;
  }
}

template <typename T>
void mix_backward(const at::Tensor& grad, const at::Tensor& alpha, const std::vector<at::Tensor>& tables,
                  const std::vector<at::Tensor>& idx, const at::Tensor& base_idx, at::Tensor& d_alpha,
                  std::vector<at::Tensor>& d_tables, at::Tensor& d_base) {
  const std::int64_t N = alpha.size(0), J = alpha.size(1), H = alpha.size(2), K = grad.size(1);
  const T* g = grad.data_ptr<T>();
  const T* a = alpha.data_ptr<T>();
  T* da = d_alpha.data_ptr<T>();
  const bool x86 = use_avx2_kernels();
  std::vector<std::int64_t> shared, per_token;  // tables of one row ('=') and of one row per token
  for (std::int64_t j = 0; j < J; j++) (tables[j].size(1) == 1 ? shared : per_token).push_back(j);

  // One pass per per-token table j, over its rows r, visiting the pairs that read row r: with
  // grad[n] and the H rows of table j at r in L1, accumulate
  //   d_table_j[r, h] += alpha[n, j, h] * grad[n]       and compute
  //   d_alpha[n, j, h] = <grad[n], table_j[r, h]>.
  // The first pass also makes the shared tables' d_alpha, and sums their gradients (and a shared
  // base row's) into partials of its own row r while grad[n] is in L1: no other pass over grad
  // (kernel version 4; before, a [H, N] x [N, K] product and a column sum each read all of it).
  // Each grad row is read once per pass and every sum runs in a fixed order, whatever the thread
  // count: the partials are summed over r in order. The dot products go to a buffer in visiting
  // order, contiguous per thread (writing d_alpha at scattered n from two threads would share
  // cache lines), and are put in place afterwards in a pass over n.
  const bool base_in_pass = !per_token.empty() && d_base.size(0) == 1;
  const std::int64_t S = static_cast<std::int64_t>(shared.size()), P = S * H + (base_in_pass ? 1 : 0);
  at::Tensor partials;  // [R_0, P, K]: row r's sums for the shared tables' heads, then the base
  for (std::size_t pass = 0; pass < per_token.size(); pass++) {
    const std::int64_t j = per_token[pass], R = tables[j].size(1);
    const Groups gr = group_by_row(idx[j], R);
    const T* tj = tables[j].data_ptr<T>();
    T* dtj = d_tables[j].data_ptr<T>();
    std::vector<std::int64_t> cols = {j};  // d_alpha columns filled on this pass
    std::vector<const T*> col_tables = {nullptr};
    const std::int64_t fused = pass == 0 ? P : 0;  // partial rows summed on this pass
    if (pass == 0) {
      for (std::int64_t s : shared) cols.push_back(s), col_tables.push_back(tables[s].data_ptr<T>());
      if (P > 0) partials = at::empty({R, P, K}, grad.options());
    }
    T* part = fused ? partials.data_ptr<T>() : nullptr;
    const std::int64_t C = static_cast<std::int64_t>(cols.size());
    std::vector<T> prods(static_cast<std::size_t>(N * C * H));  // d_alpha, in visiting order
    at::parallel_for(0, R, 1, [&](std::int64_t r0, std::int64_t r1) {
      const std::int64_t W = H + fused;  // weights a pair: its heads', then the partials' (1 for the base)
      std::vector<T*> outs(static_cast<std::size_t>(W));
      std::vector<T> w;
      std::vector<const T*> xs;                                     // the row's pairs' gradient rows
      std::vector<const T*> rows(static_cast<std::size_t>(C * H));  // in the dot products' order
      for (std::int64_t c = 1; c < C; c++)
        for (std::int64_t h = 0; h < H; h++) rows[c * H + h] = col_tables[c] + h * K;
      for (std::int64_t r = r0; r < r1; r++) {
        // Head h's row of d_table_j at + h * R * K ([H, R, K] layout), then row r's partials.
        for (std::int64_t h = 0; h < H; h++) outs[h] = dtj + (h * R + r) * K, rows[h] = tj + (h * R + r) * K;
        for (std::int64_t i = 0; i < fused; i++) outs[H + i] = part + (r * P + i) * K;
        const std::int64_t q0 = gr.offsets[r], q1 = gr.offsets[r + 1];
        xs.resize(static_cast<std::size_t>(q1 - q0));
        w.assign(static_cast<std::size_t>((q1 - q0) * W), T(1));
        for (std::int64_t q = q0; q < q1; q++) {
          const std::int64_t n = gr.order[q];
          T* wq = w.data() + (q - q0) * W;
          xs[q - q0] = g + n * K;
          for (std::int64_t h = 0; h < H; h++) wq[h] = a[(n * J + j) * H + h];
          for (std::int64_t c = 0; c < S * H && fused; c++) wq[H + c] = a[(n * J + shared[c / H]) * H + c % H];
        }
        spread_sum<T>(x86, outs.data(), w.data(), W, xs.data(), q1 - q0, K);
        for (std::int64_t q = q0; q < q1; q++)
          dots<T>(x86, xs[q - q0], rows.data(), C * H, K, prods.data() + q * C * H);
      }
    });
    at::parallel_for(0, N, 256, [&](std::int64_t n0, std::int64_t n1) {
      for (std::int64_t n = n0; n < n1; n++) {
        const T* dq = prods.data() + gr.position[n] * C * H;
        for (std::int64_t c = 0; c < C; c++)
          for (std::int64_t h = 0; h < H; h++) da[(n * J + cols[c]) * H + h] = dq[c * H + h];
      }
    });
  }
  if (per_token.empty()) {
    for (std::int64_t n = 0; n < N; n++)
      for (std::int64_t s : shared)
        for (std::int64_t h = 0; h < H; h++)
          da[(n * J + s) * H + h] = dot<T>(x86, g + n * K, tables[s].data_ptr<T>() + h * K, K);
    // Shared rows gather every pair: a [H, N] x [N, K] product, which BLAS does best.
    for (std::int64_t s : shared) d_tables[s].view({H, K}).copy_(at::mm(alpha.select(1, s).t(), grad));
  } else if (P > 0) {
    // The partials summed over the first table's rows, in row order, columns split over threads.
    const std::int64_t R = partials.size(0);
    std::vector<T*> dst;
    for (std::int64_t s : shared)
      for (std::int64_t h = 0; h < H; h++) dst.push_back(d_tables[s].data_ptr<T>() + h * K);
    if (base_in_pass) dst.push_back(d_base.data_ptr<T>());
    const T* part = partials.data_ptr<T>();
    at::parallel_for(0, K, 64, [&](std::int64_t k0, std::int64_t k1) {
      for (std::int64_t i = 0; i < P; i++) {
        T* out = dst[i];
        std::fill(out + k0, out + k1, T(0));
        for (std::int64_t r = 0; r < R; r++) {
          const T* src = part + (r * P + i) * K;
          for (std::int64_t k = k0; k < k1; k++) out[k] += src[k];
        }
      }
    });
  }

  if (!base_in_pass) sum_rows_by_index<T>(g, K, base_idx, d_base);  // base rows per token (or no pass yet)
}

template <typename T>
void sum_rows_by_index(const T* grad, std::int64_t K, const at::Tensor& idx, at::Tensor& out) {
  const Groups gr = group_by_row(idx, out.size(0));
  const bool x86 = use_avx2_kernels();
  T* o = out.data_ptr<T>();
  at::parallel_for(0, out.size(0), 1, [&](std::int64_t r0, std::int64_t r1) {
    for (std::int64_t r = r0; r < r1; r++) {
      T* row = o + r * K;
      for (std::int64_t k = 0; k < K; k++) row[k] = 0;
      for (std::int64_t q = gr.offsets[r]; q < gr.offsets[r + 1]; q++)
        axpy<T>(x86, row, grad + gr.order[q] * K, T(1), K);
    }
  });
}

void check_operands(const char* what, const at::Tensor& alpha, const std::vector<at::Tensor>& tables,
                    const std::vector<at::Tensor>& idx, const at::Tensor& base, std::vector<at::Tensor>& tables_out,
                    std::vector<at::Tensor>& idx_out) {
  const std::string name(what);
  TORCH_CHECK(
      alpha.dim() == 3 && static_cast<std::size_t>(alpha.size(1)) == tables.size() && tables.size() == idx.size(), name,
      ": alpha [N, J, H] must match J tables and J index vectors");
  for (std::size_t j = 0; j < tables.size(); j++) {
    TORCH_CHECK(tables[j].dim() == 3 && tables[j].size(0) == alpha.size(2) && tables[j].size(2) == base.size(1), name,
                ": table shape must be [H, R, K], K the base's columns");
    tables_out.push_back(tables[j].contiguous());
    idx_out.push_back(idx[j].contiguous());
  }
}

template void mix_forward<float>(const at::Tensor&, const std::vector<at::Tensor>&, const std::vector<at::Tensor>&,
                                 const at::Tensor&, const at::Tensor&, std::int64_t, at::Tensor&);
template void mix_forward<double>(const at::Tensor&, const std::vector<at::Tensor>&, const std::vector<at::Tensor>&,
                                  const at::Tensor&, const at::Tensor&, std::int64_t, at::Tensor&);
template void mix_forward_split<float>(const at::Tensor&, const std::vector<at::Tensor>&,
                                       const std::vector<at::Tensor>&, const at::Tensor&, const at::Tensor&,
                                       std::int64_t, float*, std::int64_t, float*, std::int64_t);
template void mix_forward_split<double>(const at::Tensor&, const std::vector<at::Tensor>&,
                                        const std::vector<at::Tensor>&, const at::Tensor&, const at::Tensor&,
                                        std::int64_t, double*, std::int64_t, double*, std::int64_t);
template void sum_rows_by_index<float>(const float*, std::int64_t, const at::Tensor&, at::Tensor&);
template void sum_rows_by_index<double>(const double*, std::int64_t, const at::Tensor&, at::Tensor&);
template void mix_backward<float>(const at::Tensor&, const at::Tensor&, const std::vector<at::Tensor>&,
                                  const std::vector<at::Tensor>&, const at::Tensor&, at::Tensor&,
                                  std::vector<at::Tensor>&, at::Tensor&);
template void mix_backward<double>(const at::Tensor&, const at::Tensor&, const std::vector<at::Tensor>&,
                                   const std::vector<at::Tensor>&, const at::Tensor&, at::Tensor&,
                                   std::vector<at::Tensor>&, at::Tensor&);

}  // namespace table_mix_passes

namespace {

using row_kernels::relu_mask;
using table_mix_passes::mix_backward;
using table_mix_passes::mix_forward;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// grad [N, K] with its first `cols` columns masked by out > 0 (ReLU's backward): in place when
// `in_place` (nobody else holds grad's memory), else into a new tensor.
template <typename T>
at::Tensor relu_masked(const at::Tensor& grad, const at::Tensor& out, std::int64_t cols, bool in_place) {
  const std::int64_t N = grad.size(0), K = grad.size(1);
  at::Tensor masked = in_place ? grad : at::empty_like(grad);
  T* d = masked.data_ptr<T>();
  const T* g = grad.data_ptr<T>();
  const T* o = out.data_ptr<T>();
  const bool x86 = use_avx2_kernels();
  at::parallel_for(0, N, 64, [&](std::int64_t n0, std::int64_t n1) {
    for (std::int64_t n = n0; n < n1; n++) {
      relu_mask<T>(x86, d + n * K, g + n * K, o + n * K, cols);
      if (!in_place) std::copy(g + n * K + cols, g + (n + 1) * K, d + n * K + cols);
    }
  });
  return masked;
}

struct TableMix : torch::autograd::Function<TableMix> {
  // inputs: alpha, base, tables..., then the index tensors (not differentiable)
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& alpha, const at::Tensor& base,
                            at::TensorList tables, at::TensorList idx, const at::Tensor& base_idx,
                            std::int64_t relu_cols) {
    const std::vector<at::Tensor> t(tables.begin(), tables.end()), ix(idx.begin(), idx.end());
    at::Tensor out = at::empty({alpha.size(0), base.size(1)}, base.options());
    AT_DISPATCH_FLOATING_TYPES(alpha.scalar_type(), "table_mix",
                               [&] { mix_forward<scalar_t>(alpha, t, ix, base, base_idx, relu_cols, out); });
    variable_list saved = {alpha, base, base_idx, relu_cols > 0 ? out : at::Tensor()};
    saved.insert(saved.end(), t.begin(), t.end());
    saved.insert(saved.end(), ix.begin(), ix.end());
    ctx->save_for_backward(saved);
    ctx->saved_data["J"] = static_cast<std::int64_t>(t.size());
    ctx->saved_data["relu_cols"] = relu_cols;
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const variable_list s = ctx->get_saved_variables();
    const std::int64_t J = ctx->saved_data["J"].toInt();
    const at::Tensor &alpha = s[0], &base = s[1], &base_idx = s[2], &relu_out = s[3];
    const std::vector<at::Tensor> tables(s.begin() + 4, s.begin() + 4 + J), idx(s.begin() + 4 + J, s.end());
    // The incoming gradient is ours alone when no other handle or view shares its memory (autograd
    // hands one tensor to both inputs of an addition, say): then ReLU's mask is applied in place,
    // which saves a [N, K] buffer and a pass of writes to fresh memory.
    const bool sole = grads[0].is_contiguous() && grads[0].use_count() == 1 && grads[0].storage().use_count() == 1;
    at::Tensor g = grads[0].contiguous();
    grads.clear();
    if (relu_out.defined())
      AT_DISPATCH_FLOATING_TYPES(g.scalar_type(), "table_mix_relu", [&] {
        g = relu_masked<scalar_t>(g, relu_out, ctx->saved_data["relu_cols"].toInt(), sole);
      });
    at::Tensor d_alpha = at::empty_like(alpha), d_base = at::empty_like(base);
    std::vector<at::Tensor> d_tables;
    for (auto& t : tables) d_tables.push_back(at::empty_like(t));
    AT_DISPATCH_FLOATING_TYPES(alpha.scalar_type(), "table_mix_backward", [&] {
      mix_backward<scalar_t>(g, alpha, tables, idx, base_idx, d_alpha, d_tables, d_base);
    });
    variable_list out = {d_alpha, d_base};
    out.insert(out.end(), d_tables.begin(), d_tables.end());
    for (std::int64_t j = 0; j < J; j++) out.emplace_back();  // idx
    out.emplace_back();                                       // base_idx
    out.emplace_back();                                       // relu_cols
    return out;
  }
};

}  // namespace

at::Tensor table_mix(const at::Tensor& alpha, const std::vector<at::Tensor>& tables, const std::vector<at::Tensor>& idx,
                     const at::Tensor& base, const at::Tensor& base_idx, std::int64_t relu_cols) {
  std::vector<at::Tensor> t, ix;
  table_mix_passes::check_operands("table_mix", alpha, tables, idx, base, t, ix);
  return TableMix::apply(alpha.contiguous(), base.contiguous(), at::TensorList(t), at::TensorList(ix),
                         base_idx.contiguous(), relu_cols);
}

}  // namespace grok
