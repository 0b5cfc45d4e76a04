#include "core/analysis/layer_checks.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <string>

#include "core/analysis/analysis_memory.h"
#include "core/model/internal/transformer.h"
#include "core/model/internal/weights.h"

namespace grok {
namespace {

// Bytes the forward holds per pair, generously: every layer's neurons before and after the ReLU
// at three positions, residuals, the logits and their float64 log-softmax.
std::size_t bytes_per_pair(const Config& cfg) {
  return 4 * (6 * static_cast<std::size_t>(cfg.d_mlp) * std::max(1, cfg.n_layers) +
              12 * static_cast<std::size_t>(cfg.d_model)) +
         24 * static_cast<std::size_t>(cfg.p + 1);
}

// The train and test pairs as one batch, in chunks within analysis_block_bytes().
std::vector<Batch> chunks(const Config& cfg, const Dataset& data) {
  const Batch train = make_batch(data.train), test = make_batch(data.test);
  const Batch all{at::cat({train.a, test.a}), at::cat({train.b, test.b}), at::cat({train.labels, test.labels})};
  const std::int64_t n = all.size();
  const std::int64_t step =
      static_cast<std::int64_t>(std::max<std::size_t>(1, analysis_block_bytes() / bytes_per_pair(cfg)));
  std::vector<Batch> out;
  for (std::int64_t i = 0; i < n; i += step) {
    const std::int64_t len = std::min(step, n - i);
    out.push_back({all.a.narrow(0, i, len), all.b.narrow(0, i, len), all.labels.narrow(0, i, len)});
  }
  return out;
}

}  // namespace

std::vector<CheckRow> layer_checks(const Config& cfg, const std::vector<NamedArray>& checkpoint, const Dataset& data) {
  at::NoGradGuard no_grad;
  const Weights w = weights_from_checkpoint(cfg, checkpoint);
  const std::vector<Batch> parts = chunks(cfg, data);
  const std::size_t layers = w.layers.size();
  std::int64_t n = 0;
  // First pass: each layer's mean neurons at '=' over the pairs.
  std::vector<at::Tensor> sums;  // one tensor each (a vector of copies would share one)
  for (std::size_t l = 0; l < layers; l++) sums.push_back(at::zeros({cfg.d_mlp}, at::kDouble));
  for (const Batch& x : parts) {
    ForwardCache cache;
    (void)forward_fast(w, x, {}, &cache);
    for (std::size_t l = 0; l < layers; l++) sums[l] += cache.mlp_post[l].sum(0, /*keepdim=*/false, at::kDouble);
    n += x.size();
  }
  std::vector<CheckRow> rows;
  if (n == 0) return rows;
  // Then the model with each layer's MLP held at its mean there.
  for (std::size_t l = 0; l < layers; l++) {
    ForwardOptions opt;
    opt.final_mlp = FinalMlpOverride{static_cast<int>(l), (sums[l] / static_cast<double>(n)).to(at::kFloat)};
    double loss = 0;
    std::int64_t correct = 0;
    for (const Batch& x : parts) {
      const at::Tensor logits = forward_fast(w, x, opt);  // [n, V]
      loss += cross_entropy_f64(logits.narrow(1, 0, cfg.p), x.labels).item<double>() * static_cast<double>(x.size());
      correct += count_correct(logits, x.labels);  // over the p real outputs
    }
    rows.push_back({"layer " + std::to_string(l) + " MLP mean-ablated", loss / static_cast<double>(n),
                    static_cast<double>(correct) / static_cast<double>(n)});
  }
  return rows;
}

void append_layer_checks(AblationChecks& checks, const Config& cfg, const std::vector<NamedArray>& checkpoint,
                         const Dataset& data) {
  for (CheckRow& r : layer_checks(cfg, checkpoint, data)) checks.rows.push_back(std::move(r));
}

}  // namespace grok
