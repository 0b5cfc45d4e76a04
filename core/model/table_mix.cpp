#include "core/model/internal/table_mix.h"

#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "core/runtime/simd_kernels.h"
#if GROK_X86_KERNELS
#include <immintrin.h>
#endif

namespace grok {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Row kernels. Generic C++ for any type, the portable path (what arm64 runs, and x86 with
// GROK_PORTABLE_KERNELS=1); float32 additionally has AVX2+FMA versions picked at run time on x86-64,
// since the default x86-64 target has neither and these loops carry the fast path. The generic
// float loops differ from the x86 ones only by FMA rounding and, in dot, the order of the sum.

// o[k] = base[k] + sum_r w[r] * rows[r][k]: all rows in one pass, so each output element is
// written once (a row-at-a-time axpy is bound by reloading and storing o).
template <typename T>
void combine_generic(T* o, const T* base, const T* const* rows, const T* w, std::int64_t c, std::int64_t K, bool relu) {
  for (std::int64_t k = 0; k < K; k++) {
    T acc = base[k];
    for (std::int64_t r = 0; r < c; r++) acc += w[r] * rows[r][k];
    o[k] = relu && acc < 0 ? T(0) : acc;
  }
}

template <typename T>
void relu_mask_generic(T* dst, const T* g, const T* out, std::int64_t K) {
  for (std::int64_t k = 0; k < K; k++) dst[k] = out[k] > 0 ? g[k] : T(0);
}

template <typename T>
void axpy_generic(T* o, const T* x, T w, std::int64_t K) {
  for (std::int64_t k = 0; k < K; k++) o[k] += w * x[k];
}

template <typename T>
T dot_generic(const T* a, const T* b, std::int64_t K) {
  T s = 0;
  for (std::int64_t k = 0; k < K; k++) s += a[k] * b[k];
  return s;
}

#if GROK_X86_KERNELS
__attribute__((target("avx2,fma"))) void combine_avx2(float* o, const float* base, const float* const* rows,
                                                      const float* w, std::int64_t c, std::int64_t K, bool relu) {
  const __m256 zero = _mm256_setzero_ps();
  std::int64_t k = 0;
  for (; k + 32 <= K; k += 32) {
    __m256 a0 = _mm256_loadu_ps(base + k), a1 = _mm256_loadu_ps(base + k + 8);
    __m256 a2 = _mm256_loadu_ps(base + k + 16), a3 = _mm256_loadu_ps(base + k + 24);
    for (std::int64_t r = 0; r < c; r++) {
      const __m256 wr = _mm256_set1_ps(w[r]);
      const float* x = rows[r] + k;
      a0 = _mm256_fmadd_ps(wr, _mm256_loadu_ps(x), a0);
      a1 = _mm256_fmadd_ps(wr, _mm256_loadu_ps(x + 8), a1);
      a2 = _mm256_fmadd_ps(wr, _mm256_loadu_ps(x + 16), a2);
      a3 = _mm256_fmadd_ps(wr, _mm256_loadu_ps(x + 24), a3);
    }
    if (relu) {
      a0 = _mm256_max_ps(a0, zero);
      a1 = _mm256_max_ps(a1, zero);
      a2 = _mm256_max_ps(a2, zero);
      a3 = _mm256_max_ps(a3, zero);
    }
    _mm256_storeu_ps(o + k, a0);
    _mm256_storeu_ps(o + k + 8, a1);
    _mm256_storeu_ps(o + k + 16, a2);
    _mm256_storeu_ps(o + k + 24, a3);
  }
  for (; k < K; k++) {
    float acc = base[k];
    for (std::int64_t r = 0; r < c; r++) acc = std::fma(w[r], rows[r][k], acc);
    o[k] = relu && acc < 0 ? 0.0f : acc;
  }
}

// dst[k] = g[k] where out[k] > 0, else 0: ReLU's backward for one row.
__attribute__((target("avx2,fma"))) void relu_mask_avx2(float* dst, const float* g, const float* out, std::int64_t K) {
  const __m256 zero = _mm256_setzero_ps();
  std::int64_t k = 0;
  for (; k + 8 <= K; k += 8) {
    const __m256 keep = _mm256_cmp_ps(_mm256_loadu_ps(out + k), zero, _CMP_GT_OQ);
    _mm256_storeu_ps(dst + k, _mm256_and_ps(_mm256_loadu_ps(g + k), keep));
  }
  for (; k < K; k++) dst[k] = out[k] > 0 ? g[k] : 0.0f;
}

__attribute__((target("avx2,fma"))) void axpy_avx2(float* o, const float* x, float w, std::int64_t K) {
  const __m256 wv = _mm256_set1_ps(w);
  std::int64_t k = 0;
  for (; k + 8 <= K; k += 8)
    _mm256_storeu_ps(o + k, _mm256_fmadd_ps(wv, _mm256_loadu_ps(x + k), _mm256_loadu_ps(o + k)));
  for (; k < K; k++) o[k] = std::fma(w, x[k], o[k]);
}

__attribute__((target("avx2,fma"))) float dot_avx2(const float* a, const float* b, std::int64_t K) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  std::int64_t k = 0;
  for (; k + 16 <= K; k += 16) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + k), _mm256_loadu_ps(b + k), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + k + 8), _mm256_loadu_ps(b + k + 8), s1);
  }
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, _mm256_add_ps(s0, s1));
  float s = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
  for (; k < K; k++) s = std::fma(a[k], b[k], s);
  return s;
}

