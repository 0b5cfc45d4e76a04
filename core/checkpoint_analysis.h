// Everything the analysis knows about one checkpoint, in one value: the Fourier spectra, key
// frequencies, progress measures and neuron frequencies. What `grokking-cli analyze` prints and
// the GUI's analysis views will read.
//
//   const RunStore store = RunStore::open("run.grok");
//   CheckpointAnalysis a = analyze_checkpoint(store, store.checkpoint_epochs().back(), KeySelection::live());
#pragma once

#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "core/ablation_checks.h"
#include "core/neuron_fve.h"
#include "core/progress_measures.h"
#include "core/run_store.h"
#include "core/snapshot.h"
#include "core/weight_spectra.h"

namespace grok {

// Which key frequencies the restricted/excluded measures use (issue: the paper uses the final
// checkpoint's for the whole run; a live run only knows its latest).
struct KeySelection {
  enum Kind { Live, Final, Given } kind = Live;
  std::vector<int> freqs;  // Given
  static KeySelection live() { return {Live, {}}; }
  static KeySelection final_checkpoint() { return {Final, {}}; }
  // "live", "final" or a comma-separated list such as "14,35,41,42,52"; throws ConfigError naming
  // the problem and the allowed range 1..(p-1)/2.
  static KeySelection parse(const std::string& text, int p);
  std::string describe() const;  // "live", "final", "14,35,41"
};

struct CheckpointAnalysis {
  int epoch = 0;
  std::string key_selection;       // KeySelection::describe()
  KeyFrequencies detected;         // from this checkpoint's W_L
  WeightSpectra spectra;
  ProgressMeasures measures;       // computed with the selected key frequencies
  NeuronFrequencies neurons;
  AblationChecks checks;           // Section 4.4, with the selected key frequencies
  double seconds = 0;              // wall time of the whole analysis
};

// Computes and stores the progress measures of every checkpoint that has none for this selection
// (the key set of a "final" or given selection is fixed for the whole run). Calls `progress(done,
// total)` after each checkpoint. Returns the number of checkpoints computed.
int fill_missing_measures(RunStore& store, const KeySelection& keys,
                          const std::function<void(int done, int total)>& progress = {});

// Throws RunFileError for a missing checkpoint or a damaged file.
CheckpointAnalysis analyze_checkpoint(const RunStore& store, int epoch, const KeySelection& keys);
nlohmann::json to_json(const CheckpointAnalysis& a);

}  // namespace grok
