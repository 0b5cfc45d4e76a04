#include "core/analysis/phases.h"

#include "core/store/run_store.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace grok {

Phases detect_phases(const std::vector<EpochMetrics>& metrics, const std::vector<std::pair<int, double>>& ssw) {
  Phases ph;
  if (!metrics.empty()) ph.first_epoch = metrics.front().epoch;
  for (const EpochMetrics& m : metrics)
    if (m.test_acc >= kGrokAccuracy) {
      ph.generalised = m.epoch;
      break;
    }
  std::size_t peak = metrics.size();
  for (std::size_t i = 0; i < metrics.size(); i++) {
    const double t = metrics[i].test_loss;
    if (!std::isnan(t) && (peak == metrics.size() || t > ph.peak_test_loss)) peak = i, ph.peak_test_loss = t;
  }
  if (peak == metrics.size()) return ph;
  // A peak at the last evaluated epoch is not a peak yet: the test loss may still be rising.
  bool later = false;
  for (std::size_t i = peak + 1; i < metrics.size(); i++) later = later || !std::isnan(metrics[i].test_loss);
  if (!later) return ph;
  // A run begun after epoch 0 (a fork) whose test loss only falls shows no peak of its own.
  bool earlier = false;
  for (std::size_t i = 0; i < peak; i++) earlier = earlier || !std::isnan(metrics[i].test_loss);
  if (ph.first_epoch > 0 && !earlier) return ph;
  ph.memorisation_end = metrics[peak].epoch;
  for (std::size_t i = peak + 1; i < metrics.size() && ph.circuit_formation_end < 0; i++) {
    const double t = metrics[i].test_loss;
    if (!std::isnan(t) && t <= 0.5 * ph.peak_test_loss) ph.circuit_formation_end = metrics[i].epoch;
  }
  if (ph.circuit_formation_end < 0 || ssw.size() < 3) return ph;

  // Relative fall of the weight norm over the window ending at each checkpoint.
  const int window = std::max(1, (ph.circuit_formation_end - ph.memorisation_end) / 16);
  std::vector<std::pair<int, double>> fall;  // (epoch, fall)
  for (std::size_t i = 1, j = 0; i < ssw.size(); i++) {
    while (j + 1 < i && ssw[j + 1].first <= ssw[i].first - window) j++;
    if (ssw[j].first > ssw[i].first - window || ssw[j].second <= 0) continue;  // window not yet covered
    fall.emplace_back(ssw[i].first, (ssw[j].second - ssw[i].second) / ssw[j].second);
  }
  std::size_t steepest = fall.size();
  for (std::size_t i = 0; i < fall.size(); i++)
    if (fall[i].first > ph.circuit_formation_end && (steepest == fall.size() || fall[i].second > fall[steepest].second))
      steepest = i;
  if (steepest == fall.size() || fall[steepest].second <= 0) return ph;
  for (std::size_t i = steepest + 1; i < fall.size(); i++)
    if (fall[i].second < 0.1 * fall[steepest].second) {
      ph.cleanup_end = fall[i].first;
      break;
    }
  return ph;
}

std::vector<std::pair<int, double>> sum_sq_weights_series(const RunStore& store) {
  std::map<int, double> by_epoch;
  for (const auto kind : {KeySelection::Live, KeySelection::Final, KeySelection::Given})
    for (const auto& r : store.load_measures(kind)) {
      const auto it = r.values.find("sum_sq_weights");
      if (it != r.values.end() && !std::isnan(it->second)) by_epoch.emplace(r.epoch, it->second);
    }
  return {by_epoch.begin(), by_epoch.end()};
}

}  // namespace grok
