// The checkpoint analyzer (checkpoint_analyzer.h) on a run file: analyse one stored checkpoint,
// fill in the measures of every checkpoint, and commit a new checkpoint with its measures. The
// trainer, forks and the importer write checkpoints through commit_checkpoint only, so every
// run file's measures come from the same stage.
//
//   const RunStore store = RunStore::open("run.grok");
//   CheckpointAnalysis a = analyze_checkpoint(store, store.checkpoint_epochs().back(), KeySelection::live());
#pragma once

#include <atomic>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "core/analysis/checkpoint_analyzer.h"
#include "core/base/key_selection.h"
#include "core/store/run_store.h"

namespace grok {

// Computes and stores the progress measures of every checkpoint that has none for this selection
// (the key set of a "final" or given selection is fixed for the whole run). Calls `progress(done,
// total)` after each checkpoint. Stops before the next checkpoint once `*cancel` is set (any
// thread), keeping what it computed. Returns the number of checkpoints computed.
int fill_missing_measures(RunStore& store, const KeySelection& keys,
                          const std::function<void(int done, int total)>& progress = {},
                          const std::atomic<bool>* cancel = nullptr);

// Throws RunFileError for a missing checkpoint or a damaged file.
CheckpointAnalysis analyze_checkpoint(const RunStore& store, int epoch, const KeySelection& keys);

// Holds every stored checkpoint to the run's model family (names, dtypes, shapes: model_family.h's
// checkpoint_mismatch) without reading their data; throws RunFileError(Damaged) naming the first
// checkpoint and tensor that differ. What `grokking-cli info` asks of a file.
void verify_checkpoints(const RunStore& store);

// Commits checkpoint `epoch` (its weights, the metrics since the last checkpoint, the optimizer
// state, the numerics since then) with its live progress measures, in one transaction, and
// returns the measures. `logits`: the checkpoint's all-pair logits when the caller has them
// (compute_progress_measures); `measures_ms`, if given, receives what computing the measures took.
// Throws RunFileError if the commit fails.
MeasureRecord commit_checkpoint(RunStore& store, const CheckpointAnalyzer& analyzer, int epoch,
                                const CheckpointWeights& weights, const std::vector<EpochMetrics>& metrics,
                                const ResumeState& resume, const std::vector<NumericsRecord>& numerics = {},
                                const std::vector<float>* logits = nullptr, double* measures_ms = nullptr);
nlohmann::json to_json(const CheckpointAnalysis& a);

}  // namespace grok
