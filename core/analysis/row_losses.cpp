#include "core/analysis/internal/row_losses.h"

#include <ATen/Parallel.h>

#include "core/runtime/simd_kernels.h"
#if GROK_X86_KERNELS
#include <immintrin.h>
#endif

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

namespace grok {
namespace {

// One row: x = l - ur A - vr B (or l), its loss (m - x_y) + log1p(sum over non-maximal c of
// exp(x_c - m)) and whether the label is the first argmax (torch's argmax convention).
struct RowResult {
  double loss;
  bool correct;
};

#if GROK_X86_KERNELS
// exp on 8 floats (Cephes' expf polynomial, relative error ~2e-7), for arguments <= 0 as here:
// x - max is never positive; below -87 the result flushes towards 0, as it should.
__attribute__((target("avx2,fma"))) inline __m256 exp8(__m256 x) {
  const __m256 log2e = _mm256_set1_ps(1.44269504088896341f);
  const __m256 ln2_hi = _mm256_set1_ps(0.693359375f), ln2_lo = _mm256_set1_ps(-2.12194440e-4f);
  x = _mm256_max_ps(x, _mm256_set1_ps(-87.0f));
  const __m256 n = _mm256_floor_ps(_mm256_fmadd_ps(x, log2e, _mm256_set1_ps(0.5f)));
  x = _mm256_fnmadd_ps(n, ln2_hi, x);
  x = _mm256_fnmadd_ps(n, ln2_lo, x);
  __m256 y = _mm256_set1_ps(1.9875691500e-4f);
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.3981999507e-3f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(8.3334519073e-3f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(4.1665795894e-2f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.6666665459e-1f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(5.0000001201e-1f));
  y = _mm256_fmadd_ps(y, _mm256_mul_ps(x, x), _mm256_add_ps(x, _mm256_set1_ps(1.0f)));
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
}

__attribute__((target("avx2,fma"))) RowResult row_avx2(const float* l, int p, float ur, float vr, const float* A,
                                                       const float* B, std::int64_t y, float* x) {
  const __m256 u8 = _mm256_set1_ps(ur), v8 = _mm256_set1_ps(vr);
  __m256 mx = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
  int c = 0;
  for (; c + 8 <= p; c += 8) {
    __m256 xv = _mm256_loadu_ps(l + c);
    if (A) xv = _mm256_fnmadd_ps(v8, _mm256_loadu_ps(B + c), _mm256_fnmadd_ps(u8, _mm256_loadu_ps(A + c), xv));
    _mm256_storeu_ps(x + c, xv);
    mx = _mm256_max_ps(mx, xv);
  }
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, mx);
  float m = lanes[0];
  for (int i = 1; i < 8; i++) m = std::max(m, lanes[i]);
  for (; c < p; c++) {
    x[c] = A ? l[c] - ur * A[c] - vr * B[c] : l[c];
    m = std::max(m, x[c]);
  }
  // Sum over the non-maximal entries; tied maxima beyond the first add exactly 1 each.
  const __m256 m8 = _mm256_set1_ps(m);
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  int ties = 0, first = -1;
  for (c = 0; c + 8 <= p; c += 8) {
    const __m256 xv = _mm256_loadu_ps(x + c);
    const __m256 is_max = _mm256_cmp_ps(xv, m8, _CMP_EQ_OQ);
    if (const int bits = _mm256_movemask_ps(is_max)) {
      if (first < 0) first = c + __builtin_ctz(bits);
      ties += __builtin_popcount(bits);
    }
    const __m256 e = _mm256_andnot_ps(is_max, exp8(_mm256_sub_ps(xv, m8)));
    if ((c / 8) % 2)
      acc1 = _mm256_add_ps(acc1, e);
    else
      acc0 = _mm256_add_ps(acc0, e);
  }
  _mm256_store_ps(lanes, _mm256_add_ps(acc0, acc1));
  double rest = 0;
  for (float s : lanes) rest += s;
  for (; c < p; c++) {
    if (x[c] == m) {
      if (first < 0) first = c;
      ties++;
    } else {
      rest += std::exp(static_cast<double>(x[c]) - m);
    }
  }
  rest += ties > 0 ? ties - 1 : 0;
  return {static_cast<double>(m) - x[y] + std::log1p(rest), first == y};
}
#endif  // GROK_X86_KERNELS

// The portable version of row_avx2 (and its reference): exp in float64, so it differs from the x86
// kernel by that kernel's float exp (~2e-7 relative per term) and summation order, ~1e-6 relative.
RowResult row_scalar(const float* l, int p, float ur, float vr, const float* A, const float* B, std::int64_t y,
                     float* x) {
  int arg = 0;
  for (int c = 0; c < p; c++) {
    x[c] = A ? l[c] - ur * A[c] - vr * B[c] : l[c];
    if (x[c] > x[arg]) arg = c;
  }
  const float m = x[arg];
  double rest = 0;
  for (int c = 0; c < p; c++)
    if (c != arg) rest += std::exp(static_cast<double>(x[c]) - m);
  return {static_cast<double>(m) - x[y] + std::log1p(rest), arg == y};
}

#if GROK_X86_KERNELS
// K chunks of 8 columns from c: x = b + sum_t w[t] A[t], each element's FMAs in t order. One
// coefficient broadcast serves K chunks, and the K chains are independent: a chunk at a time
// loaded the coefficient again for every FMA, one chain of R FMAs after another.
template <int K>
__attribute__((target("avx2,fma"))) void lowrank_chunks_avx2(const float* b, const float* w, int R, const float* A,
                                                             int p, int c, float* x) {
  __m256 acc[K];
  for (int j = 0; j < K; j++) acc[j] = _mm256_loadu_ps(b + c + 8 * j);
  for (int t = 0; t < R; t++) {
    const __m256 wt = _mm256_broadcast_ss(w + t);
    const float* a = A + static_cast<std::int64_t>(t) * p + c;
    for (int j = 0; j < K; j++) acc[j] = _mm256_fmadd_ps(wt, _mm256_loadu_ps(a + 8 * j), acc[j]);
  }
  for (int j = 0; j < K; j++) _mm256_storeu_ps(x + c + 8 * j, acc[j]);
}

// x[0..p) = b[0..p) + sum_t w[t] A[t, 0..p): one row of base + W A.
__attribute__((target("avx2,fma"))) void lowrank_row_avx2(const float* b, const float* w, int R, const float* A, int p,
                                                          float* x) {
  int c = 0;
  for (; c + 64 <= p; c += 64) lowrank_chunks_avx2<8>(b, w, R, A, p, c, x);
  switch ((p - c) / 8) {
    case 7: lowrank_chunks_avx2<7>(b, w, R, A, p, c, x); break;
    case 6: lowrank_chunks_avx2<6>(b, w, R, A, p, c, x); break;
    case 5: lowrank_chunks_avx2<5>(b, w, R, A, p, c, x); break;
    case 4: lowrank_chunks_avx2<4>(b, w, R, A, p, c, x); break;
    case 3: lowrank_chunks_avx2<3>(b, w, R, A, p, c, x); break;
    case 2: lowrank_chunks_avx2<2>(b, w, R, A, p, c, x); break;
    case 1: lowrank_chunks_avx2<1>(b, w, R, A, p, c, x); break;
    default: break;
  }
  c += (p - c) / 8 * 8;
  // The tail by explicit FMAs, one per term in t order like the lanes above: written as acc +=
  // w * A, GCC vectorised it four terms at a time as products then additions (rounded twice) and
  // the rest as FMAs, so an element's bits depended on how many terms one call took.
  for (; c < p; c++) {
    float acc = b[c];
    for (int t = 0; t < R; t++) acc = std::fma(w[t], A[t * p + c], acc);
    x[c] = acc;
  }
}

#endif  // GROK_X86_KERNELS

// The portable version of lowrank_row_avx2: the same order of terms, without FMA.
void lowrank_row_scalar(const float* b, const float* w, int R, const float* A, int p, float* x) {
  for (int c = 0; c < p; c++) {
    float acc = b[c];
    for (int t = 0; t < R; t++) acc += w[t] * A[t * p + c];
    x[c] = acc;
  }
}

// The kernels a call uses, chosen once per call (simd_kernels.h).
struct Kernels {
  bool x86 = use_avx2_kernels();
  RowResult row(const float* l, int p, float ur, float vr, const float* A, const float* B, std::int64_t y,
                float* x) const {
#if GROK_X86_KERNELS
    if (x86) return row_avx2(l, p, ur, vr, A, B, y, x);
#endif
    return row_scalar(l, p, ur, vr, A, B, y, x);
  }
  void lowrank_row(const float* b, const float* w, int R, const float* A, int p, float* x) const {
#if GROK_X86_KERNELS
    if (x86) return lowrank_row_avx2(b, w, R, A, p, x);
#endif
    lowrank_row_scalar(b, w, R, A, p, x);
  }
};

// Rows are summed in fixed blocks whose partial sums are added in block order, so results do not
// depend on how at::parallel_for splits the work among threads.
constexpr std::int64_t kBlock = 64;

// The summed losses and correct counts of `terms` sums over n rows: row(i, scratch, add) calls
// add(t, RowResult) for row i's term t, with `scratch` floats of per-thread scratch; each term's
// partial sums are kept per block ([block, term]) and added in block order.
template <class RowFn>
std::vector<LossSum> blocked_sums(std::int64_t n, std::size_t terms, std::size_t scratch, const RowFn& row) {
  std::vector<LossSum> out(terms);
  for (LossSum& o : out) o.n = n;
  if (n == 0 || terms == 0) return out;
  const std::int64_t blocks = (n + kBlock - 1) / kBlock;
  std::vector<LossSum> part(static_cast<std::size_t>(blocks) * terms);  // [block, term]
  at::parallel_for(0, blocks, 1, [&](std::int64_t b0, std::int64_t b1) {
    std::vector<float> buf(scratch);
    for (std::int64_t blk = b0; blk < b1; blk++)
      for (std::int64_t i = blk * kBlock; i < std::min(n, (blk + 1) * kBlock); i++)
        row(i, buf.data(), [&](std::size_t t, const RowResult& rr) {
          part[blk * terms + t].loss += rr.loss;
          part[blk * terms + t].correct += rr.correct;
        });
  });
  for (std::int64_t blk = 0; blk < blocks; blk++)
    for (std::size_t t = 0; t < terms; t++)
      out[t].loss += part[blk * terms + t].loss, out[t].correct += part[blk * terms + t].correct;
  return out;
}

// One sum: row(i, scratch) gives row i's RowResult.
template <class RowFn>
LossSum blocked_sum(std::int64_t n, std::size_t scratch, const RowFn& row) {
  return blocked_sums(n, 1, scratch, [&](std::int64_t i, float* buf, const auto& add) { add(0, row(i, buf)); })[0];
}

}  // namespace

LossSum row_cross_entropy(const float* L, int p, const std::int64_t* rows, std::int64_t n, const std::int64_t* labels,
                          const float* u, const float* v, const float* A, const float* B) {
  const Kernels k;
  return blocked_sum(n, static_cast<std::size_t>(p), [&](std::int64_t i, float* x) {
    const std::int64_t r = rows[i];
    const float ur = u ? u[r] : 0.f, vr = u ? v[r] : 0.f;
    return k.row(L + r * p, p, ur, vr, u ? A : nullptr, B, labels[r], x);
  });
}

LossSum lowrank_cross_entropy(const float* base, std::int64_t base_stride, int p, const std::int64_t* rows,
                              std::int64_t n, const std::int64_t* labels, const float* W, int R, const float* A,
                              float sign) {
  const Kernels k;
  // Scratch: the row x [p], the kernel's own [p], the row's signed coefficients [R].
  return blocked_sum(n, static_cast<std::size_t>(2 * p + R), [&](std::int64_t i, float* buf) {
    const std::int64_t r = rows[i];
    float *x = buf, *scratch = buf + p, *w = buf + 2 * p;
    for (int t = 0; t < R; t++) w[t] = sign * W[r * R + t];
    k.lowrank_row(base + r * base_stride, w, R, A, p, x);
    return k.row(x, p, 0.f, 0.f, nullptr, nullptr, labels[r], scratch);
  });
}

std::vector<LossSum> prefix_lowrank_cross_entropies(const float* base, std::int64_t base_stride, int p,
                                                    const std::int64_t* rows, std::int64_t n,
                                                    const std::int64_t* labels, const float* W, int R, const float* A,
                                                    const std::vector<int>& ends, float sign) {
  const Kernels k;
  // Scratch: the row x [p], the kernel's own [p], the row's signed coefficients [R].
  return blocked_sums(n, ends.size(), static_cast<std::size_t>(2 * p + R), [&](std::int64_t i, float* buf, auto add) {
    const std::int64_t r = rows[i];
    float *x = buf, *scratch = buf + p, *w = buf + 2 * p;
    for (int t = 0; t < R; t++) w[t] = sign * W[r * R + t];
    // Each element's multiply-adds run in t order, stored between ends: the same float sequence
    // as one lowrank_row over the first e terms.
    int done = 0;
    for (std::size_t e = 0; e < ends.size(); e++) {
      k.lowrank_row(e == 0 ? base + r * base_stride : x, w + done, ends[e] - done,
                    A + static_cast<std::int64_t>(done) * p, p, x);
      done = ends[e];
      add(e, k.row(x, p, 0.f, 0.f, nullptr, nullptr, labels[r], scratch));
    }
  });
}

std::vector<LossSum> rank2_cross_entropies(const float* L, int p, const std::int64_t* rows, std::int64_t n,
                                           const std::int64_t* labels, int terms, const float* u, const float* v,
                                           const float* A, const float* B, std::int64_t uv_stride) {
  const Kernels k;
  // Rows outside, terms inside: a row of L stays in L1 while every term's A, B (a few KB each)
  // stay in L2; the other order streamed L from L3 once per term and ran 2x slower.
  return blocked_sums(n, static_cast<std::size_t>(std::max(terms, 0)), static_cast<std::size_t>(p),
                      [&](std::int64_t i, float* x, auto add) {
                        const std::int64_t r = rows[i];
                        for (int t = 0; t < terms; t++) {
                          const float ur = u[t * uv_stride + r], vr = v[t * uv_stride + r];
                          const float *a = A + static_cast<std::size_t>(t) * p,
                                      *b = B + static_cast<std::size_t>(t) * p;
                          add(static_cast<std::size_t>(t), k.row(L + r * p, p, ur, vr, a, b, labels[r], x));
                        }
                      });
}

namespace {

#if GROK_X86_KERNELS
// W outputs r0.. of NR rows at once: out[i][r] = sum_m x_i[m] Qt[r, m], 8 lanes per output, the
// lanes added in a fixed order at the end. One output's lanes are a chain of M/8 dependent FMAs:
// a row's last outputs alone (R = 10 leaves 2, 17 leaves 1) waited on that chain, so such outputs
// take NR rows together, NR * W independent chains. Every output's terms are summed in the same
// order whatever NR and W.
template <int NR, int W>
__attribute__((target("avx2,fma"))) void thin_rows_avx2(const float* x, std::int64_t x_stride, int M, const float* Qt,
                                                        int r0, int R, float* out) {
  __m256 acc[NR][W];
  for (int i = 0; i < NR; i++)
    for (int j = 0; j < W; j++) acc[i][j] = _mm256_setzero_ps();
  const float* q = Qt + static_cast<std::int64_t>(r0) * M;
  int m = 0;
  for (; m + 8 <= M; m += 8) {
    __m256 qv[W];
    for (int j = 0; j < W; j++) qv[j] = _mm256_loadu_ps(q + static_cast<std::int64_t>(j) * M + m);
    for (int i = 0; i < NR; i++) {
      const __m256 v = _mm256_loadu_ps(x + i * x_stride + m);
      for (int j = 0; j < W; j++) acc[i][j] = _mm256_fmadd_ps(v, qv[j], acc[i][j]);
    }
  }
  for (int i = 0; i < NR; i++)
    for (int j = 0; j < W; j++) {
      alignas(32) float lane[8];
      _mm256_store_ps(lane, acc[i][j]);
      float sum = ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
      const float* qr = q + static_cast<std::int64_t>(j) * M;
      const float* xi = x + i * x_stride;
      for (int t = m; t < M; t++) sum += xi[t] * qr[t];
      out[i * R + r0 + j] = sum;
    }
}

// Rows x[0..n) (n at most kThinRows): each group of up to 8 outputs for all of them, while the
// group's rows of Qt are in L1; groups of fewer than 5 outputs several rows at a time.
constexpr int kThinRows = 8;
__attribute__((target("avx2,fma"))) void thin_block_avx2(const float* x, int n, int M, const float* Qt, int R,
                                                         float* out) {
  for (int r0 = 0; r0 < R; r0 += 8) {
    const int w = std::min(8, R - r0);
    int i = 0;
    auto rows = [&](auto nr, auto width) {
      constexpr int NR = decltype(nr)::value, Wd = decltype(width)::value;
      for (; i + NR <= n; i += NR)
        thin_rows_avx2<NR, Wd>(x + static_cast<std::int64_t>(i) * M, M, M, Qt, r0, R, out + i * R);
      for (; i < n; i++) thin_rows_avx2<1, Wd>(x + static_cast<std::int64_t>(i) * M, M, M, Qt, r0, R, out + i * R);
    };
    using std::integral_constant;
    switch (w) {
      case 1: rows(integral_constant<int, 8>{}, integral_constant<int, 1>{}); break;
      case 2: rows(integral_constant<int, 4>{}, integral_constant<int, 2>{}); break;
      case 3: rows(integral_constant<int, 2>{}, integral_constant<int, 3>{}); break;
      case 4: rows(integral_constant<int, 2>{}, integral_constant<int, 4>{}); break;
      case 5: rows(integral_constant<int, 1>{}, integral_constant<int, 5>{}); break;
      case 6: rows(integral_constant<int, 1>{}, integral_constant<int, 6>{}); break;
      case 7: rows(integral_constant<int, 1>{}, integral_constant<int, 7>{}); break;
      default: rows(integral_constant<int, 1>{}, integral_constant<int, 8>{}); break;
    }
  }
}
#endif  // GROK_X86_KERNELS

// The portable version: each output summed in m order.
void thin_row_scalar(const float* x, int M, const float* Qt, int R, float* out) {
  for (int r = 0; r < R; r++) {
    const float* q = Qt + static_cast<std::int64_t>(r) * M;
    float sum = 0;
    for (int m = 0; m < M; m++) sum += x[m] * q[m];
    out[r] = sum;
  }
}

}  // namespace

void thin_product(const float* X, std::int64_t n, int M, const float* Q, int R, float* out) {
  std::vector<float> Qt(static_cast<std::size_t>(M) * R);  // [R, M]: each output's weights in a row
  for (int m = 0; m < M; m++)
    for (int r = 0; r < R; r++) Qt[static_cast<std::size_t>(r) * M + m] = Q[static_cast<std::size_t>(m) * R + r];
  [[maybe_unused]] const bool x86 = use_avx2_kernels();
  at::parallel_for(0, n, 64, [&](std::int64_t i0, std::int64_t i1) {
#if GROK_X86_KERNELS
    if (x86) {
      for (std::int64_t i = i0; i < i1; i += kThinRows)
        thin_block_avx2(X + i * M, static_cast<int>(std::min<std::int64_t>(kThinRows, i1 - i)), M, Qt.data(), R,
                        out + i * R);
      return;
    }
#endif
    for (std::int64_t i = i0; i < i1; i++) thin_row_scalar(X + i * M, M, Qt.data(), R, out + i * R);
  });
}

void add_row_sums_f64(const float* x, std::int64_t R, std::int64_t C, double* o) {
  at::parallel_for(0, C, 2048, [&](std::int64_t c0, std::int64_t c1) {
    for (std::int64_t r = 0; r < R; r++) {
      const float* row = x + r * C;
      for (std::int64_t c = c0; c < c1; c++) o[c] += row[c];
    }
  });
}

}  // namespace grok
