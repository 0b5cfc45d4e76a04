// Cross-entropy and accuracy of many logit rows at float32 speed, for the analysis: the progress
// measures evaluate ~30 M logits per checkpoint (every pair, and the train split once per frequency
// for the max-over-frequencies excluded loss), which ATen's float64 log-softmax makes the slowest
// part of a snapshot.
//
// Precision: a row's loss is computed as (m - x_y) + log1p(sum_{c != argmax} exp(x_c - m)), m the
// row max, so a confident row's tiny loss keeps its relative precision (~1e-6) instead of
// vanishing into 1 + eps; sums are accumulated in float64.
//
// The analysis processes the pairs in blocks (pair_blocks.h), so the kernels return sums, which
// the caller adds over blocks in block order and divides once at the end:
//
//   LossSum s;
//   for (block ...) s += row_cross_entropy(block.logits, p, rows, n, labels);
//   LossAcc mean = s.mean();
//
// Kernels: AVX2+FMA on x86-64 CPUs that have them, else (or with GROK_PORTABLE_KERNELS=1) portable
// C++ that computes exp in float64; the two agree to ~1e-6 relative (core/runtime/simd_kernels.h).
#pragma once

#include <cstdint>
#include <vector>

namespace grok {

struct LossAcc {
  double loss = 0, acc = 0;  // mean cross-entropy (nats) and fraction whose argmax is the label
};

struct LossSum {
  double loss = 0, correct = 0;  // summed cross-entropy and count of rows whose argmax is the label
  std::int64_t n = 0;            // rows summed
  LossSum& operator+=(const LossSum& o) {
    loss += o.loss, correct += o.correct, n += o.n;
    return *this;
  }
  LossAcc mean() const { return n ? LossAcc{loss / n, correct / n} : LossAcc{}; }
};

// Rows `rows[0..n)` of logits L [*, p] (row stride p), each minus the rank-2 term
// u[row] * A + v[row] * B when u is given (A, B [p]; u, v indexed by row like L), against
// labels[row]. Uses the intra-op threads; the result does not depend on their number.
LossSum row_cross_entropy(const float* L, int p, const std::int64_t* rows, std::int64_t n, const std::int64_t* labels,
                          const float* u = nullptr, const float* v = nullptr, const float* A = nullptr,
                          const float* B = nullptr);

// Loss and accuracy of rows `rows` of X = base + sign * W A without forming X: base [*, p] with row
// stride base_stride (0: the same row for every pair), W [*, R] row-major (row r's R coefficients,
// indexed by row like base), A [R, p]. Threads as above.
LossSum lowrank_cross_entropy(const float* base, std::int64_t base_stride, int p, const std::int64_t* rows,
                              std::int64_t n, const std::int64_t* labels, const float* W, int R, const float* A,
                              float sign);

// The losses of X_e = base + sign * W[:, :e] A[:e] for every end e of `ends` (ascending, each at
// most R) at once, arguments as lowrank_cross_entropy's: bit for bit that function with R = e for
// each e, the terms added to the same row one end after another (R multiply-add rows a pair for
// all ends, not the sum of the ends). The key set's detection scores every prefix of its
// candidates this way. Threads as above.
std::vector<LossSum> prefix_lowrank_cross_entropies(const float* base, std::int64_t base_stride, int p,
                                                    const std::int64_t* rows, std::int64_t n,
                                                    const std::int64_t* labels, const float* W, int R, const float* A,
                                                    const std::vector<int>& ends, float sign);

// Loss and accuracy of rows `rows` for each of `terms` rank-2 changes at once: term t uses
// u[t * uv_stride + row], v[...], A[t * p ..], B[t * p ..]. Threads as above.
std::vector<LossSum> rank2_cross_entropies(const float* L, int p, const std::int64_t* rows, std::int64_t n,
                                           const std::int64_t* labels, int terms, const float* u, const float* v,
                                           const float* A, const float* B, std::int64_t uv_stride);

// out [n, R] = X [n, M] Q [M, R] for a thin Q (R small: two columns a key frequency), rows over the
// intra-op threads, each output summed in the same order whatever their number. BLAS packs all of X
// for so few columns (5-7 ms of a mainline check table for [p^2, 512] x [512, 10]); this reads each
// row of X once, from L1 for all R sums. AVX2 and portable kernels agree to float rounding.
void thin_product(const float* X, std::int64_t n, int M, const float* Q, int R, float* out);

// out[c] += sum over the rows r of a contiguous float X [R, C], in float64, each column in row
// order (the same for any thread count), threads over columns. ATen's X.sum(0, kDouble) ran at a
// fraction of memory speed (~18 ms over a mainline snapshot's [p, p * d_mlp] activations).
void add_row_sums_f64(const float* x, std::int64_t R, std::int64_t C, double* out);

}  // namespace grok
