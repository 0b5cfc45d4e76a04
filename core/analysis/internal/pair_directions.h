// The unit directions over input pairs (a, b) ([p*p], index a*p + b) that carry frequency k of a
// function of a + b: u_cos ~ cos(w_k(a+b)) and u_sin ~ sin(w_k(a+b)), built from the Fourier basis
// rows C_k, S_k as (C C^T - S S^T) / sqrt 2 and (S C^T + C S^T) / sqrt 2. The restricted and
// excluded losses (progress_measures.cpp) and the check table (ablation_checks.cpp) project the
// logits on them. Core-internal: includes ATen.
#pragma once

#include <ATen/ATen.h>

#include <cmath>

namespace grok {

struct PairDirections {
  at::Tensor u_cos, u_sin;  // [p*p] each, in B's dtype
};

// B: the [p, p] Fourier basis (FourierBasis::matrix()) in the precision wanted; 1 <= k <= (p-1)/2.
inline PairDirections pair_directions(const at::Tensor& B, int k) {
  const at::Tensor C = B[2 * k - 1], S = B[2 * k];
  const double r2 = std::sqrt(2.0);
  const std::int64_t n = B.size(0) * B.size(0);
  return {((at::outer(C, C) - at::outer(S, S)) / r2).reshape({n}),
          ((at::outer(S, C) + at::outer(C, S)) / r2).reshape({n})};
}

}  // namespace grok
