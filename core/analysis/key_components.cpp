#include "core/analysis/internal/key_components.h"

#include "core/analysis/internal/pair_directions.h"

namespace grok {

KeyComponents::KeyComponents(const FourierBasis& F, const std::vector<int>& freqs) : p_(F.p()) {
  for (int k : freqs)
    if (k >= 1 && k <= F.n_freqs()) freqs_.push_back(k);
  B_ = at::from_blob(const_cast<double*>(F.matrix().data()), {p_, p_}, at::kDouble).clone();
  C_ = at::zeros({2 * count(), p_}, at::kDouble);
  U_sum_ = at::zeros({2 * count()}, at::kDouble);
}

at::Tensor KeyComponents::directions(const PairBlock& b) const {
  if (freqs_.empty()) return at::zeros({0, static_cast<std::int64_t>(b.a1 - b.a0) * p_}, at::kDouble);
  const PairDirections d = pair_directions(B_, freqs_, b.a0, b.a1);
  return at::cat({d.u_cos, d.u_sin});
}

void KeyComponents::accumulate(const ForwardBlock& b, const at::Tensor& U, const float* X) {
  if (freqs_.empty()) return;
  at::NoGradGuard no_grad;
  const at::Tensor L = at::from_blob(const_cast<float*>(X), {b.pairs, p_}, at::kFloat).to(at::kDouble);
  C_.addmm_(U, L);
  U_sum_.add_(U.sum(1));
}

}  // namespace grok
