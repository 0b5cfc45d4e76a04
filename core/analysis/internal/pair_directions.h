// The unit directions over input pairs (a, b) ([p*p], index a*p + b) that carry frequency k of a
// function of a + b: u_cos ~ cos(w_k(a+b)) and u_sin ~ sin(w_k(a+b)), built from the Fourier basis
// rows C_k, S_k as (C C^T - S S^T) / sqrt 2 and (S C^T + C S^T) / sqrt 2. The one definition: the
// key components (key_components.h), and through them the restricted and excluded losses and the
// check table, project on them. Core-internal: includes ATen.
//
//   PairDirections d = pair_directions(B, {3, 7}, a0, a1);   // d.u_cos [2, (a1 - a0) * p]
#pragma once

#include <ATen/ATen.h>

#include <cmath>
#include <vector>

namespace grok {

struct PairDirections {
  at::Tensor u_cos, u_sin;  // [n, (a1 - a0) * p] each, in B's dtype: row i for freqs[i]
};

// B: the [p, p] Fourier basis (FourierBasis::matrix()) in the precision wanted; each k in
// 1..(p-1)/2. Only the pairs with a in [a0, a1) (all b): a block of rows (pair_blocks.h).
inline PairDirections pair_directions(const at::Tensor& B, const std::vector<int>& freqs, int a0, int a1) {
  const std::int64_t p = B.size(0), n = static_cast<std::int64_t>(freqs.size()), rows = a1 - a0;
  std::vector<std::int64_t> cos_rows, sin_rows;
  for (int k : freqs) cos_rows.push_back(2 * k - 1), sin_rows.push_back(2 * k);
  const at::Tensor C = B.index_select(0, at::tensor(cos_rows, at::kLong));  // [n, p]
  const at::Tensor S = B.index_select(0, at::tensor(sin_rows, at::kLong));
  const at::Tensor Ca = C.narrow(1, a0, rows).unsqueeze(2), Sa = S.narrow(1, a0, rows).unsqueeze(2);  // [n, rows, 1]
  const at::Tensor Cb = C.unsqueeze(1), Sb = S.unsqueeze(1);                                          // [n, 1, p]
  const double r2 = std::sqrt(2.0);
  return {((Ca * Cb - Sa * Sb) / r2).reshape({n, rows * p}), ((Sa * Cb + Ca * Sb) / r2).reshape({n, rows * p})};
}

}  // namespace grok
