// Row kernels of the table mix (table_mix.cpp): one output row as a weighted sum of table rows,
// ReLU's backward mask, axpy (and spread: several axpys of one row) and dot, each over K
// contiguous elements; and a row's maximum and argmax (the loss's softmax, cross_entropy.cpp, and the
// accuracy, transformer.cpp).
//
// Why a header of their own: the table mix and the final layer's fused logits both run them.
// Generic C++ for any type is the portable path (what arm64 runs, and x86 with
// GROK_PORTABLE_KERNELS=1); float32 additionally has AVX2+FMA versions picked at run time on
// x86-64 (core/runtime/simd_kernels.h), since the default x86-64 target has neither and these loops
// carry the fast path. The two differ only by FMA rounding and, in dot, the order of the sum.
//
//   const bool x86 = use_avx2_kernels();          // read once per operation
//   combine<float>(x86, out, base, rows, w, c, K, /*relu=*/true);
//
// Threading: pure functions of their arguments; call them from any thread.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "core/runtime/simd_kernels.h"
#if GROK_X86_KERNELS
#include <immintrin.h>
#endif

namespace grok::row_kernels {

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

// outs[i][k] += w[i] * x[k] for i < c: c axpys of one row, x read once (each element's arithmetic is
// axpy's, so the bits are c axpys').
template <typename T>
void spread_generic(T* const* outs, const T* w, std::int64_t c, const T* x, std::int64_t K) {
  for (std::int64_t i = 0; i < c; i++) axpy_generic(outs[i], x, w[i], K);
}

// outs[i][k] = sum over q < n, in q order, of w[q * c + i] * xs[q][k], for i < c, starting from
// +0: n spreads of rows into the same c outputs, just zeroed. The same bits as zeroing outs and
// calling spread n times (each element is the same chain of multiply-adds); the AVX2 version keeps
// the outputs in registers across the n rows, 16 columns at a time, where n spreads store every
// output row once per input row (the table mix's backward was bound by those stores).
template <typename T>
void spread_sum_generic(T* const* outs, const T* w, std::int64_t c, const T* const* xs, std::int64_t n,
                        std::int64_t K) {
  for (std::int64_t i = 0; i < c; i++)
    for (std::int64_t k = 0; k < K; k++) outs[i][k] = T(0);
  for (std::int64_t q = 0; q < n; q++) spread_generic(outs, w + q * c, c, xs[q], K);
}

template <typename T>
T dot_generic(const T* a, const T* b, std::int64_t K) {
  T s = 0;
  for (std::int64_t k = 0; k < K; k++) s += a[k] * b[k];
  return s;
}

#if GROK_X86_KERNELS
inline __attribute__((target("avx2,fma"))) void combine_avx2(float* o, const float* base, const float* const* rows,
                                                             const float* w, std::int64_t c, std::int64_t K,
                                                             bool relu) {
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
  for (; k + 8 <= K; k += 8) {
    __m256 a0 = _mm256_loadu_ps(base + k);
    for (std::int64_t r = 0; r < c; r++) a0 = _mm256_fmadd_ps(_mm256_set1_ps(w[r]), _mm256_loadu_ps(rows[r] + k), a0);
    _mm256_storeu_ps(o + k, relu ? _mm256_max_ps(a0, zero) : a0);
  }
  for (; k < K; k++) {
    float acc = base[k];
    for (std::int64_t r = 0; r < c; r++) acc = std::fma(w[r], rows[r][k], acc);
    o[k] = relu && acc < 0 ? 0.0f : acc;
  }
}

// dst[k] = g[k] where out[k] > 0, else 0: ReLU's backward for one row.
inline __attribute__((target("avx2,fma"))) void relu_mask_avx2(float* dst, const float* g, const float* out,
                                                               std::int64_t K) {
  const __m256 zero = _mm256_setzero_ps();
  std::int64_t k = 0;
  for (; k + 8 <= K; k += 8) {
    const __m256 keep = _mm256_cmp_ps(_mm256_loadu_ps(out + k), zero, _CMP_GT_OQ);
    _mm256_storeu_ps(dst + k, _mm256_and_ps(_mm256_loadu_ps(g + k), keep));
  }
  for (; k < K; k++) dst[k] = out[k] > 0 ? g[k] : 0.0f;
}

inline __attribute__((target("avx2,fma"))) void axpy_avx2(float* o, const float* x, float w, std::int64_t K) {
  const __m256 wv = _mm256_set1_ps(w);
  std::int64_t k = 0;
  for (; k + 8 <= K; k += 8)
    _mm256_storeu_ps(o + k, _mm256_fmadd_ps(wv, _mm256_loadu_ps(x + k), _mm256_loadu_ps(o + k)));
  for (; k < K; k++) o[k] = std::fma(w, x[k], o[k]);
}

inline __attribute__((target("avx2,fma"))) void spread_avx2(float* const* outs, const float* w, std::int64_t c,
                                                            const float* x, std::int64_t K) {
  std::int64_t k = 0;
  for (; k + 16 <= K; k += 16) {
    const __m256 x0 = _mm256_loadu_ps(x + k), x1 = _mm256_loadu_ps(x + k + 8);
    for (std::int64_t i = 0; i < c; i++) {
      const __m256 wv = _mm256_set1_ps(w[i]);
      float* o = outs[i] + k;
      _mm256_storeu_ps(o, _mm256_fmadd_ps(wv, x0, _mm256_loadu_ps(o)));
      _mm256_storeu_ps(o + 8, _mm256_fmadd_ps(wv, x1, _mm256_loadu_ps(o + 8)));
    }
  }
  for (; k + 8 <= K; k += 8) {
    const __m256 x0 = _mm256_loadu_ps(x + k);
    for (std::int64_t i = 0; i < c; i++)
      _mm256_storeu_ps(outs[i] + k, _mm256_fmadd_ps(_mm256_set1_ps(w[i]), x0, _mm256_loadu_ps(outs[i] + k)));
  }
  for (; k < K; k++)
    for (std::int64_t i = 0; i < c; i++) outs[i][k] = std::fma(w[i], x[k], outs[i][k]);
}

// spread_sum_generic for C outputs (C <= 6: 2 C accumulators and two rows' values in 16
// registers). The element arithmetic is spread_avx2's: an FMA per row, in row order, from +0.
// The pairs' gradient rows are scattered over an [N, K] array far larger than L2 (the pairs of one
// token are spread over the training set), one cache line a row per 16 columns: each line is asked
// for kPrefetch floats ahead, or the loop waits on one miss after another (-0.5 ms a mainline step
// on one thread; 64 and 128 measured the same).
constexpr std::int64_t kPrefetch = 64;
template <int C>
__attribute__((target("avx2,fma"))) void spread_sum_avx2(float* const* outs, const float* w, const float* const* xs,
                                                         std::int64_t n, std::int64_t K) {
  std::int64_t k = 0;
  for (; k + 16 <= K; k += 16) {
    __m256 a0[C], a1[C];
    for (int i = 0; i < C; i++) a0[i] = _mm256_setzero_ps(), a1[i] = _mm256_setzero_ps();
    for (std::int64_t q = 0; q < n; q++) {
      _mm_prefetch(reinterpret_cast<const char*>(xs[q] + k + kPrefetch), _MM_HINT_T0);
      const __m256 x0 = _mm256_loadu_ps(xs[q] + k), x1 = _mm256_loadu_ps(xs[q] + k + 8);
      for (int i = 0; i < C; i++) {
        const __m256 wv = _mm256_broadcast_ss(w + q * C + i);
        a0[i] = _mm256_fmadd_ps(wv, x0, a0[i]);
        a1[i] = _mm256_fmadd_ps(wv, x1, a1[i]);
      }
    }
    for (int i = 0; i < C; i++) _mm256_storeu_ps(outs[i] + k, a0[i]), _mm256_storeu_ps(outs[i] + k + 8, a1[i]);
  }
  for (; k + 8 <= K; k += 8) {
    __m256 a0[C];
    for (int i = 0; i < C; i++) a0[i] = _mm256_setzero_ps();
    for (std::int64_t q = 0; q < n; q++) {
      const __m256 x0 = _mm256_loadu_ps(xs[q] + k);
      for (int i = 0; i < C; i++) a0[i] = _mm256_fmadd_ps(_mm256_broadcast_ss(w + q * C + i), x0, a0[i]);
    }
    for (int i = 0; i < C; i++) _mm256_storeu_ps(outs[i] + k, a0[i]);
  }
  for (; k < K; k++)
    for (int i = 0; i < C; i++) {
      float acc = 0.0f;
      for (std::int64_t q = 0; q < n; q++) acc = std::fma(w[q * C + i], xs[q][k], acc);
      outs[i][k] = acc;
    }
}

inline __attribute__((target("avx2,fma"))) float dot_avx2(const float* a, const float* b, std::int64_t K) {
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

// dot_avx2(a, rows[t], K) for four rows at once: the same two accumulators per row and the same
// final sum (the same bits), with the four rows' dependency chains interleaved, where four calls
// in a row would wait on each chain's FMA latency in turn.
inline __attribute__((target("avx2,fma"))) void dot4_avx2(const float* a, const float* const* rows, std::int64_t K,
                                                          float* out) {
  __m256 s0[4], s1[4];
  for (int t = 0; t < 4; t++) s0[t] = _mm256_setzero_ps(), s1[t] = _mm256_setzero_ps();
  std::int64_t k = 0;
  for (; k + 16 <= K; k += 16) {
    const __m256 x0 = _mm256_loadu_ps(a + k), x1 = _mm256_loadu_ps(a + k + 8);
    for (int t = 0; t < 4; t++) {
      s0[t] = _mm256_fmadd_ps(x0, _mm256_loadu_ps(rows[t] + k), s0[t]);
      s1[t] = _mm256_fmadd_ps(x1, _mm256_loadu_ps(rows[t] + k + 8), s1[t]);
    }
  }
  for (int t = 0; t < 4; t++) {
    alignas(32) float lanes[8];
    _mm256_store_ps(lanes, _mm256_add_ps(s0[t], s1[t]));
    float s = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
    for (std::int64_t j = k; j < K; j++) s = std::fma(a[j], rows[t][j], s);
    out[t] = s;
  }
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
void spread(bool x86, T* const* outs, const T* w, std::int64_t c, const T* x, std::int64_t K) {
#if GROK_X86_KERNELS
  if constexpr (std::is_same_v<T, float>)
    if (x86) return spread_avx2(outs, w, c, x, K);
#endif
  (void)x86;
  spread_generic(outs, w, c, x, K);
}

template <typename T>
void spread_sum(bool x86, T* const* outs, const T* w, std::int64_t c, const T* const* xs, std::int64_t n,
                std::int64_t K) {
#if GROK_X86_KERNELS
  if constexpr (std::is_same_v<T, float>)
    if (x86) switch (c) {
        case 1: return spread_sum_avx2<1>(outs, w, xs, n, K);
        case 2: return spread_sum_avx2<2>(outs, w, xs, n, K);
        case 3: return spread_sum_avx2<3>(outs, w, xs, n, K);
        case 4: return spread_sum_avx2<4>(outs, w, xs, n, K);
        case 5: return spread_sum_avx2<5>(outs, w, xs, n, K);
        case 6: return spread_sum_avx2<6>(outs, w, xs, n, K);
        default: break;
      }
  if constexpr (std::is_same_v<T, float>)
    if (x86) {  // more outputs: spread_avx2's row at a time, the same bits
      for (std::int64_t i = 0; i < c; i++) std::fill(outs[i], outs[i] + K, 0.0f);
      for (std::int64_t q = 0; q < n; q++) spread_avx2(outs, w + q * c, c, xs[q], K);
      return;
    }
#endif
  (void)x86;
  spread_sum_generic(outs, w, c, xs, n, K);
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

// out[t] = dot(a, rows[t], K) for t < c: the same bits as c calls of dot, four chains at a time.
template <typename T>
void dots(bool x86, const T* a, const T* const* rows, std::int64_t c, std::int64_t K, T* out) {
  std::int64_t t = 0;
#if GROK_X86_KERNELS
  if constexpr (std::is_same_v<T, float>)
    if (x86)
      for (; t + 4 <= c; t += 4) dot4_avx2(a, rows + t, K, out + t);
#endif
  for (; t < c; t++) out[t] = dot<T>(x86, a, rows[t], K);
}

// The index of the row's first maximum over its n entries, as ATen's argmax defines it: a NaN is
// above everything, the first NaN wins.
template <typename T>
std::int64_t argmax_generic(const T* row, std::int64_t n) {
  std::int64_t best = 0;
  for (std::int64_t k = 1; k < n && !std::isnan(row[best]); k++)
    if (row[k] > row[best] || std::isnan(row[k])) best = k;
  return best;
}

#if GROK_X86_KERNELS
// The largest of row[0..n), n >= 8, 8 lanes at a time (the tail in one overlapping load: max is
// idempotent), and whether the row holds a NaN, where the value means nothing. Exact, but of -0 and
// +0 either may come back. For the accuracy's argmax and the loss's softmax, whose scalar loops
// were chains of dependent compares.
inline __attribute__((target("avx2,fma"))) float max_avx2(const float* row, std::int64_t n, bool* any_nan) {
  __m256 m = _mm256_loadu_ps(row);
  __m256 nan = _mm256_cmp_ps(m, m, _CMP_UNORD_Q);
  for (std::int64_t k = 8; k < n; k += 8) {
    const __m256 v = _mm256_loadu_ps(row + std::min(k, n - 8));
    m = _mm256_max_ps(m, v);
    nan = _mm256_or_ps(nan, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
  }
  *any_nan = _mm256_movemask_ps(nan) != 0;
  __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
  h = _mm_max_ps(h, _mm_movehl_ps(h, h));
  h = _mm_max_ss(h, _mm_shuffle_ps(h, h, 1));
  return _mm_cvtss_f32(h);
}

// The row's maximum, then the first index holding it (-0 and +0 compare equal, so the first of
// them wins, as in ATen's strict >). A row with a NaN takes the generic loop.
inline __attribute__((target("avx2,fma"))) std::int64_t argmax_avx2(const float* row, std::int64_t n) {
  if (n < 8) return argmax_generic(row, n);
  bool any_nan;
  const float mx = max_avx2(row, n, &any_nan);
  if (any_nan) return argmax_generic(row, n);
  std::int64_t k = 0;
  while (row[k] != mx) k++;
  return k;
}
#endif

template <typename T>
std::int64_t argmax(bool x86, const T* row, std::int64_t n) {
#if GROK_X86_KERNELS
  if constexpr (std::is_same_v<T, float>)
    if (x86) return argmax_avx2(row, n);
#endif
  (void)x86;
  return argmax_generic(row, n);
}

}  // namespace grok::row_kernels
