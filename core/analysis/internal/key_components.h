// The one computation of the key components of the logits (paper Section 5.1): for frequency k,
// the coefficients of the logits L [n*n, p] (the group's pairs, pair_blocks.h; p outputs) along the
// pair directions u_cos_k, u_sin_k (pair_directions.h), C_k = [u_cos_k | u_sin_k]^T L [2, p]; frequency k's component
// of the logits is u_cos_k C_cos_k + u_sin_k C_sin_k. The progress measures (restricted / excluded logits, the
// per-frequency excluded losses, the cos(w_k(a+b-c)) coefficients) and the check table (each key
// ablated, all keys ablated or kept, the logit fit) all build on these.
//
// Accumulated block by block over the pairs (pair_blocks.h), in float64: the check table's logit
// fit is compared with a float64 brute force to 1e-9.
//
//   KeyComponents kc(F, {3, 7});
//   for (each block b) kc.accumulate(b, kc.directions(b.rows), b.data.logits);
//   at::Tensor C = kc.coefficients();   // [4, p]: cos 3, cos 7, sin 3, sin 7
//
// Core-internal: includes ATen. Threading: one thread per object.
#pragma once

#include <ATen/ATen.h>

#include <vector>

#include "core/analysis/fourier_basis.h"
#include "core/analysis/internal/pair_blocks.h"
#include "core/analysis/internal/pair_directions.h"

namespace grok {

class KeyComponents {
 public:
  // `freqs`: each in 1..F.n_freqs() (others are dropped; freqs() says which were kept).
  KeyComponents(const FourierBasis& F, const std::vector<int>& freqs);

  const std::vector<int>& freqs() const { return freqs_; }
  int count() const { return static_cast<int>(freqs_.size()); }
  // The directions on a block's pairs, float64 [2c, pairs] (c = count()): rows u_cos of each k, then u_sin.
  at::Tensor directions(const PairBlock& b) const;
  // Adds U^T X of a block: U = directions(b.rows) [2c, pairs], X float [pairs, p] (p outputs).
  void accumulate(const ForwardBlock& b, const at::Tensor& U, const float* X);
  // [2c, p] float64 over the blocks accumulated so far; [2c] the directions' sums over those pairs.
  const at::Tensor& coefficients() const { return C_; }
  const at::Tensor& direction_sums() const { return U_sum_; }

 private:
  int n_, p_;  // group order, outputs
  std::vector<int> freqs_;
  CosSinRows rows_;       // the frequencies' basis rows, float64
  at::Tensor C_, U_sum_;  // [2c, p], [2c]
};

// <Lc, f_k / |f_k|> for every k = 1..K from the key components of every frequency C [2K, p]
// (KeyComponents over 1..K, maybe centred), read at the group's outputs: [K] float64.
at::Tensor cos_abc_coefficients(const FourierBasis& F, const at::Tensor& C);

}  // namespace grok
