#include "core/neuron_fve.h"

#include <ATen/ATen.h>

#include <stdexcept>

#include "core/transformer.h"
#include "core/weights.h"

namespace grok {

std::map<int, int> NeuronFrequencies::clusters(double threshold) const {
  std::map<int, int> out;
  for (std::size_t m = 0; m < freq.size(); m++)
    if (fve[m] >= threshold && freq[m] > 0) out[freq[m]]++;
  return out;
}

int NeuronFrequencies::count_above(double threshold) const {
  int n = 0;
  for (double f : fve) n += f >= threshold;
  return n;
}

NeuronFrequencies neuron_frequencies_from_activations(const std::vector<double>& acts, int M, const FourierBasis& F) {
  const int p = F.p(), K = F.n_freqs();
  if (acts.size() != static_cast<std::size_t>(p) * p * M) throw std::invalid_argument("activations: expected [p*p, M]");
  at::NoGradGuard no_grad;
  const at::Tensor B = at::from_blob(const_cast<double*>(F.matrix().data()), {p, p}, at::kDouble).clone();
  at::Tensor X = at::from_blob(const_cast<double*>(acts.data()), {p * p, M}, at::kDouble).t().reshape({M, p, p});
  X = X - X.mean({1, 2}, /*keepdim=*/true);
  const at::Tensor Y = at::matmul(at::matmul(B, X), B.t());  // [M, p, p]: (a component, b component)
  const at::Tensor sq = Y * Y;
  const at::Tensor total = sq.sum({1, 2});                   // [M]
  std::vector<at::Tensor> per_k;
  for (int k = 1; k <= K; k++) {
    const at::Tensor idx = at::tensor({0L, 2L * k - 1, 2L * k}, at::kLong);
    per_k.push_back(sq.index_select(1, idx).index_select(2, idx).sum({1, 2}));  // [M]
  }
  const at::Tensor energy = at::stack(per_k, 1);  // [M, K]
  const auto best = energy.max(1);
  const at::Tensor best_e = std::get<0>(best), best_k = std::get<1>(best);
  NeuronFrequencies out;
  for (int m = 0; m < M; m++) {
    const double t = total[m].item<double>();
    if (t <= 1e-30) {  // dead neuron: no variance to explain
      out.freq.push_back(0);
      out.fve.push_back(0.0);
      continue;
    }
    out.freq.push_back(static_cast<int>(best_k[m].item<std::int64_t>()) + 1);
    out.fve.push_back(best_e[m].item<double>() / t);
  }
  return out;
}

NeuronFrequencies neuron_frequencies(const Config& cfg, const std::vector<NamedArray>& checkpoint, const FourierBasis& F) {
  at::NoGradGuard no_grad;
  ForwardCache cache;
  forward_fast(weights_from_checkpoint(cfg, checkpoint), all_pairs(cfg.p), {}, &cache);
  const at::Tensor acts = cache.mlp_post.to(at::kDouble).contiguous();  // [p*p, M]
  return neuron_frequencies_from_activations(std::vector<double>(acts.data_ptr<double>(), acts.data_ptr<double>() + acts.numel()),
                                             static_cast<int>(acts.size(1)), F);
}

}  // namespace grok
