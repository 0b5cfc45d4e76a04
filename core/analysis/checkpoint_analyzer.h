// One home for "analyse a checkpoint": the window's snapshot service and measures filler,
// `grokking-cli analyze` and `bench`, the trainer's per-checkpoint measures and the importer all
// run these stages, so a measure added here reaches all of them.
//
//   weights -> all-pairs forward -> snapshot for the views -> progress measures -> checks
//
// An analyzer is built once per run: its task, dataset (the split) and Fourier basis. Per
// checkpoint, weights() wraps the stored arrays once (CheckpointWeights, converted to tensors on
// first use and shared by every later stage), and each stage takes them:
//
//   const CheckpointAnalyzer an(store.config());
//   const CheckpointWeights w = an.weights(store.load_checkpoint(epoch));
//   const Snapshot s = an.snapshot(epoch, w, std::nullopt, SnapshotScope::views);   // the views
//   const AblationChecks c = an.checks(w, s);                                       // + the check table
//   const CheckpointAnalysis a = an.analyze(epoch, w, std::nullopt, "live", &cancel);  // everything
//
// Memory: a snapshot holds ~p^3 floats (AnalysisTooLarge beyond the limit, analysis_memory.h);
// measures() alone works block by block at any size. Threading: an analyzer is immutable once
// built and may be shared by threads; each stage uses the calling thread's intra-op threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/analysis/ablation_checks.h"
#include "core/analysis/fourier_basis.h"
#include "core/analysis/neuron_fve.h"
#include "core/analysis/progress_measures.h"
#include "core/analysis/snapshot.h"
#include "core/analysis/weight_spectra.h"
#include "core/base/config.h"
#include "core/base/task.h"
#include "core/data/dataset.h"
#include "core/model/checkpoint_weights.h"

namespace grok {

// One layer's neurons and attention at '=' (every layer of a deeper model, the last included).
struct LayerAnalysis {
  NeuronFrequencies neurons;
  std::vector<double> attention_to_a;  // [n_heads] mean over all pairs of the attention from '=' to a
};

// Everything the analysis knows about one checkpoint, in one value (what `analyze` prints).
struct CheckpointAnalysis {
  int epoch = 0;
  OperationGroup group;  // the basis every Fourier figure is in (empty without one)
  // Empty, or why the group measures are not defined (a task that is no group's composition):
  // then only the losses are measured and the rest is null in `analyze --json`.
  std::string undefined_reason;
  // The registered measures (measure_registry.h) not defined for this run, with why.
  std::map<std::string, std::string> undefined_measures;
  std::string key_selection;  // KeySelection::describe()
  KeyFrequencies detected;    // from this checkpoint's W_L
  WeightSpectra spectra;
  ProgressMeasures measures;          // computed with the selected key frequencies
  NeuronFrequencies neurons;          // the last layer's
  std::vector<LayerAnalysis> layers;  // [n_layers], first layer first
  AblationChecks checks;              // Section 4.4, with the selected key frequencies; a row per layer's MLP
  double seconds = 0;                 // wall time of the whole analysis
};

class CheckpointAnalyzer {
 public:
  // Throws ConfigError for a config the task refuses.
  explicit CheckpointAnalyzer(const Config& cfg);
  // Analyzers this process has built (each builds its run's dataset once): tests hold the scrub
  // path to one per run with it.
  static std::uint64_t builds();

  const Config& config() const { return cfg_; }
  const Task& task() const { return task_; }
  const Dataset& dataset() const { return data_; }
  // The group's basis; throws std::logic_error for a task that is no group's composition
  // (has_basis() false: S5-conj, the polynomials; Task::group_reason() says why).
  bool has_basis() const { return basis_ != nullptr; }
  const FourierBasis& basis() const;

  CheckpointWeights weights(std::vector<NamedArray> arrays) const { return {cfg_, std::move(arrays)}; }
  // The key frequencies of the checkpoint's own W_L (the spectra alone: no forward pass).
  std::vector<int> detect_keys(const CheckpointWeights& w) const;
  // Spectra, the all-pairs forward, the measures `scope` asks for, neurons. `keys`: the set the
  // restricted / excluded measures use; nullopt = the checkpoint's detected set.
  // Throws AnalysisCancelled between stages once `*cancel` is set. `known`: what an earlier analysis
  // of the checkpoint found (SnapshotKnown), or null to compute everything.
  Snapshot snapshot(int epoch, const CheckpointWeights& w, const std::optional<std::vector<int>>& keys,
                    SnapshotScope scope, const std::atomic<bool>* cancel = nullptr,
                    const SnapshotKnown* known = nullptr) const;
  // The Section 4.4 check table from the snapshot's forward, with its measures' key set, plus a
  // row per layer's MLP.
  // Throws AnalysisCancelled between its parts (the ablations' two passes, the layer rows, the
  // pruning rows' gather, product and scores) once `*cancel` is set; runs `between` (if given)
  // there too, after that check.
  AblationChecks checks(const CheckpointWeights& w, const Snapshot& s, const std::atomic<bool>* cancel = nullptr,
                        const std::function<void()>& between = {}) const;
  // The progress measures alone, block by block (no snapshot); `logits` as in
  // compute_progress_measures (the trainer has them from its own passes).
  ProgressMeasures measures(const CheckpointWeights& w, const std::optional<std::vector<int>>& keys,
                            const std::vector<float>* logits = nullptr) const;
  // Every stage; `key_selection` names how `keys` was chosen. Throws AnalysisCancelled between
  // stages once `*cancel` is set.
  CheckpointAnalysis analyze(int epoch, const CheckpointWeights& w, const std::optional<std::vector<int>>& keys,
                             const std::string& key_selection, const std::atomic<bool>* cancel = nullptr) const;

 private:
  Config cfg_;
  Task task_;
  Dataset data_;
  std::unique_ptr<FourierBasis> basis_;
};

}  // namespace grok
