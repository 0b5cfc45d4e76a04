// The three phases of grokking (paper Section 5.2) located on a run's progress-measure curves by a
// fixed rule, applied as is to any run (documented in docs/reproduction.md):
//
//   memorisation ends    where the test loss peaks: the model fits the training pairs and is at
//                        its worst elsewhere. Mainline: paper ~1.4k, ours 1 420.
//   circuit formation    when the test loss has fallen back to half its peak: the Fourier circuit
//   ends (cleanup        has formed and starts to win over the memorised lookup table.
//   begins)              Mainline: paper ~9.4k, ours 9 400.
//   cleanup ends         when the weight norm's collapse (cleanup's signature, paper Fig. 7) is
//                        over: after the steepest relative fall of the sum of squared weights over
//                        a window of 1/16 of the circuit-formation span, the first checkpoint whose
//                        windowed fall is under a tenth of that steepest one. Mainline: paper ~14k.
//
// Beside them, `generalised`: the first epoch at 99 % test accuracy (kGrokAccuracy), as sweeps
// report a run's grok epoch. The first two read the per-epoch losses every run file has; the third the sum of squared
// weights stored with every checkpoint's measures. A boundary a run has not reached is -1.
//
// A run need not begin at epoch 0: a fork (training/trainer.h Trainer::fork) logs from its parent's
// epoch E on. Its phases begin at E (`first_epoch`), and a test-loss peak at its first evaluated
// epoch is no peak: the loss may have been rising before E, in the parent.
#pragma once

#include <utility>
#include <vector>

#include "core/base/records.h"

namespace grok {
class RunStore;
}

namespace grok {

struct Phases {
  int first_epoch = 0;  // the run's first logged epoch, where memorisation (its first phase) is drawn from
  int memorisation_end = -1;
  int circuit_formation_end = -1;
  int cleanup_end = -1;
  int generalised = -1;  // the first epoch at >= 99 % test accuracy (kGrokAccuracy)
  double peak_test_loss = 0;
};

// `sum_sq_weights`: (epoch, value) per checkpoint, ascending; may be empty (no cleanup end then).
Phases detect_phases(const std::vector<EpochMetrics>& metrics,
                     const std::vector<std::pair<int, double>>& sum_sq_weights);
// The sum-of-squared-weights series of a run's stored measures (any key set: it needs none).
std::vector<std::pair<int, double>> sum_sq_weights_series(const RunStore& store);

}  // namespace grok
