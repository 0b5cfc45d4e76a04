#include "core/analysis/layer_checks.h"
#include "core/base/task.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <numeric>
#include <string>

#include "core/analysis/analysis_memory.h"
#include "core/analysis/internal/row_losses.h"
#include "core/model/anatomy_maps.h"
#include "core/model/internal/checkpoint_weights.h"
#include "core/model/internal/model_family_impl.h"
#include "core/model/internal/weights.h"
#include "core/model/model_family.h"

namespace grok {
namespace {

// Bytes the forward holds per pair, generously: every layer's neurons before and after the ReLU
// at three positions, residuals, the logits and their float64 log-softmax.
std::size_t bytes_per_pair(const Config& cfg) {
  return 4 * (6 * static_cast<std::size_t>(cfg.d_mlp) * std::max(1, cfg.n_layers) +
              12 * static_cast<std::size_t>(cfg.d_model)) +
         24 * static_cast<std::size_t>(Task(cfg).vocab());
}

struct Chunk {
  Batch x;
  at::Tensor rows;  // [n] int64: the pairs' rows a*p + b in the snapshot's arrays
};

// The train and test pairs, in chunks within analysis_block_bytes().
std::vector<Chunk> chunks(const Config& cfg, const Dataset& data) {
  const Batch train = make_batch(data.train), test = make_batch(data.test);
  const Batch all{at::cat({train.a, test.a}), at::cat({train.b, test.b}), at::cat({train.labels, test.labels}), {}, 0};
  const std::int64_t n = all.size();
  const auto step = static_cast<std::int64_t>(std::max<std::size_t>(1, analysis_block_bytes() / bytes_per_pair(cfg)));
  std::vector<Chunk> out;
  for (std::int64_t i = 0; i < n; i += step) {
    const std::int64_t len = std::min(step, n - i);
    Batch x{all.a.narrow(0, i, len), all.b.narrow(0, i, len), all.labels.narrow(0, i, len), {}, 0};
    out.push_back({x, x.a * Task(cfg).p() + x.b});
  }
  return out;
}

at::Tensor table(const FloatArray& v, std::int64_t rows) {  // a snapshot's array as [rows, *], no copy
  return at::from_blob(const_cast<float*>(v.data()), {rows, static_cast<std::int64_t>(v.size()) / rows}, at::kFloat);
}

}  // namespace

std::vector<CheckRow> layer_checks(const Config& cfg, const CheckpointWeights& checkpoint, const Dataset& data,
                                   const Snapshot& s) {
  at::NoGradGuard no_grad;
  const ModelAnatomy an = model_family(cfg).anatomy(cfg);
  if (an.neurons == 0) return {};  // a family without MLP neurons has no MLP to hold
  const std::int64_t p = Task(cfg).p(), pairs = p * p;
  const std::vector<Chunk> parts = chunks(cfg, data);
  const int layers = s.n_layers();
  std::vector<at::Tensor> row_list, label_list;
  for (const Chunk& c : parts) row_list.push_back(c.rows), label_list.push_back(c.x.labels);
  if (row_list.empty()) return {};
  const at::Tensor rows = at::cat(row_list), labels = at::cat(label_list);  // [n]
  const std::int64_t n = rows.size(0);
  // Each layer's mean neurons at '=' over the dataset's pairs, from the snapshot: one product with
  // the pairs' counts by row, no copy of the activations.
  const at::Tensor count = at::zeros({pairs}, at::kFloat).index_add_(0, rows, at::ones({n}, at::kFloat));
  std::vector<at::Tensor> mean;
  for (int l = 0; l < layers; l++) mean.push_back(at::mv(table(s.layer(l).neuron_acts, pairs).t(), count) / n);
  const Weights& w = tensors(checkpoint);
  std::vector<LossSum> score(static_cast<std::size_t>(layers));
  // The last layer's MLP reaches the logits as direct + h W_out^T W_U: held at its mean, the
  // logits are the direct ones plus one vector, through the table's row kernel (row_losses.h)
  // as a rank-1 term, 1 (every row) times that vector. No forward needed.
  {
    std::vector<int> outputs(static_cast<std::size_t>(p));
    std::iota(outputs.begin(), outputs.end(), 0);
    const Matrix64 wl = logit_map(checkpoint, outputs);  // [p, M]
    const at::Tensor W_L = at::tensor(wl.v, at::kDouble).reshape({wl.rows, wl.cols}).to(at::kFloat);
    const at::Tensor shift = at::mv(W_L, mean.back()).contiguous();
    const at::Tensor ones = at::ones({pairs}, at::kFloat);
    const at::Tensor by_row = at::zeros({pairs}, at::kLong).index_put_({rows}, labels);  // labels as the kernel reads
    score.back() =
        lowrank_cross_entropy(s.direct_logits.data(), p, static_cast<int>(p), rows.data_ptr<std::int64_t>(), n,
                              by_row.data_ptr<std::int64_t>(), ones.data_ptr<float>(), 1, shift.data_ptr<float>(), 1.f);
  }
  // An earlier layer's changes what the later layers read: the forward with it held.
  for (int l = 0; l + 1 < layers; l++) {
    ForwardOptions opt;
    opt.final_mlp = FinalMlpOverride{l, mean[l]};
    for (const Chunk& c : parts) {
      const at::Tensor logits = model_forward(cfg, w, c.x, opt).narrow(1, 0, p).contiguous();  // '=' dropped
      const at::Tensor local = at::arange(c.x.size(), at::kLong), y = c.x.labels.contiguous();
      score[l] += row_cross_entropy(logits.data_ptr<float>(), static_cast<int>(p), local.data_ptr<std::int64_t>(),
                                    c.x.size(), y.data_ptr<std::int64_t>());
    }
  }
  std::vector<CheckRow> out;
  for (int l = 0; l < layers; l++)
    out.push_back({"layer " + std::to_string(l) + " MLP mean-ablated", score[l].mean().loss, score[l].mean().acc});
  return out;
}

void append_layer_checks(AblationChecks& checks, const Config& cfg, const CheckpointWeights& checkpoint,
                         const Dataset& data, const Snapshot& s) {
  for (CheckRow& r : layer_checks(cfg, checkpoint, data, s)) checks.rows.push_back(std::move(r));
}

}  // namespace grok
