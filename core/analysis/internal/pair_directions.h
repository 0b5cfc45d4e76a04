// The unit directions over the group's input pairs (i, j) ([n*n], index i*n + j, pair_blocks.h)
// that carry frequency k of a function of i + j: u_cos ~ cos(w_k(i+j)) and u_sin ~ sin(w_k(i+j)),
// built from the Fourier basis rows C_k, S_k as (C C^T - S S^T) / sqrt 2 and (S C^T + C S^T) / sqrt 2.
// For the sign character of even n (k = n/2, no sine) u_cos = C C^T and u_sin = 0. The one
// definition: the key components (key_components.h), and through them the restricted and excluded
// losses and the check table, project on them. Core-internal: includes ATen.
//
//   PairDirections d = pair_directions(B, {3, 7}, i0, i1);   // d.u_cos [2, (i1 - i0) * n]
#pragma once

#include <ATen/ATen.h>

#include <cmath>
#include <vector>

namespace grok {

struct PairDirections {
  at::Tensor u_cos, u_sin;  // [n, (a1 - a0) * p] each, in B's dtype: row i for freqs[i]
};

// B: the [n, n] Fourier basis (FourierBasis::matrix()) in the precision wanted; each k in
// 1..n/2. Only the pairs with i in [i0, i1) (all j): a block of rows (pair_blocks.h).
inline PairDirections pair_directions(const at::Tensor& B, const std::vector<int>& freqs, int i0, int i1) {
  const std::int64_t N = B.size(0), n = static_cast<std::int64_t>(freqs.size()), rows = i1 - i0;
  // Rows of B for cos k and sin k; the sign character's missing sine reads a zero row, and its
  // u_cos = C C^T needs no 1 / sqrt 2.
  const at::Tensor Bz = at::cat({B, at::zeros({1, N}, B.options())});
  std::vector<std::int64_t> cos_rows, sin_rows;
  std::vector<double> scale;
  for (int k : freqs) {
    const bool sign_char = 2 * k == N;
    cos_rows.push_back(2 * k - 1), sin_rows.push_back(sign_char ? N : 2 * k);
    scale.push_back(sign_char ? 1.0 : 1.0 / std::sqrt(2.0));
  }
  const at::Tensor C = Bz.index_select(0, at::tensor(cos_rows, at::kLong));  // [n, N]
  const at::Tensor S = Bz.index_select(0, at::tensor(sin_rows, at::kLong));
  const at::Tensor r = at::tensor(scale, at::kDouble).to(B.scalar_type()).view({n, 1, 1});
  const at::Tensor Ca = C.narrow(1, i0, rows).unsqueeze(2), Sa = S.narrow(1, i0, rows).unsqueeze(2);  // [n, rows, 1]
  const at::Tensor Cb = C.unsqueeze(1), Sb = S.unsqueeze(1);                                          // [n, 1, N]
  return {((Ca * Cb - Sa * Sb) * r).reshape({n, rows * N}), ((Sa * Cb + Ca * Sb) * r).reshape({n, rows * N})};
}

}  // namespace grok
