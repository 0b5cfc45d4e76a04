#include "core/training/internal/cross_entropy.h"

#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "core/model/internal/row_kernels.h"
#include "core/runtime/simd_kernels.h"
#if GROK_X86_KERNELS
#include <immintrin.h>
#endif

namespace grok {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Below this exp(x) is subnormal, where 2^k no longer fits the exponent field: such arguments go
// to std::exp.
constexpr double kSubnormal = -708.0;

#if GROK_X86_KERNELS
// exp on 4 doubles: x = k ln2 + r with |r| <= ln2 / 2 (ln2 in two parts, fdlibm's, so k ln2_hi is
// exact), exp(r) by its Taylor series to r^13 (truncation < 1e-17 relative), times 2^k put into the
// exponent bits. ~1 ulp; valid for kSubnormal <= x <= 700.
__attribute__((target("avx2,fma"))) __m256d exp4(__m256d x) {
  const __m256d k = _mm256_round_pd(_mm256_mul_pd(x, _mm256_set1_pd(1.4426950408889634)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256d r = _mm256_fnmadd_pd(k, _mm256_set1_pd(6.93147180369123816490e-01), x);
  r = _mm256_fnmadd_pd(k, _mm256_set1_pd(1.90821492927058770002e-10), r);
  static constexpr double kInvFact[] = {1.0 / 6227020800.0,
                                        1.0 / 479001600.0,
                                        1.0 / 39916800.0,
                                        1.0 / 3628800.0,
                                        1.0 / 362880.0,
                                        1.0 / 40320.0,
                                        1.0 / 5040.0,
                                        1.0 / 720.0,
                                        1.0 / 120.0,
                                        1.0 / 24.0,
                                        1.0 / 6.0,
                                        0.5,
                                        1.0,
                                        1.0};
  __m256d p = _mm256_set1_pd(kInvFact[0]);
  for (int i = 1; i < 14; i++) p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(kInvFact[i]));
  const __m256i k64 = _mm256_cvtepi32_epi64(_mm256_cvtpd_epi32(k));
  const __m256i two_k = _mm256_slli_epi64(_mm256_add_epi64(k64, _mm256_set1_epi64x(1023)), 52);
  return _mm256_mul_pd(p, _mm256_castsi256_pd(two_k));
}

// e[k] = exp(x[k] - m) for k < V (x float or double, read as double).
template <typename T>
__attribute__((target("avx2,fma"))) void exp_row_avx2(const T* x, double m, double* e, std::int64_t V) {
  const __m256d mv = _mm256_set1_pd(m), low = _mm256_set1_pd(kSubnormal);
  std::int64_t k = 0;
  for (; k + 4 <= V; k += 4) {
    __m256d d;
    if constexpr (std::is_same_v<T, float>)
      d = _mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(x + k)), mv);
    else
      d = _mm256_sub_pd(_mm256_loadu_pd(x + k), mv);
    _mm256_storeu_pd(e + k, exp4(d));
    if (_mm256_movemask_pd(_mm256_cmp_pd(d, low, _CMP_LT_OQ)))  // rare: far below the row's max
      for (std::int64_t i = k; i < k + 4; i++)
        if (static_cast<double>(x[i]) - m < kSubnormal) e[i] = std::exp(static_cast<double>(x[i]) - m);
  }
  for (; k < V; k++) e[k] = std::exp(static_cast<double>(x[k]) - m);
}

// e[k] /= s, 4 at a time: a division is correctly rounded however wide, so the bits are the scalar
// loop's.
__attribute__((target("avx2,fma"))) void divide_row_avx2(double* e, double s, std::int64_t V) {
  const __m256d sv = _mm256_set1_pd(s);
  std::int64_t k = 0;
  for (; k + 4 <= V; k += 4) _mm256_storeu_pd(e + k, _mm256_div_pd(_mm256_loadu_pd(e + k), sv));
  for (; k < V; k++) e[k] /= s;
}
#endif

// The row's three kernels, AVX2 where x86 says so (the same bits as the generic loops but the exp).
template <typename T>
double row_max(bool x86, const T* x, std::int64_t V) {
#if GROK_X86_KERNELS
  if constexpr (std::is_same_v<T, float>)
    if (x86 && V >= 8) {
      bool nan;
      const float m = row_kernels::max_avx2(x, V, &nan);
      if (!nan) return static_cast<double>(m);  // else std::max_element's answer, which depends on where the NaN is
    }
#endif
  (void)x86;
  return static_cast<double>(*std::max_element(x, x + V));
}

template <typename T>
void exp_row(bool x86, const T* x, double m, double* e, std::int64_t V) {
#if GROK_X86_KERNELS
  if (x86) return exp_row_avx2<T>(x, m, e, V);
#endif
  (void)x86;
  for (std::int64_t k = 0; k < V; k++) e[k] = std::exp(static_cast<double>(x[k]) - m);
}

inline void divide_row(bool x86, double* e, double s, std::int64_t V) {
#if GROK_X86_KERNELS
  if (x86) return divide_row_avx2(e, s, V);
#endif
  (void)x86;
  for (std::int64_t k = 0; k < V; k++) e[k] /= s;
}

// Rows at a time in the softmax: each row's sum runs in k order (the loss's bits), and a sum is a
// chain of dependent additions, so kRowGroup rows' chains are interleaved to overlap.
constexpr std::int64_t kRowGroup = 4;

// s[r] = e[r][0] + e[r][1] + ... + e[r][V-1], in that order, for r < G.
template <std::int64_t G>
void sums_in_order(double* const* e, std::int64_t V, double* s) {
  double acc[G] = {};
  for (std::int64_t k = 0; k < V; k++)
    for (std::int64_t r = 0; r < G; r++) acc[r] += e[r][k];
  for (std::int64_t r = 0; r < G; r++) s[r] = acc[r];
}

