#include "core/analysis/pruning_checks.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cstdio>
#include <numeric>
#include <string>

#include "core/analysis/internal/row_losses.h"
#include "core/base/task.h"
#include "core/model/anatomy_maps.h"
#include "core/model/checkpoint_weights.h"

namespace grok {

std::vector<CheckRow> pruning_checks(const Config& cfg, const CheckpointWeights& checkpoint, const Dataset& data,
                                     const Snapshot& s) {
  const int M = s.d_mlp, p = Task(cfg).p();
  if (M == 0 || s.neuron_ipr.size() != static_cast<std::size_t>(M)) return {};
  at::NoGradGuard no_grad;
  std::vector<int> order(static_cast<std::size_t>(M));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return s.neuron_ipr[a] > s.neuron_ipr[b]; });
  const int keep = (M + 1) / 2;
  std::vector<float> mask(static_cast<std::size_t>(M), 0.0f);
  for (int i = 0; i < keep; i++) mask[static_cast<std::size_t>(order[i])] = 1.0f;
  const double threshold = s.neuron_ipr[static_cast<std::size_t>(order[keep - 1])];
  std::vector<int> outputs(static_cast<std::size_t>(p));
  std::iota(outputs.begin(), outputs.end(), 0);
  const Matrix64 wl = logit_map(checkpoint, outputs);  // [p, M]
  // The dropped neurons' rows of W_L zeroed: every pair's pruned logits in one product, with no
  // [pairs, M] copy of the activations, then each split scored on its rows.
  const at::Tensor WLt = (at::tensor(wl.v, at::kDouble).reshape({wl.rows, wl.cols}).t().to(at::kFloat) *
                          at::tensor(mask, at::kFloat).unsqueeze(1))
                             .contiguous();  // [M, p]
  const std::int64_t pairs = static_cast<std::int64_t>(p) * p;
  const at::Tensor H = at::from_blob(const_cast<float*>(s.neuron_acts.data()), {pairs, M}, at::kFloat);
  const at::Tensor direct = at::from_blob(const_cast<float*>(s.direct_logits.data()), {pairs, p}, at::kFloat);
  const at::Tensor logits = at::addmm(direct, H, WLt);  // [pairs, p]

  // Rows first..last of a split against `labels`.
  std::vector<std::int64_t> y(static_cast<std::size_t>(pairs));  // labels by row, as the kernel reads them
  auto score = [&](const Split& split, int first, int last, const std::vector<int>& labels) {
    std::vector<std::int64_t> rows;
    for (int i = first; i < last; i++) {
      rows.push_back(static_cast<std::int64_t>(split.a[i]) * p + split.b[i]);
      y[static_cast<std::size_t>(rows.back())] = labels[static_cast<std::size_t>(i)];
    }
    if (rows.empty()) return LossSum{};
    return row_cross_entropy(logits.data_ptr<float>(), p, rows.data(), static_cast<std::int64_t>(rows.size()),
                             y.data());
  };
  char head[96];
  std::snprintf(head, sizeof head, "keep the periodic half of the neurons (IPR >= %.2f): ", threshold);
  std::vector<CheckRow> out;
  auto row = [&](const std::string& what, const LossSum& l) {
    if (l.n > 0) out.push_back({head + what, l.mean().loss, l.mean().acc});
  };
  row("test pairs", score(data.test, 0, data.test.size(), data.test.c));
  const Split& t = data.train;
  if (t.corrupted > 0) {
    row("clean training pairs", score(t, t.corrupted, t.size(), t.c));
    row("corrupted pairs, given labels", score(t, 0, t.corrupted, t.c));
    row("corrupted pairs, true labels", score(t, 0, t.corrupted, t.c_true));
  } else {
    row("training pairs", score(t, 0, t.size(), t.c));
  }
  return out;
}

}  // namespace grok
