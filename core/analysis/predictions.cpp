#include "core/analysis/predictions.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/model/internal/row_kernels.h"
#include "core/runtime/simd_kernels.h"

namespace grok {
namespace {

// A row's answer (its first largest logit) and margin (the label c's logit over the largest other
// one), as the plain loop defines them.
void predict_plain(const float* z, int p, int c, int& best, float& margin) {
  best = 0;
  float other = -std::numeric_limits<float>::infinity();
  for (int k = 0; k < p; k++) {
    if (z[k] > z[best]) best = k;
    if (k != c && z[k] > other) other = z[k];
  }
  margin = z[c] - other;
}

// The same, the largest values found 8 logits a compare (row_kernels::max_avx2), where the plain
// loop was two chains of dependent compares (~2 ms of a scrub step on S5): the largest other than
// c is the largest itself unless c holds it, else the largest of the row with c's logit left out.
// A row with a NaN, or shorter than 8, takes the plain loop. The same answers and margins, but for
// a zero's sign (max may return either of -0 and +0). `rest` holds p floats.
void predict(bool x86, const float* z, int p, int c, float* rest, int& best, float& margin) {
#if GROK_X86_KERNELS
  bool nan = true;
  const float mx = x86 && p >= 8 ? row_kernels::max_avx2(z, p, &nan) : 0.0f;
  if (!nan) {
    best = 0;
    while (z[best] != mx) best++;  // -0 == +0: the first of them, as the plain loop's strict >
    float other = mx;
    if (best == c) {
      std::copy(z, z + p, rest);
      rest[c] = -std::numeric_limits<float>::infinity();
      other = row_kernels::max_avx2(rest, p, &nan);
    }
    margin = z[c] - other;
    return;
  }
#endif
  (void)x86, (void)rest;
  predict_plain(z, p, c, best, margin);
}

}  // namespace

PairPredictions pair_predictions(const Task& task, const Dataset& data, const float* logits) {
  const int p = task.p();
  PairPredictions r;
  r.p = p;
  const std::size_t rows = static_cast<std::size_t>(p) * p;
  r.kind.assign(rows, PairKind::Outside);
  r.answer.assign(rows, -1);
  r.margin.assign(rows, std::numeric_limits<float>::quiet_NaN());
  for (int row : task.domain_rows()) r.kind[row] = PairKind::Test;
  const Split& tr = data.train;
  for (int i = 0; i < tr.size(); i++)
    r.kind[static_cast<std::size_t>(tr.a[i]) * p + tr.b[i]] = i < tr.corrupted ? PairKind::Corrupted : PairKind::Train;
  // Each row on its own: rows in parallel (3.5 ms a scrub in one thread on mainline), the same results.
  const bool x86 = use_avx2_kernels();
  at::parallel_for(0, static_cast<std::int64_t>(rows), 512, [&](std::int64_t r0, std::int64_t r1) {
    std::vector<float> rest(static_cast<std::size_t>(p));
    for (std::size_t row = static_cast<std::size_t>(r0); row < static_cast<std::size_t>(r1); row++) {
      if (r.kind[row] == PairKind::Outside) continue;
      const int c = task.label(static_cast<int>(row) / p, static_cast<int>(row) % p);  // in the domain: no throw
      predict(x86, logits + row * p, p, c, rest.data(), r.answer[row], r.margin[row]);
    }
  });
  for (std::size_t row = 0; row < rows; row++) {
    const bool right = r.margin[row] > 0;
    switch (r.kind[row]) {
      case PairKind::Test: r.test++, r.test_right += right; break;
      case PairKind::Train: r.train++, r.train_right += right; break;
      case PairKind::Corrupted: r.corrupted++, r.corrupted_right += right; break;
      case PairKind::Outside: break;
    }
  }
  return r;
}

}  // namespace grok
