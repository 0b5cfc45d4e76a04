#include "core/model/internal/pair_sum_activation.h"

#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>
#include <type_traits>

#include "core/runtime/simd_kernels.h"
#if GROK_X86_KERNELS
#include <immintrin.h>
#endif

namespace grok {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// ReLU as ATen's clamp_min has it (max(0, s), which returns s when both are zero or s is a NaN);
// its backward, threshold_backward, passes the gradient wherever the output is not <= 0.
template <typename S>
S relu(S s) {
  return s < S(0) ? S(0) : s;
}

// One pair's row, o = act(x + y), and one pair's spread of dh into its two gradient rows, over
// columns [m0, m1): the portable loops, and for float32 on x86 the same arithmetic 8 columns at a
// time (a multiply and an add, never an FMA: the same bits).
template <typename S, bool kSquare>
void act_row(const S* x, const S* y, S* o, std::int64_t M) {
  for (std::int64_t m = 0; m < M; m++) {
    const S s = x[m] + y[m];
    o[m] = kSquare ? s * s : relu(s);
  }
}

template <typename S, bool kSquare>
void spread_row(const S* x, const S* y, const S* g, S* pa, S* pb, std::int64_t m0, std::int64_t m1) {
  for (std::int64_t m = m0; m < m1; m++) {
    const S s = x[m] + y[m];
    S d;
    if constexpr (kSquare) {
      const S t = g[m] * s;
      d = t + t;  // the square's two products, as autograd sums them
    } else {
      d = s <= S(0) ? S(0) : g[m];
    }
    pa[m] += d;
    pb[m] += d;
  }
}

#if GROK_X86_KERNELS
template <bool kSquare>
__attribute__((target("avx2"))) void act_row_avx2(const float* x, const float* y, float* o, std::int64_t M) {
  const __m256 zero = _mm256_setzero_ps();
  std::int64_t m = 0;
  for (; m + 8 <= M; m += 8) {
    const __m256 s = _mm256_add_ps(_mm256_loadu_ps(x + m), _mm256_loadu_ps(y + m));
    // ReLU: s < 0 (ordered: a NaN stays) gives 0, else s (-0 stays -0, as clamp_min keeps it).
    _mm256_storeu_ps(o + m, kSquare ? _mm256_mul_ps(s, s) : _mm256_andnot_ps(_mm256_cmp_ps(s, zero, _CMP_LT_OQ), s));
  }
  act_row<float, kSquare>(x + m, y + m, o + m, M - m);
}

template <bool kSquare>
__attribute__((target("avx2"))) void spread_row_avx2(const float* x, const float* y, const float* g, float* pa,
                                                     float* pb, std::int64_t m0, std::int64_t m1) {
  const __m256 zero = _mm256_setzero_ps();
  std::int64_t m = m0;
  for (; m + 8 <= m1; m += 8) {
    const __m256 s = _mm256_add_ps(_mm256_loadu_ps(x + m), _mm256_loadu_ps(y + m)), gm = _mm256_loadu_ps(g + m);
    __m256 d;
    if constexpr (kSquare) {
      const __m256 t = _mm256_mul_ps(gm, s);
      d = _mm256_add_ps(t, t);
    } else {
      d = _mm256_andnot_ps(_mm256_cmp_ps(s, zero, _CMP_LE_OQ), gm);  // s <= 0 (ordered): 0
    }
    _mm256_storeu_ps(pa + m, _mm256_add_ps(_mm256_loadu_ps(pa + m), d));
    _mm256_storeu_ps(pb + m, _mm256_add_ps(_mm256_loadu_ps(pb + m), d));
  }
  spread_row<float, kSquare>(x, y, g, pa, pb, m, m1);
}
#endif

template <typename S, bool kSquare>
void act_rows(const S* T, std::int64_t M, const std::int64_t* ia, const std::int64_t* ib, std::int64_t N, S* h) {
  [[maybe_unused]] const bool x86 = std::is_same_v<S, float> && use_avx2_kernels();
  at::parallel_for(0, N, 64, [&](std::int64_t i0, std::int64_t i1) {
    for (std::int64_t i = i0; i < i1; i++) {
      const S *x = T + ia[i] * M, *y = T + ib[i] * M;
#if GROK_X86_KERNELS
      if constexpr (std::is_same_v<S, float>)
        if (x86) {
          act_row_avx2<kSquare>(x, y, h + i * M, M);
          continue;
        }
#endif
      act_row<S, kSquare>(x, y, h + i * M, M);
    }
  });
}

// ga, gb [R, M] zeroed: the gradient's rows added in pair order, each thread its own columns.
template <typename S, bool kSquare>
void spread_rows(const S* T, std::int64_t M, const std::int64_t* ia, const std::int64_t* ib, std::int64_t N,
                 const S* dh, S* ga, S* gb) {
  constexpr std::int64_t kCols = 64;
  [[maybe_unused]] const bool x86 = std::is_same_v<S, float> && use_avx2_kernels();
  at::parallel_for(0, (M + kCols - 1) / kCols, 1, [&](std::int64_t c0, std::int64_t c1) {
    const std::int64_t m0 = c0 * kCols, m1 = std::min(M, c1 * kCols);
    for (std::int64_t i = 0; i < N; i++) {
      const S *x = T + ia[i] * M, *y = T + ib[i] * M, *g = dh + i * M;
      S *pa = ga + ia[i] * M, *pb = gb + ib[i] * M;
#if GROK_X86_KERNELS
      if constexpr (std::is_same_v<S, float>)
        if (x86) {
          spread_row_avx2<kSquare>(x, y, g, pa, pb, m0, m1);
          continue;
        }
#endif
      spread_row<S, kSquare>(x, y, g, pa, pb, m0, m1);
    }
  });
}

template <typename S>
void forward_rows(Activation act, const at::Tensor& T, const at::Tensor& ia, const at::Tensor& ib, at::Tensor& h) {
  auto* f = act == Activation::Quadratic ? act_rows<S, true> : act_rows<S, false>;
  f(T.data_ptr<S>(), T.size(1), ia.data_ptr<std::int64_t>(), ib.data_ptr<std::int64_t>(), ia.size(0), h.data_ptr<S>());
}

template <typename S>
void backward_rows(Activation act, const at::Tensor& T, const at::Tensor& ia, const at::Tensor& ib,
                   const at::Tensor& dh, at::Tensor& ga, at::Tensor& gb) {
  auto* f = act == Activation::Quadratic ? spread_rows<S, true> : spread_rows<S, false>;
  f(T.data_ptr<S>(), T.size(1), ia.data_ptr<std::int64_t>(), ib.data_ptr<std::int64_t>(), ia.size(0), dh.data_ptr<S>(),
    ga.data_ptr<S>(), gb.data_ptr<S>());
}

struct PairSumActivation : torch::autograd::Function<PairSumActivation> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& T, const at::Tensor& ia, const at::Tensor& ib,
                            std::int64_t act) {
    at::Tensor h = at::empty({ia.size(0), T.size(1)}, T.options());
    AT_DISPATCH_FLOATING_TYPES(T.scalar_type(), "pair_sum_activation",
                               [&] { forward_rows<scalar_t>(static_cast<Activation>(act), T, ia, ib, h); });
    ctx->save_for_backward({T, ia, ib});
    ctx->saved_data["act"] = act;
    return h;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const variable_list s = ctx->get_saved_variables();
    const at::Tensor &T = s[0], &ia = s[1], &ib = s[2];
    const auto act = static_cast<Activation>(ctx->saved_data["act"].toInt());
    const at::Tensor dh = grads[0].contiguous();
    at::Tensor ga = at::zeros_like(T), gb = at::zeros_like(T);
    AT_DISPATCH_FLOATING_TYPES(T.scalar_type(), "pair_sum_activation_backward",
                               [&] { backward_rows<scalar_t>(act, T, ia, ib, dh, ga, gb); });
    return {ga.add_(gb), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor pair_sum_activation(const at::Tensor& T, const at::Tensor& ia, const at::Tensor& ib, Activation act) {
  TORCH_CHECK(T.dim() == 2 && ia.dim() == 1 && ib.dim() == 1 && ia.size(0) == ib.size(0),
              "pair_sum_activation: T [R, M], ia and ib [N]");
  TORCH_CHECK(act == Activation::Quadratic || act == Activation::Relu,
              "pair_sum_activation: the activation is x^2 or ReLU");
  const at::Tensor a = ia.to(at::kLong).contiguous(), b = ib.to(at::kLong).contiguous();
  // One plain pass over the indices (every training step): four ATen reductions did the same.
  const std::int64_t R = T.size(0), N = a.numel();
  const std::int64_t *ap = a.data_ptr<std::int64_t>(), *bp = b.data_ptr<std::int64_t>();
  bool inside = true;
  for (std::int64_t i = 0; i < N; i++) inside &= ap[i] >= 0 && ap[i] < R && bp[i] >= 0 && bp[i] < R;
  TORCH_CHECK(inside, "pair_sum_activation: row indices outside T");
  return PairSumActivation::apply(T.contiguous(), a, b, static_cast<std::int64_t>(act));
}

}  // namespace grok
