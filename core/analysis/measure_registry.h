// Scalar measures beyond the paper's, registered by name: each is computed for every checkpoint
// alongside the progress measures (by the trainer's commit, the measures fill and `analyze`),
// stored with them in the run file (the measures table holds name/value rows) and printed by
// `analyze --json` under its name. A new measure is one file that defines it plus its
// registration: a line in builtin_measures() (measure_registry.cpp) for the app's own, or a
// register_measure call (docs/architecture.md, "Where new things go").
//
//   // core/analysis/wl_peak.cpp
//   MeasureDef wl_peak_measure() {
//     return {"wl_peak_norm", [](const MeasureInputs& in) {
//       return *std::max_element(in.spectra.wl_norms.begin(), in.spectra.wl_norms.end());
//     }};
//   }
//
// The paper's own measures stay in progress_measures.h: they are computed block by block from
// the logits, which a registered measure can read when the caller has them (`logits`).
// Threading: registration before any analysis (static initialisers or start-up code); then the
// table is read-only. A measure's compute runs on the analysing thread.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/analysis/fourier_basis.h"
#include "core/analysis/weight_spectra.h"
#include "core/base/config.h"
#include "core/model/checkpoint_weights.h"

namespace grok {

// What a measure may read of one checkpoint.
struct MeasureInputs {
  const Config& cfg;
  const FourierBasis& basis;          // the task's group (Task(cfg).group())
  const CheckpointWeights& weights;   // its tensors (arrays() without a conversion)
  const WeightSpectra& spectra;       // W_E and W_L Fourier norms, Gini, sum of squares
  const std::vector<float>* logits;   // [p*p, p] every pair's logits in token order, '=' dropped; may be null
  const std::vector<int>& key_freqs;  // the key set the paper's measures used
};

struct MeasureDef {
  std::string name;  // as stored and printed; not one of the paper's names
  std::function<double(const MeasureInputs&)> compute;
  // "" where the measure is defined for a run (the default), else one line saying why not: it is
  // then not computed, and `analyze --json` prints it as null with "<name>_reason".
  std::function<std::string(const Config&)> undefined;
};

// Adds a measure; returns true. Throws std::logic_error for a name already taken.
bool register_measure(MeasureDef def);
std::vector<MeasureDef> registered_measures();
// Every registered measure of one checkpoint that is defined for its run, by name.
std::map<std::string, double> compute_registered_measures(const MeasureInputs& in);
// The registered measures not defined for `cfg`, with why.
std::map<std::string, std::string> undefined_measures(const Config& cfg);

}  // namespace grok
