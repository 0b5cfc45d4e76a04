// The unit directions over the group's input pairs (i, j) ([n*n], index i*n + j, pair_blocks.h)
// that carry frequency k of a function of i + j: u_cos ~ cos(w_k(i+j)) and u_sin ~ sin(w_k(i+j)),
// built from the Fourier basis rows C_k, S_k as (C C^T - S S^T) / sqrt 2 and (S C^T + C S^T) / sqrt 2.
// For the sign character of even n (k = n/2, no sine) u_cos = C C^T and u_sin = 0. The one
// definition: the key components (key_components.h), and through them the restricted and excluded
// losses and the check table, project on them. Core-internal: includes ATen.
//
//   PairDirections d = pair_directions(cos_sin_rows(F).select({3, 7}), i0, i1);   // d.u_cos [2, (i1 - i0) * n]
#pragma once

#include <ATen/ATen.h>

#include <cmath>
#include <vector>

#include "core/analysis/fourier_basis.h"

namespace grok {

// Rows of the basis B [n, n] for cos k and sin k of every frequency k = 1..K, with a zero row for the
// sign character's missing sine, and each frequency's normalisation: 1/sqrt 2, or 1 for the sign
// character (whose u_cos = C C^T is a unit vector already). cos(w_k(i+j-k')) / |.| is then
// (u_cos (x) C_k + u_sin (x) S_k) * scale. The pair directions, the Fig. 14 coefficients and the check
// table's logit fit all read these.
struct CosSinRows {
  at::Tensor cos, sin;  // [K, n] float64 (or the rows of a chosen set of frequencies)
  at::Tensor scale;     // [K]
  CosSinRows select(const std::vector<int>& freqs) const {  // the rows of frequencies freqs (1..K)
    std::vector<std::int64_t> r;
    for (int k : freqs) r.push_back(k - 1);
    const at::Tensor i = at::tensor(r, at::kLong);
    return {cos.index_select(0, i), sin.index_select(0, i), scale.index_select(0, i)};
  }
};
CosSinRows cos_sin_rows(const FourierBasis& F);

struct PairDirections {
  at::Tensor u_cos, u_sin;  // [c, (i1 - i0) * n] each: row i for the i-th frequency of `rows`
};

// `rows`: cos_sin_rows(F).select(freqs). Only the pairs with i in [i0, i1) (all j): a block of rows
// (pair_blocks.h).
inline PairDirections pair_directions(const CosSinRows& rows, int i0, int i1) {
  const at::Tensor &C = rows.cos, &S = rows.sin;  // [c, n]
  const std::int64_t N = C.size(1), c = C.size(0), m = i1 - i0;
  const at::Tensor r = rows.scale.view({c, 1, 1});
  const at::Tensor Ca = C.narrow(1, i0, m).unsqueeze(2), Sa = S.narrow(1, i0, m).unsqueeze(2);  // [c, m, 1]
  const at::Tensor Cb = C.unsqueeze(1), Sb = S.unsqueeze(1);                                    // [c, 1, N]
  return {((Ca * Cb - Sa * Sb) * r).reshape({c, m * N}), ((Sa * Cb + Ca * Sb) * r).reshape({c, m * N})};
}

}  // namespace grok
