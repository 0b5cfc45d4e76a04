// The three phases of grokking (paper Section 5.2) located on a run's loss curves by a fixed rule.
//
//   memorisation ends    where the test loss peaks (train loss is low, the model fits the training
//                        pairs and is at its worst elsewhere). Mainline: paper ~1.4k, ours 1 420.
//   circuit formation    from there until the test loss has fallen back to half its peak: the
//   ends (cleanup        Fourier circuit has formed and starts to dominate the memorised one.
//   begins)              Mainline: paper ~9.4k, ours 9 400.
//   cleanup ends         when the test loss first falls below 1e-4 (confidently right everywhere).
//                        Mainline: paper ~14k, ours 12 760.
//
// The rule reads only train/test losses, which every run file has; it is documented in
// docs/reproduction.md and applied as is to any run. A boundary a run has not reached is -1.
#pragma once

#include <vector>

#include "core/run_store.h"

namespace grok {

struct Phases {
  int memorisation_end = -1;
  int circuit_formation_end = -1;
  int cleanup_end = -1;
  double peak_test_loss = 0;
};

Phases detect_phases(const std::vector<EpochMetrics>& metrics);

}  // namespace grok
