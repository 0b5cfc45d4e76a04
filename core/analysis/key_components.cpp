#include "core/analysis/internal/key_components.h"

#include "core/analysis/internal/pair_directions.h"

#include <cmath>

namespace grok {

KeyComponents::KeyComponents(const FourierBasis& F, const std::vector<int>& freqs) : n_(F.n()), p_(F.group().p) {
  for (int k : freqs)
    if (k >= 1 && k <= F.n_freqs()) freqs_.push_back(k);
  rows_ = cos_sin_rows(F).select(freqs_);
  C_ = at::zeros({2 * count(), p_}, at::kDouble);
  U_sum_ = at::zeros({2 * count()}, at::kDouble);
}

at::Tensor KeyComponents::directions(const PairBlock& b) const {
  if (freqs_.empty()) return at::zeros({0, static_cast<std::int64_t>(b.i1 - b.i0) * n_}, at::kDouble);
  const PairDirections d = pair_directions(rows_, b.i0, b.i1);
  return at::cat({d.u_cos, d.u_sin});
}

void KeyComponents::accumulate(const ForwardBlock& b, const at::Tensor& U, const float* X) {
  if (freqs_.empty()) return;
  at::NoGradGuard no_grad;
  const at::Tensor L = at::from_blob(const_cast<float*>(X), {b.pairs, p_}, at::kFloat).to(at::kDouble);
  C_.addmm_(U, L);
  U_sum_.add_(U.sum(1));
}

CosSinRows cos_sin_rows(const FourierBasis& F) {
  const int n = F.n(), K = F.n_freqs();
  const at::Tensor B = at::from_blob(const_cast<double*>(F.matrix().data()), {n, n}, at::kDouble);
  const at::Tensor Bz = at::cat({B, at::zeros({1, n}, at::kDouble)});
  std::vector<std::int64_t> c, s;
  std::vector<double> scale;
  for (int k = 1; k <= K; k++) {
    c.push_back(2 * k - 1), s.push_back(F.has_sin(k) ? 2 * k : n);
    scale.push_back(F.has_sin(k) ? 1 / std::sqrt(2.0) : 1.0);
  }
  return {Bz.index_select(0, at::tensor(c, at::kLong)), Bz.index_select(0, at::tensor(s, at::kLong)),
          at::tensor(scale, at::kDouble)};
}

at::Tensor cos_abc_coefficients(const FourierBasis& F, const at::Tensor& C) {
  const int K = F.n_freqs();
  const std::vector<int>& token = F.group().token;
  const at::Tensor out_cols = at::tensor(std::vector<std::int64_t>(token.begin(), token.end()), at::kLong);
  const at::Tensor Cg = C.index_select(1, out_cols);  // [2K, n]: the group's outputs in element order
  const CosSinRows cs = cos_sin_rows(F);
  return (((Cg.narrow(0, 0, K) * cs.cos).sum(1) + (Cg.narrow(0, K, K) * cs.sin).sum(1)) * cs.scale).contiguous();
}

}  // namespace grok