#endif  // GROK_X86_KERNELS

// `x86`: use_avx2_kernels(), read once per operation (core/runtime/simd_kernels.h).
template <typename T>
void combine(bool x86, T* o, const T* base, const T* const* rows, const T* w, std::int64_t c, std::int64_t K,
             bool relu) {
#if GROK_X86_KERNELS
  if constexpr (std::is_same_v<T, float>)
    if (x86) return combine_avx2(o, base, rows, w, c, K, relu);
#endif
  (void)x86;
  combine_generic(o, base, rows, w, c, K, relu);
}

template <typename T>
void relu_mask(bool x86, T* dst, const T* g, const T* out, std::int64_t K) {
#if GROK_X86_KERNELS
  if constexpr (std::is_same_v<T, float>)
    if (x86) return relu_mask_avx2(dst, g, out, K);
#endif
  (void)x86;
  relu_mask_generic(dst, g, out, K);
}

template <typename T>
void axpy(bool x86, T* o, const T* x, T w, std::int64_t K) {
#if GROK_X86_KERNELS
  if constexpr (std::is_same_v<T, float>)
    if (x86) return axpy_avx2(o, x, w, K);
#endif
  (void)x86;
  axpy_generic(o, x, w, K);
}

template <typename T>
T dot(bool x86, const T* a, const T* b, std::int64_t K) {
#if GROK_X86_KERNELS
  if constexpr (std::is_same_v<T, float>)
    if (x86) return dot_avx2(a, b, K);
#endif
  (void)x86;
  return dot_generic(a, b, K);
}

constexpr std::int64_t kChunk = 128;

