#include "core/phases.h"

#include <cmath>

namespace grok {

Phases detect_phases(const std::vector<EpochMetrics>& metrics) {
  Phases ph;
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
  ph.memorisation_end = metrics[peak].epoch;
  for (std::size_t i = peak + 1; i < metrics.size(); i++) {
    const double t = metrics[i].test_loss;
    if (std::isnan(t)) continue;
    if (ph.circuit_formation_end < 0 && t <= 0.5 * ph.peak_test_loss) ph.circuit_formation_end = metrics[i].epoch;
    if (ph.circuit_formation_end >= 0 && t < 1e-4) {
      ph.cleanup_end = metrics[i].epoch;
      break;
    }
  }
  return ph;
}

}  // namespace grok
