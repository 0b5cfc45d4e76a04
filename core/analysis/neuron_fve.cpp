#include "core/analysis/neuron_fve.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <stdexcept>

#include "core/model/internal/transformer.h"
#include "core/model/internal/weights.h"

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

std::vector<int> NeuronFrequencies::representatives(int count, std::optional<int> only_freq) const {
  std::vector<int> live;  // by FVE, best first
  for (int m = 0; m < static_cast<int>(freq.size()); m++)
    if (freq[m] > 0 && (!only_freq || freq[m] == *only_freq)) live.push_back(m);
  std::stable_sort(live.begin(), live.end(), [&](int a, int b) { return fve[a] > fve[b]; });
  std::vector<int> out;
  if (!only_freq) {
    std::map<int, int> size;
    for (int m : live) size[freq[m]]++;
    std::vector<std::pair<int, int>> by_size;  // (-size, k): most populous first, then lower k
    for (auto [k, n] : size) by_size.emplace_back(-n, k);
    std::sort(by_size.begin(), by_size.end());
    for (auto [n, k] : by_size)
      out.push_back(*std::find_if(live.begin(), live.end(), [&, k = k](int m) { return freq[m] == k; }));
    if (static_cast<int>(out.size()) > count) out.resize(count);
  }
  for (int m : live) {
    if (static_cast<int>(out.size()) >= count) break;
    if (std::find(out.begin(), out.end(), m) == out.end()) out.push_back(m);
  }
  return out;
}

namespace {

// Sum over rows of X^2 per column, float64, for a contiguous float X [R, M]: one streaming pass
// (ATen's square().sum(0) writes a 26 MB temporary first, and its norm reduction over dim 0 ran at
// a fifth of memory speed). Fixed row blocks summed in order: the result does not depend on the
// thread count.
at::Tensor column_squares(const at::Tensor& X) {
  const std::int64_t R = X.size(0), M = X.size(1);
  constexpr std::int64_t kRows = 512;
  const std::int64_t blocks = (R + kRows - 1) / kRows;
  std::vector<double> part(static_cast<std::size_t>(blocks * M), 0.0);
  const float* x = X.data_ptr<float>();
  at::parallel_for(0, blocks, 1, [&](std::int64_t b0, std::int64_t b1) {
    for (std::int64_t b = b0; b < b1; b++) {
      double* acc = part.data() + b * M;
      for (std::int64_t r = b * kRows; r < std::min(R, (b + 1) * kRows); r++) {
        const float* row = x + r * M;
        for (std::int64_t m = 0; m < M; m++) acc[m] += static_cast<double>(row[m]) * row[m];
      }
    }
  });
  at::Tensor out = at::zeros({M}, at::kDouble);
  double* o = out.data_ptr<double>();
  for (std::int64_t b = 0; b < blocks; b++)
    for (std::int64_t m = 0; m < M; m++) o[m] += part[b * M + m];
  return out;
}

}  // namespace

NeuronFrequencies neuron_frequencies_of(const float* acts, int M, const FourierBasis& F) {
  const int p = F.p(), K = F.n_freqs();
  at::NoGradGuard no_grad;
  // Only the 3 x 3 blocks of Y = B X B^T are needed (plus the total, by Parseval). The transform
  // over a is one [p, p] x [p, p*M] float32 GEMM, Z[i, b, m] = sum_a B[i, a] X[a, b, m] (~1.5 GFLOP
  // on mainline; 2 M p length-113 FFTs cost several times more, a batched product 3x more); each
  // block entry Y[i, j] = sum_b B[j, b] Z[i, b] is then a short product. The mean only moves
  // Y[0, 0], which the blocks and the total leave out, so the activations need no centring.
  const at::Tensor B = at::from_blob(const_cast<double*>(F.matrix().data()), {p, p}, at::kDouble).to(at::kFloat);
  const at::Tensor X = at::from_blob(const_cast<float*>(acts), {p, p * M}, at::kFloat);
  const at::Tensor Z = at::mm(B, X).view({p, p, M});  // [i, b, m]
  const at::Tensor col0 = Z.sum(1) * B[0][0];         // Y[i, 0] [p, M]
  const at::Tensor row0 = at::mm(B, Z[0]);            // Y[0, j] [p, M]
  // Variance * p^2 as the energy outside Y[0, 0]: rows i >= 1 of Z plus row 0 of Y beyond j = 0
  // (subtracting Y[0, 0]^2 from the total would cancel catastrophically for near-constant neurons).
  const at::Tensor total = column_squares(Z.narrow(0, 1, p - 1).view({(p - 1) * p, M})) +
                           row0.narrow(0, 1, p - 1).square().sum(0).to(at::kDouble);  // [M]
  // Frequency k's energy: its block Y[i, j], i, j in {cos k, sin k}, plus Y[i, 0] and Y[0, j].
  // The blocks of every k are one batched product of [2, p] by [p, M] (112 separate products and
  // their element-wise ops cost more in dispatch than in arithmetic).
  const at::Tensor Bk = B.narrow(0, 1, 2 * K).view({K, 1, 2, p});      // [k, -, j, b]
  const at::Tensor Zk = Z.narrow(0, 1, 2 * K).view({K, 2, p, M});      // [k, i, b, m], no copy
  const at::Tensor blocks = at::matmul(Bk, Zk);                        // [k, i, j, m]
  const at::Tensor energy = blocks.view({K, 4, M}).square().sum(1) +
                            row0.narrow(0, 1, 2 * K).view({K, 2, M}).square().sum(1) +
                            col0.narrow(0, 1, 2 * K).view({K, 2, M}).square().sum(1);  // [K, M]
  const auto best = energy.max(0);  // [M]
  const at::Tensor best_e = std::get<0>(best).to(at::kDouble).contiguous(), tot = total.to(at::kDouble).contiguous();
  const at::Tensor best_k = std::get<1>(best).contiguous();
  NeuronFrequencies out;
  out.freq.assign(M, 0);
  out.fve.assign(M, 0.0);
  for (int m = 0; m < M; m++) {
    const double t = tot.data_ptr<double>()[m];
    if (t <= 1e-12 * p * p) continue;  // dead (constant) neuron: no variance to explain
    out.freq[m] = static_cast<int>(best_k.data_ptr<std::int64_t>()[m]) + 1;
    out.fve[m] = std::min(1.0, best_e.data_ptr<double>()[m] / t);
  }
  return out;
}

NeuronFrequencies neuron_frequencies_from_activations(const std::vector<double>& acts, int M, const FourierBasis& F) {
  const int p = F.p();
  if (acts.size() != static_cast<std::size_t>(p) * p * M) throw std::invalid_argument("activations: expected [p*p, M]");
  const std::vector<float> f(acts.begin(), acts.end());
  return neuron_frequencies_of(f.data(), M, F);
}

NeuronFrequencies neuron_frequencies(const Config& cfg, const std::vector<NamedArray>& checkpoint,
                                     const FourierBasis& F) {
  at::NoGradGuard no_grad;
  ForwardCache cache;
  forward_fast(weights_from_checkpoint(cfg, checkpoint), all_pairs(cfg.p), {}, &cache);
  const at::Tensor acts = cache.mlp_post.contiguous();  // [p*p, M]
  return neuron_frequencies_of(acts.data_ptr<float>(), static_cast<int>(acts.size(1)), F);
}

}  // namespace grok