// Pairs grouped by the row they read: order[offsets[r] .. offsets[r+1]) are the n with idx[n] == r,
// ascending, so that each table row's gradient is summed in a fixed order.
struct Groups {
  std::vector<std::int64_t> order, offsets;
  std::vector<std::int64_t> position;  // inverse of order: order[position[n]] == n
};

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
                 const at::Tensor& base, const at::Tensor& base_idx, bool relu, at::Tensor& out) {
  const std::int64_t N = alpha.size(0), J = alpha.size(1), H = alpha.size(2), K = base.size(1);
  const T* a = alpha.data_ptr<T>();
  const T* b = base.data_ptr<T>();
  const std::int64_t* bi = base_idx.data_ptr<std::int64_t>();
  std::vector<const T*> tp;
  std::vector<const std::int64_t*> ip;
  for (std::int64_t j = 0; j < J; j++)
    tp.push_back(tables[j].data_ptr<T>()), ip.push_back(idx[j].data_ptr<std::int64_t>());
  T* o = out.data_ptr<T>();
  const bool x86 = use_avx2_kernels();
  // Columns in chunks of kChunk, chunk-outer: the tables' slice for one chunk fits in L2, where the
  // whole tables (2 x V x H x K floats, ~1.9 MB for the mainline MLP) would stream from L3.
  for (std::int64_t k0 = 0; k0 < K; k0 += kChunk) {
    const std::int64_t kc = std::min(kChunk, K - k0);
    at::parallel_for(0, N, 64, [&](std::int64_t n0, std::int64_t n1) {
      std::vector<const T*> rows(J * H);
      for (std::int64_t n = n0; n < n1; n++) {
        for (std::int64_t j = 0; j < J; j++)
          for (std::int64_t h = 0; h < H; h++) rows[j * H + h] = tp[j] + (ip[j][n] * H + h) * K + k0;
        combine<T>(x86, o + n * K + k0, b + bi[n] * K + k0, rows.data(), a + n * J * H, J * H, kc, relu);
      }
    });
  }
}

