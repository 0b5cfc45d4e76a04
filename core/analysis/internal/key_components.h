// The one computation of the key components of the logits (paper Section 5.1): for component k of
// the group's Fourier basis (a frequency of a cyclic group, an irrep of any other; fourier_basis.h),
// the coefficients of the logits L [n*n, p] (the group's pairs, pair_blocks.h; p outputs) along the
// unit pair directions that carry k's functions of i o j: for a basis row f of k, u_f(i, j) =
// f(i o j) / sqrt(n) (for a cyclic group the cos/sin pair of pair_directions.h, the same span);
// C = U^T L [rows, p], and k's component of the logits is U_k C_k. The progress measures
// (restricted / excluded logits, the per-component excluded losses) and the check table (each key
// ablated, all keys ablated or kept) all build on these.
//
// Accumulated block by block over the pairs (pair_blocks.h), in float64: the check table's logit
// fit is compared with a float64 brute force to 1e-9.
//
//   KeyComponents kc(F, {3, 7});
//   for (each block b) kc.accumulate(b, kc.directions(b.rows), b.data.logits);
//   at::Tensor C = kc.coefficients();   // [4, p]: cos 3, cos 7, sin 3, sin 7 (a cyclic group)
//
// Row layout: a cyclic group's rows are u_cos of each kept frequency, then u_sin of each (a zero
// row for the sign character); any other group's are each kept irrep's rows in turn. rows_of(i)
// says which are the i-th kept component's.
//
// Core-internal: includes ATen. Threading: one thread per object.
#pragma once

#include <ATen/ATen.h>

#include <vector>

#include "core/analysis/fourier_basis.h"
#include "core/analysis/internal/pair_blocks.h"
#include "core/analysis/internal/pair_directions.h"
#include "core/analysis/internal/row_losses.h"

namespace grok {

class KeyComponents {
 public:
  // `freqs`: each in 1..F.n_freqs() (others are dropped; freqs() says which were kept).
  KeyComponents(const FourierBasis& F, const std::vector<int>& freqs);

  const std::vector<int>& freqs() const { return freqs_; }
  int count() const { return static_cast<int>(freqs_.size()); }
  int row_count() const { return rows_total_; }
  // The rows of the i-th kept component (i in 0..count()-1), and of several, in order.
  std::vector<std::int64_t> rows_of(int i) const;
  std::vector<std::int64_t> rows_of(const std::vector<int>& which) const;
  // The directions on a block's pairs, float64 [row_count(), pairs].
  at::Tensor directions(const PairBlock& b) const;
  // Adds U^T X of a block: U = directions(b.rows), X float [pairs, p] (p outputs).
  void accumulate(const ForwardBlock& b, const at::Tensor& U, const float* X);
  // [row_count(), p] float64 over the blocks accumulated so far; [row_count()] the directions' sums.
  const at::Tensor& coefficients() const { return C_; }
  const at::Tensor& direction_sums() const { return U_sum_; }
  // The loss on `rows` of the logits L [pairs, p] less each kept component alone, one LossSum per
  // component: U float [row_count(), pairs], C float [row_count(), p]. A cyclic group's rank-2
  // kernel, else a low-rank one per irrep.
  std::vector<LossSum> each_excluded(const float* L, const std::int64_t* rows, std::int64_t n,
                                     const std::int64_t* labels, const at::Tensor& U, const at::Tensor& C) const;

 private:
  int n_, p_;  // group order, outputs
  bool cyclic_;
  std::vector<int> freqs_;
  int rows_total_ = 0;
  std::vector<std::vector<std::int64_t>> rows_;  // per kept component
  CosSinRows cs_;                                // cyclic: the frequencies' basis rows, float64
  at::Tensor span_, table_;                      // other groups: kept rows of the basis [R, n]; i o j [n*n]
  at::Tensor C_, U_sum_;                         // [R, p], [R]
};

// The character coefficients of the logits (Fig. 14, generalised): for every component k,
// <L, T_k> / |T_k| with T_k(i, j, c) = chi_k(i o j o c^-1) over the group's pairs and outputs
// (chi_k the real character of irrep k; for a cyclic group 2 cos(w_k(i + j - c)), or the sign),
// which is <Lc, T_k> / |T_k| for any centring of L per pair. Accumulated block by block.
class CharacterSums {
 public:
  explicit CharacterSums(const FourierBasis& F);
  // A block's logits [pairs, p], its outputs read in element order (c_token).
  void accumulate(const ForwardBlock& b, const float* L);
  at::Tensor coefficients() const;        // [K] float64
  double centred_sq_norm() const;         // sum over pairs and group outputs of (L - its pair's mean)^2
  double global_centred_sq_norm() const;  // ... of (L - the mean over every pair and output)^2

 private:
  const FourierBasis& F_;
  int n_, p_;
  at::Tensor Z_;                 // [n]: sum of L(i, j, c) over i o j o c^-1 = h
  at::Tensor product_, divide_;  // [n*n]: i o j; [n, n]: g o c^-1
  at::Tensor cols_;              // [n]: the outputs' tokens in element order
  double sq_ = 0, row_sq_ = 0, sum_ = 0;
  std::int64_t count_ = 0;
};

}  // namespace grok
