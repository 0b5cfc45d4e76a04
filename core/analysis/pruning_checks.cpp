#include "core/analysis/pruning_checks.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include "core/runtime/simd_kernels.h"
#if GROK_X86_KERNELS
#include <immintrin.h>
#endif

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <string>

#include "core/analysis/internal/row_losses.h"
#include "core/base/task.h"
#include "core/model/anatomy_maps.h"
#include "core/model/checkpoint_weights.h"

namespace grok {
namespace {

// Row h's kept columns (kept: ascending, keep of them) into out [keep]. The x86 kernel packs them
// 8 columns at a time: a chunk's kept lanes moved to the front by one permutation (perm, by the
// chunk's mask) and stored whole, the next chunk's store starting where they end; once a store
// could reach past the row (another thread's next row), element by element. The same values as
// the plain gather, which read one float at a time (~1.5 ms of a mainline table).
struct PackPlan {
  std::vector<std::uint8_t> masks;                // [M / 8]: bit j set when column 8c + j is kept
  std::vector<std::array<std::int32_t, 8>> perm;  // [256]: the set bits' positions, in order
};

PackPlan pack_plan(const std::vector<std::int64_t>& kept, int M) {
  PackPlan plan;
  plan.masks.assign(static_cast<std::size_t>(M / 8), 0);
  for (std::int64_t k : kept)
    if (k / 8 < M / 8) plan.masks[static_cast<std::size_t>(k / 8)] |= static_cast<std::uint8_t>(1u << (k % 8));
  plan.perm.resize(256);
  for (int m = 0; m < 256; m++) {
    int n = 0;
    plan.perm[static_cast<std::size_t>(m)].fill(0);
    for (int j = 0; j < 8; j++)
      if (m & (1 << j)) plan.perm[static_cast<std::size_t>(m)][static_cast<std::size_t>(n++)] = j;
  }
  return plan;
}

#if GROK_X86_KERNELS
__attribute__((target("avx2"))) void pack_row_avx2(const float* h, const PackPlan& plan, const std::int64_t* kept,
                                                   int keep, float* out) {
  int pos = 0;
  std::size_t c = 0;
  for (; c < plan.masks.size() && pos + 8 <= keep; c++) {
    const unsigned m = plan.masks[c];
    if (!m) continue;
    const __m256i idx = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(plan.perm[m].data()));
    _mm256_storeu_ps(out + pos, _mm256_permutevar8x32_ps(_mm256_loadu_ps(h + 8 * c), idx));
    pos += __builtin_popcount(m);
  }
  for (; pos < keep; pos++) out[pos] = h[kept[pos]];
}
#endif

}  // namespace

std::vector<CheckRow> pruning_checks(const Config& cfg, const CheckpointWeights& checkpoint, const Dataset& data,
                                     const Snapshot& s, const std::function<void()>& between) {
  auto part = [&] {
    if (between) between();
  };
  const int M = s.d_mlp, p = Task(cfg).p();
  if (M == 0 || s.neuron_ipr.size() != static_cast<std::size_t>(M)) return {};
  at::NoGradGuard no_grad;
  std::vector<int> order(static_cast<std::size_t>(M));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return s.neuron_ipr[a] > s.neuron_ipr[b]; });
  const int keep = (M + 1) / 2;
  const double threshold = s.neuron_ipr[static_cast<std::size_t>(order[keep - 1])];
  std::vector<int> outputs(static_cast<std::size_t>(p));
  std::iota(outputs.begin(), outputs.end(), 0);
  const Matrix64 wl = logit_map(checkpoint, outputs);  // [p, M]
  // Every pair's pruned logits in one product over the kept neurons alone: their activations
  // gathered row by row (each row of the [pairs, M] activations read once), then half the product
  // the full W_L would take, the product being most of the cost. Each split is then scored on its rows.
  std::vector<std::int64_t> kept(order.begin(), order.begin() + keep);
  std::sort(kept.begin(), kept.end());
  const at::Tensor WLt = at::tensor(wl.v, at::kDouble)
                             .reshape({wl.rows, wl.cols})
                             .t()
                             .index_select(0, at::tensor(kept, at::kLong))
                             .to(at::kFloat)
                             .contiguous();  // [keep, p]
  const std::int64_t pairs = static_cast<std::int64_t>(p) * p;
  const at::Tensor Hk = at::empty({pairs, keep}, at::kFloat);
  const float* H = s.neuron_acts.data();
  float* hk = Hk.data_ptr<float>();
  [[maybe_unused]] const PackPlan plan = pack_plan(kept, M);
  [[maybe_unused]] const bool x86 = use_avx2_kernels();
  at::parallel_for(0, pairs, 256, [&](std::int64_t r0, std::int64_t r1) {
    for (std::int64_t r = r0; r < r1; r++) {
#if GROK_X86_KERNELS
      if (x86) {
        pack_row_avx2(H + r * M, plan, kept.data(), keep, hk + r * keep);
        continue;
      }
#endif
      for (int k = 0; k < keep; k++) hk[r * keep + k] = H[r * M + kept[static_cast<std::size_t>(k)]];
    }
  });
  part();
  const at::Tensor direct = at::from_blob(const_cast<float*>(s.direct_logits.data()), {pairs, p}, at::kFloat);
  const at::Tensor logits = at::addmm(direct, Hk, WLt);  // [pairs, p]
  part();

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
