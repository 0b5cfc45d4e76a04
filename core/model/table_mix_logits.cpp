#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>
#include <atomic>

#include "core/model/internal/row_kernels.h"
#include "core/model/internal/table_mix.h"
#include "core/model/internal/table_mix_passes.h"
#include "core/runtime/blas_kernels.h"
#include "core/runtime/simd_kernels.h"

namespace grok {
namespace table_mix_passes {

using row_kernels::relu_mask;

// The gradient of the fused logits' mix, gm [N, M + V] (its MLP columns g W^T masked by ReLU, its
// direct columns g itself), and dW = ReLU(m[:, :M])^T g [M, V]. Blocks of kRows pairs: each
// block's two products run on the thread that masks it, so the block's neurons are read once, for
// dW and for the mask, while in cache, and no [N, M] product is zeroed, written and read back. gm
// may be m itself (its rows are overwritten after they are read). dW is summed per fixed slice of
// blocks, then slice by slice: the same bits whatever the thread count.
namespace {
template <typename T>
bool logits_mix_grad_blas(const at::Tensor& g, const at::Tensor& m, const at::Tensor& W, at::Tensor& gm,
                          at::Tensor& dW) {
  const std::int64_t N = g.size(0), V = g.size(1), M = W.size(0), KK = M + V;
  constexpr std::int64_t kRows = 128, kSlices = 4;
  const std::int64_t blocks = (N + kRows - 1) / kRows, slices = std::min(kSlices, blocks);
  const T* gp = g.data_ptr<T>();
  const T* wp = W.data_ptr<T>();
  T* mp = m.data_ptr<T>();  // read before gm (perhaps the same memory) is written
  T* out = gm.data_ptr<T>();
  const bool x86 = use_avx2_kernels();
  at::Tensor part = at::empty({slices, M, V}, W.options());
  std::atomic<bool> no_blas{false};
  const int iM = static_cast<int>(M), iV = static_cast<int>(V), iKK = static_cast<int>(KK);
  at::parallel_for(0, slices, 1, [&](std::int64_t s0, std::int64_t s1) {
    std::vector<T> prod(static_cast<std::size_t>(kRows * M));
    for (std::int64_t sl = s0; sl < s1; sl++) {
      T* dw = part.data_ptr<T>() + sl * M * V;
      for (std::int64_t b = blocks * sl / slices; b < blocks * (sl + 1) / slices && !no_blas; b++) {
        const std::int64_t n0 = b * kRows, rows = std::min(kRows, N - n0);
        const int ir = static_cast<int>(rows);
        const bool first = b == blocks * sl / slices;
        // Row-major [M, V] dW is column-major [V, M]: g_blk^T (column-major [V, rows]) times the
        // block's neurons (row-major [rows, M] with row stride M + V, transposed).
        // Row-major prod = g_blk W^T is column-major prod^T = W g_blk^T, W being column-major [V, M].
        if (!blas_gemm('N', 'T', iV, iM, ir, gp + n0 * V, iV, mp + n0 * KK, iKK, T(first ? 0 : 1), dw, iV) ||
            !blas_gemm('T', 'N', iM, ir, iV, wp, iV, gp + n0 * V, iV, T(0), prod.data(), iM)) {
          no_blas = true;
          return;
        }
        for (std::int64_t r = 0; r < rows; r++) {
          const std::int64_t n = n0 + r;
          relu_mask<T>(x86, out + n * KK, prod.data() + r * M, mp + n * KK, M);
          std::copy(gp + n * V, gp + (n + 1) * V, out + n * KK + M);
        }
      }
    }
  });
  if (no_blas) return false;
  dW.copy_(part[0]);
  for (std::int64_t sl = 1; sl < slices; sl++) dW.add_(part[sl]);
  return true;
}

}  // namespace

template <typename T>
void logits_mix_grad(const at::Tensor& g, const at::Tensor& m, const at::Tensor& W, at::Tensor& gm, at::Tensor& dW) {
  if (logits_mix_grad_blas<T>(g, m, W, gm, dW)) return;
  // No BLAS in the process: ATen's products.
  const std::int64_t M = W.size(0), V = g.size(1);
  dW.copy_(at::mm(m.narrow(1, 0, M).t(), g));
  gm.narrow(1, 0, M).copy_(at::mm(g, W.t()) * m.narrow(1, 0, M).gt(0));
  gm.narrow(1, M, V).copy_(g);
}

template void logits_mix_grad<float>(const at::Tensor&, const at::Tensor&, const at::Tensor&, at::Tensor&, at::Tensor&);
template void logits_mix_grad<double>(const at::Tensor&, const at::Tensor&, const at::Tensor&, at::Tensor&,
                                      at::Tensor&);

}  // namespace table_mix_passes

namespace {

using row_kernels::relu_mask;
using table_mix_passes::logits_mix_grad;
using table_mix_passes::mix_backward;
using table_mix_passes::mix_forward;
using table_mix_passes::mix_forward_split;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// The buffer for the fused logits' gradient gm, [N, M + V]: m's own memory when no one outside
// holds m (training: the caller kept only the logits; the backward's handles share one tensor), one
// [N, M + V] buffer fewer to bring into cache. A second backward (retain_graph) would then find m
// overwritten: refused.
at::Tensor gradient_buffer(AutogradContext* ctx, const at::Tensor& m, const char* what) {
  TORCH_CHECK(!ctx->saved_data.count("consumed"), what, ": backward twice through one forward");
  if (m.storage().use_count() != 1) return at::empty_like(m);
  ctx->saved_data["consumed"] = true;
  return m;
}

struct TableMixLogits : torch::autograd::Function<TableMixLogits> {
  // inputs: alpha, base, W, tables..., then the index tensors (not differentiable)
  static variable_list forward(AutogradContext* ctx, const at::Tensor& alpha, const at::Tensor& base,
                               const at::Tensor& W, at::TensorList tables, at::TensorList idx,
                               const at::Tensor& base_idx) {
    const std::vector<at::Tensor> t(tables.begin(), tables.end()), ix(idx.begin(), idx.end());
    const std::int64_t M = W.size(0), V = base.size(1) - M;
    at::Tensor m = at::empty({alpha.size(0), base.size(1)}, base.options());
    AT_DISPATCH_FLOATING_TYPES(alpha.scalar_type(), "table_mix_logits",
                               [&] { mix_forward<scalar_t>(alpha, t, ix, base, base_idx, M, m); });
    at::Tensor logits = at::addmm(m.narrow(1, M, V), m.narrow(1, 0, M), W);  // [N, V]
    variable_list saved = {alpha, base_idx, m, W};
    saved.insert(saved.end(), t.begin(), t.end());
    saved.insert(saved.end(), ix.begin(), ix.end());
    ctx->save_for_backward(saved);
    ctx->saved_data["J"] = static_cast<std::int64_t>(t.size());
    ctx->saved_data["base_rows"] = base.size(0);
    ctx->mark_non_differentiable({m});
    ctx->set_materialize_grads(false);  // m's gradient is never formed
    return {logits, m};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const variable_list s = ctx->get_saved_variables();
    const std::int64_t J = ctx->saved_data["J"].toInt();
    const at::Tensor &alpha = s[0], &base_idx = s[1], &m = s[2], &W = s[3];
    const std::vector<at::Tensor> tables(s.begin() + 4, s.begin() + 4 + J), idx(s.begin() + 4 + J, s.end());
    const at::Tensor g = grads[0].contiguous();
    grads.clear();
    const std::int64_t M = W.size(0), V = g.size(1);
    at::Tensor gm = gradient_buffer(ctx, m, "table_mix_logits"), d_alpha = at::empty_like(alpha);
    at::Tensor d_base = at::empty({ctx->saved_data["base_rows"].toInt(), m.size(1)}, m.options());
    at::Tensor dW = at::empty({M, V}, W.options());
    std::vector<at::Tensor> d_tables;
    for (auto& t : tables) d_tables.push_back(at::empty_like(t));
    AT_DISPATCH_FLOATING_TYPES(alpha.scalar_type(), "table_mix_logits_backward", [&] {
      logits_mix_grad<scalar_t>(g, m, W, gm, dW);
      mix_backward<scalar_t>(gm, alpha, tables, idx, base_idx, d_alpha, d_tables, d_base);
    });
    variable_list out = {d_alpha, d_base, dW};
    out.insert(out.end(), d_tables.begin(), d_tables.end());
    for (std::int64_t j = 0; j < J; j++) out.emplace_back();  // idx
    out.emplace_back();                                       // base_idx
    return out;
  }
};

// m += b (each row), ReLU on the first M columns: one pass, where addmm's copy of the broadcast
// bias into m and a ReLU would be two. The same sums as addmm (b plus the completed product).
template <typename T>
void add_bias_relu(at::Tensor& m, const at::Tensor& b, std::int64_t M) {
  const std::int64_t K = m.size(1);
  T* mp = m.data_ptr<T>();
  const T* bp = b.data_ptr<T>();
  at::parallel_for(0, m.size(0), 64, [&](std::int64_t n0, std::int64_t n1) {
    for (std::int64_t n = n0; n < n1; n++) {
      T* row = mp + n * K;
      for (std::int64_t k = 0; k < M; k++) row[k] = std::max(row[k] + bp[k], T(0));
      for (std::int64_t k = M; k < K; k++) row[k] += bp[k];
    }
  });
}

// The same operation with a residual per pair in place of the mix: m = x W1^T + b1 (a layer after
// the first: its final position's residual is its own for every pair).
struct DenseLogits : torch::autograd::Function<DenseLogits> {
  static variable_list forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& W1, const at::Tensor& b1,
                               const at::Tensor& W) {
    const std::int64_t M = W.size(0), V = W1.size(0) - M;
    at::Tensor m = at::mm(x, W1.t());  // [N, M + V]
    AT_DISPATCH_FLOATING_TYPES(m.scalar_type(), "dense_logits", [&] { add_bias_relu<scalar_t>(m, b1, M); });
    at::Tensor logits = at::addmm(m.narrow(1, M, V), m.narrow(1, 0, M), W);
    ctx->save_for_backward({x, W1, W, m});
    ctx->mark_non_differentiable({m});
    ctx->set_materialize_grads(false);
    return {logits, m};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const variable_list s = ctx->get_saved_variables();
    const at::Tensor &x = s[0], &W1 = s[1], &W = s[2], &m = s[3];
    const at::Tensor g = grads[0].contiguous();
    grads.clear();
    at::Tensor gm = gradient_buffer(ctx, m, "dense_logits"), dW = at::empty({W.size(0), W.size(1)}, W.options());
    AT_DISPATCH_FLOATING_TYPES(g.scalar_type(), "dense_logits_backward",
                               [&] { logits_mix_grad<scalar_t>(g, m, W, gm, dW); });
    return {gm.mm(W1), gm.t().mm(x), gm.sum(0), dW};
  }
};

}  // namespace

