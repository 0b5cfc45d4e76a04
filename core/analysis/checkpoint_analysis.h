// Everything the analysis knows about one checkpoint, in one value: the Fourier spectra, key
// frequencies, progress measures and neuron frequencies (the last layer's, and every layer's). What `grokking-cli
// analyze` prints and the GUI's analysis views will read.
//
//   const RunStore store = RunStore::open("run.grok");
//   CheckpointAnalysis a = analyze_checkpoint(store, store.checkpoint_epochs().back(), KeySelection::live());
#pragma once

#include <atomic>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "core/analysis/ablation_checks.h"
#include "core/analysis/neuron_fve.h"
#include "core/analysis/progress_measures.h"
#include "core/analysis/snapshot.h"
#include "core/analysis/weight_spectra.h"
#include "core/base/key_selection.h"
#include "core/store/run_store.h"

namespace grok {

// One layer's neurons and attention at '=' (every layer of a deeper model, the last included).
struct LayerAnalysis {
  NeuronFrequencies neurons;
  std::vector<double> attention_to_a;  // [n_heads] mean over all pairs of the attention from '=' to a
};

struct CheckpointAnalysis {
  int epoch = 0;
  OperationGroup group;       // the basis every Fourier figure is in
  std::string key_selection;  // KeySelection::describe()
  KeyFrequencies detected;    // from this checkpoint's W_L
  WeightSpectra spectra;
  ProgressMeasures measures;          // computed with the selected key frequencies
  NeuronFrequencies neurons;          // the last layer's
  std::vector<LayerAnalysis> layers;  // [n_layers], first layer first
  AblationChecks checks;              // Section 4.4, with the selected key frequencies; a row per layer's MLP
  double seconds = 0;                 // wall time of the whole analysis
};

// Computes and stores the progress measures of every checkpoint that has none for this selection
// (the key set of a "final" or given selection is fixed for the whole run). Calls `progress(done,
// total)` after each checkpoint. Stops before the next checkpoint once `*cancel` is set (any
// thread), keeping what it computed. Returns the number of checkpoints computed.
int fill_missing_measures(RunStore& store, const KeySelection& keys,
                          const std::function<void(int done, int total)>& progress = {},
                          const std::atomic<bool>* cancel = nullptr);

// Throws RunFileError for a missing checkpoint or a damaged file.
CheckpointAnalysis analyze_checkpoint(const RunStore& store, int epoch, const KeySelection& keys);
nlohmann::json to_json(const CheckpointAnalysis& a);

}  // namespace grok