// grad [N, K] masked by out > 0 (ReLU's backward): in place when `in_place` (nobody else holds
// grad's memory), else into a new tensor.
template <typename T>
at::Tensor relu_masked(const at::Tensor& grad, const at::Tensor& out, bool in_place) {
  const std::int64_t N = grad.size(0), K = grad.size(1);
  at::Tensor masked = in_place ? grad : at::empty_like(grad);
  T* d = masked.data_ptr<T>();
  const T* g = grad.data_ptr<T>();
  const T* o = out.data_ptr<T>();
  const bool x86 = use_avx2_kernels();
  at::parallel_for(0, N, 64, [&](std::int64_t n0, std::int64_t n1) {
    for (std::int64_t n = n0; n < n1; n++) relu_mask<T>(x86, d + n * K, g + n * K, o + n * K, K);
  });
  return masked;
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
  for (std::int64_t j = 0; j < J; j++) (tables[j].size(0) == 1 ? shared : per_token).push_back(j);

  // One pass per per-token table j, over its rows r, visiting the pairs that read row r: with
  // grad[n] and the H rows of table j at r in L1, accumulate
  //   d_table_j[r, h] += alpha[n, j, h] * grad[n]       and compute
  //   d_alpha[n, j, h] = <grad[n], table_j[r, h]>
  // (and, on the first pass, d_alpha of the shared tables). Each grad row is read once per pass
  // and every sum runs in a fixed order, whatever the thread count. The dot products go to a
  // buffer in visiting order, contiguous per thread (writing d_alpha at scattered n from two
  // threads would share cache lines), and are put in place afterwards in a pass over n.
  for (std::size_t pass = 0; pass < per_token.size(); pass++) {
    const std::int64_t j = per_token[pass], R = tables[j].size(0);
    const Groups gr = group_by_row(idx[j], R);
    const T* tj = tables[j].data_ptr<T>();
    T* dtj = d_tables[j].data_ptr<T>();
    std::vector<std::int64_t> cols = {j};  // d_alpha columns filled on this pass
    std::vector<const T*> col_tables = {nullptr};
    if (pass == 0)
      for (std::int64_t s : shared) cols.push_back(s), col_tables.push_back(tables[s].data_ptr<T>());
    const std::int64_t C = static_cast<std::int64_t>(cols.size());
    std::vector<T> dots(static_cast<std::size_t>(N * C * H));
    at::parallel_for(0, R, 1, [&](std::int64_t r0, std::int64_t r1) {
      for (std::int64_t r = r0; r < r1; r++) {
        T* drow = dtj + r * H * K;
        const T* trow = tj + r * H * K;
        for (std::int64_t k = 0; k < H * K; k++) drow[k] = 0;
        for (std::int64_t q = gr.offsets[r]; q < gr.offsets[r + 1]; q++) {
          const std::int64_t n = gr.order[q];
          const T* gn = g + n * K;
          T* dq = dots.data() + q * C * H;
          for (std::int64_t h = 0; h < H; h++) {
            axpy<T>(x86, drow + h * K, gn, a[(n * J + j) * H + h], K);
            dq[h] = dot<T>(x86, gn, trow + h * K, K);
          }
          for (std::int64_t c = 1; c < C; c++)
            for (std::int64_t h = 0; h < H; h++) dq[c * H + h] = dot<T>(x86, gn, col_tables[c] + h * K, K);
        }
      }
    });
    at::parallel_for(0, N, 256, [&](std::int64_t n0, std::int64_t n1) {
      for (std::int64_t n = n0; n < n1; n++) {
        const T* dq = dots.data() + gr.position[n] * C * H;
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
  }
  // Shared rows gather every pair: a [H, N] x [N, K] product, which BLAS does best.
  for (std::int64_t s : shared) d_tables[s].view({H, K}).copy_(at::mm(alpha.select(1, s).t(), grad));

  if (d_base.size(0) == 1) {
    d_base.copy_(grad.sum(0, /*keepdim=*/true));
  } else {
    const Groups gr = group_by_row(base_idx, d_base.size(0));
    T* db = d_base.data_ptr<T>();
    at::parallel_for(0, d_base.size(0), 1, [&](std::int64_t r0, std::int64_t r1) {
      for (std::int64_t r = r0; r < r1; r++) {
        T* row = db + r * K;
        for (std::int64_t k = 0; k < K; k++) row[k] = 0;
        for (std::int64_t q = gr.offsets[r]; q < gr.offsets[r + 1]; q++)
          axpy<T>(x86, row, g + gr.order[q] * K, T(1), K);
      }
    });
  }
}

struct TableMix : torch::autograd::Function<TableMix> {
  // inputs: alpha, base, tables..., then the index tensors (not differentiable)
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& alpha, const at::Tensor& base,
                            at::TensorList tables, at::TensorList idx, const at::Tensor& base_idx, bool relu) {
    const std::vector<at::Tensor> t(tables.begin(), tables.end()), ix(idx.begin(), idx.end());
    at::Tensor out = at::empty({alpha.size(0), base.size(1)}, base.options());
    AT_DISPATCH_FLOATING_TYPES(alpha.scalar_type(), "table_mix",
                               [&] { mix_forward<scalar_t>(alpha, t, ix, base, base_idx, relu, out); });
    variable_list saved = {alpha, base, base_idx, relu ? out : at::Tensor()};
    saved.insert(saved.end(), t.begin(), t.end());
    saved.insert(saved.end(), ix.begin(), ix.end());
    ctx->save_for_backward(saved);
    ctx->saved_data["J"] = static_cast<std::int64_t>(t.size());
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
      AT_DISPATCH_FLOATING_TYPES(g.scalar_type(), "table_mix_relu",
                                 [&] { g = relu_masked<scalar_t>(g, relu_out, sole); });
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
    out.emplace_back();                                       // relu flag
    return out;
  }
};

}  // namespace

at::Tensor table_mix(const at::Tensor& alpha, const std::vector<at::Tensor>& tables, const std::vector<at::Tensor>& idx,
                     const at::Tensor& base, const at::Tensor& base_idx, bool relu) {
  TORCH_CHECK(
      alpha.dim() == 3 && static_cast<std::size_t>(alpha.size(1)) == tables.size() && tables.size() == idx.size(),
      "table_mix: alpha [N, J, H] must match J tables and J index vectors");
  std::vector<at::Tensor> t, ix;
  for (std::size_t j = 0; j < tables.size(); j++) {
    TORCH_CHECK(tables[j].dim() == 3 && tables[j].size(1) == alpha.size(2) && tables[j].size(2) == base.size(1),
                "table_mix: table shape must be [R, H, K]");
    t.push_back(tables[j].contiguous());
    ix.push_back(idx[j].contiguous());
  }
  return TableMix::apply(alpha.contiguous(), base.contiguous(), at::TensorList(t), at::TensorList(ix),
                         base_idx.contiguous(), relu);
}

}  // namespace grok