// Row n of the loss's gradient for an incoming gradient of c N: g = c p, minus c at the label
// (rounded to the logits' type). One home for the forward's precomputed rows and the backward's.
template <typename S>
void gradient_row(const double* p, std::int64_t y, std::int64_t V, double c, S* g) {
  for (std::int64_t k = 0; k < V; k++) g[k] = static_cast<S>(p[k] * c);
  g[y] = static_cast<S>(p[y] * c - c);
}

// p [N, V] = softmax of each row in float64, picked[n] = log p[n, label[n]]; with g, also the
// gradient for an incoming gradient of 1 (c = 1 / N), while each row is in L1.
template <typename T>
void softmax_rows(const T* x, const std::int64_t* y, std::int64_t N, std::int64_t V, double* p, double* picked,
                  T* g = nullptr) {
  const double c = 1.0 / static_cast<double>(N);
  const bool x86 = use_avx2_kernels();
  at::parallel_for(0, N, 64, [&](std::int64_t n0, std::int64_t n1) {
    for (std::int64_t g0 = n0; g0 < n1; g0 += kRowGroup) {
      const std::int64_t G = std::min(kRowGroup, n1 - g0);
      double m[kRowGroup], s[kRowGroup];
      double* e[kRowGroup];
      for (std::int64_t r = 0; r < G; r++) {
        const T* row = x + (g0 + r) * V;
        e[r] = p + (g0 + r) * V;
        m[r] = row_max<T>(x86, row, V);
        exp_row<T>(x86, row, m[r], e[r], V);
      }
      if (G == kRowGroup)
        sums_in_order<kRowGroup>(e, V, s);
      else
        for (std::int64_t r = 0; r < G; r++) sums_in_order<1>(e + r, V, s + r);
      for (std::int64_t r = 0; r < G; r++) {
        divide_row(x86, e[r], s[r], V);
        const std::int64_t n = g0 + r;
        picked[n] = (static_cast<double>(x[n * V + y[n]]) - m[r]) - std::log(s[r]);
        if (g) gradient_row(e[r], y[n], V, c, g + n * V);
      }
    }
  });
}

struct CrossEntropy64 : torch::autograd::Function<CrossEntropy64> {
  // `precompute`: the caller will take the gradient (of the mean loss, incoming 1 as from
  // loss.backward()), formed here from each softmax row while it is in L1: the backward then only
  // hands it over, where it read all of p again (~0.4 ms a mainline step on one thread).
  static variable_list forward(AutogradContext* ctx, const at::Tensor& logits, const at::Tensor& labels,
                               bool precompute) {
    const at::Tensor x = logits.contiguous(), y = labels.contiguous();
    const std::int64_t N = x.size(0), V = x.size(1);
    at::Tensor p = at::empty({N, V}, x.options().dtype(at::kDouble));
    at::Tensor picked = at::empty({N, 1}, p.options());
    at::Tensor g = precompute ? at::empty({N, V}, x.options()) : at::Tensor();
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "cross_entropy64", [&] {
      softmax_rows<scalar_t>(x.data_ptr<scalar_t>(), y.data_ptr<std::int64_t>(), N, V, p.data_ptr<double>(),
                             picked.data_ptr<double>(), precompute ? g.data_ptr<scalar_t>() : nullptr);
    });
    double total = 0;  // in row order: the same bits for any thread count
    const double* pk = picked.data_ptr<double>();
    for (std::int64_t n = 0; n < N; n++) total += pk[n];
    ctx->save_for_backward({p, y});
    ctx->saved_data["dtype"] = static_cast<std::int64_t>(x.scalar_type());
    if (precompute) ctx->saved_data["grad_for_1"] = g;
    ctx->mark_non_differentiable({picked});
    ctx->set_materialize_grads(false);
    return {at::scalar_tensor(-total / static_cast<double>(N), p.options()), picked};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const at::Tensor &p = saved[0], &labels = saved[1];
    const std::int64_t N = p.size(0), V = p.size(1);
    const double c = grads[0].defined() ? grads[0].item<double>() / static_cast<double>(N) : 0.0;
    if (c == 1.0 / static_cast<double>(N) && ctx->saved_data.count("grad_for_1"))
      return {ctx->saved_data["grad_for_1"].toTensor(), at::Tensor(), at::Tensor()};
    const auto dtype = static_cast<at::ScalarType>(ctx->saved_data["dtype"].toInt());
    at::Tensor g = at::empty({N, V}, p.options().dtype(dtype));
    const double* pp = p.data_ptr<double>();
    const std::int64_t* y = labels.data_ptr<std::int64_t>();
    AT_DISPATCH_FLOATING_TYPES(dtype, "cross_entropy64_backward", [&] {
      scalar_t* gp = g.data_ptr<scalar_t>();
      at::parallel_for(0, N, 256, [&](std::int64_t n0, std::int64_t n1) {
        for (std::int64_t n = n0; n < n1; n++) gradient_row(pp + n * V, y[n], V, c, gp + n * V);
      });
    });
    return {g, at::Tensor(), at::Tensor()};
  }
};

}  // namespace

std::pair<at::Tensor, at::Tensor> cross_entropy64(const at::Tensor& logits, const at::Tensor& labels) {
  TORCH_CHECK(logits.dim() == 2 && labels.dim() == 1 && labels.size(0) == logits.size(0),
              "cross_entropy64: logits [N, V] and labels [N]");
  const bool precompute = at::GradMode::is_enabled() && logits.requires_grad();
  const auto out = CrossEntropy64::apply(logits, labels.to(at::kLong), precompute);
  return {out[0], out[1]};
}

}  // namespace grok