std::pair<at::Tensor, at::Tensor> dense_logits(const at::Tensor& x, const at::Tensor& W1, const at::Tensor& b1,
                                               const at::Tensor& W) {
  TORCH_CHECK(x.dim() == 2 && W1.dim() == 2 && W.dim() == 2 && W1.size(1) == x.size(1) && W1.size(0) > W.size(0) &&
                  b1.dim() == 1 && b1.size(0) == W1.size(0),
              "dense_logits: x [N, D], W1 [M + V, D], b1 [M + V], W [M, V]");
  const auto out = DenseLogits::apply(x.contiguous(), W1.contiguous(), b1.contiguous(), W.contiguous());
  return {out[0], out[1]};
}

std::pair<at::Tensor, at::Tensor> table_mix_logits_into(const at::Tensor& alpha, const std::vector<at::Tensor>& tables,
                                                        const std::vector<at::Tensor>& idx, const at::Tensor& base,
                                                        const at::Tensor& base_idx, const at::Tensor& W,
                                                        at::Tensor& neurons) {
  TORCH_CHECK(W.dim() == 2 && base.dim() == 2 && base.size(1) > W.size(0),
              "table_mix_logits_into: W [M, V] needs tables of M + V columns");
  const std::int64_t N = alpha.size(0), M = W.size(0), V = base.size(1) - M;
  TORCH_CHECK(!at::GradMode::is_enabled() && neurons.is_contiguous() && neurons.dim() == 2 && neurons.size(0) == N &&
                  neurons.size(1) == M && neurons.scalar_type() == base.scalar_type(),
              "table_mix_logits_into: no gradient, neurons [N, M] contiguous in the mix's dtype");
  std::vector<at::Tensor> t, ix;
  table_mix_passes::check_operands("table_mix_logits_into", alpha, tables, idx, base, t, ix);
  const at::Tensor a = alpha.contiguous(), b = base.contiguous(), bi = base_idx.contiguous();
  at::Tensor direct = at::empty({N, V}, base.options());
  AT_DISPATCH_FLOATING_TYPES(a.scalar_type(), "table_mix_logits_into", [&] {
    mix_forward_split<scalar_t>(a, t, ix, b, bi, M, neurons.data_ptr<scalar_t>(), M, direct.data_ptr<scalar_t>(), V);
  });
  return {at::addmm(direct, neurons, W.contiguous()), direct};  // the same sums as table_mix_logits' addmm
}

std::pair<at::Tensor, at::Tensor> table_mix_logits(const at::Tensor& alpha, const std::vector<at::Tensor>& tables,
                                                   const std::vector<at::Tensor>& idx, const at::Tensor& base,
                                                   const at::Tensor& base_idx, const at::Tensor& W) {
  TORCH_CHECK(W.dim() == 2 && base.dim() == 2 && base.size(1) > W.size(0),
              "table_mix_logits: W [M, V] needs tables of M + V columns");
  std::vector<at::Tensor> t, ix;
  table_mix_passes::check_operands("table_mix_logits", alpha, tables, idx, base, t, ix);
  const auto out = TableMixLogits::apply(alpha.contiguous(), base.contiguous(), W.contiguous(), at::TensorList(t),
                                         at::TensorList(ix), base_idx.contiguous());
  return {out[0], out[1]};
}

}  // namespace grok
