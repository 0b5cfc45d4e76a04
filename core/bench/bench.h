// `grokking-cli bench`: how fast a training step and a test evaluation run on this machine,
// against a plain GEMM of the model's shapes measured in the same process as the ceiling. The
// training step is the trainer's own (TrainStep: the run's optimiser, warm-up, regulariser), on
// the thread count a run starting now would take, so the figures are what training runs.
//
//   const BenchResult alone = run_benchmark(cfg, kAutoThreads, 30, {}, "", /*throughput_only=*/true);
//   BusyProcesses busy(1);  // busy_processes.h
//   const BenchResult beside = run_benchmark(cfg, kAutoThreads, 30, {}, "", true);
//   std::printf("%s", format_throughput_under_load(alone, beside, 1).c_str());
//
// Threading: runs on the calling thread and sets that thread's intra-op thread count only.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/base/config.h"
#include "core/base/tensor_blob.h"

namespace grok {

struct BenchResult {
  int threads = 0;
  std::string threads_chosen_by;  // the load that chose the count ("" if the caller gave it)
  std::string blas, torch;
  int n_train = 0, n_test = 0, repeats = 0;
  int test_interval = 1;
  double train_step_ms = 0;  // fast path: forward + float64 loss + backward + AdamW, median
  double test_eval_ms = 0;   // fast path forward + loss + accuracy over the test split, median
  double plain_step_ms = 0;  // all-positions forward + backward + AdamW on the same weights, median
  double train_step_gflops = 0, test_eval_gflops = 0, plain_step_gflops = 0;
  double gemm_gflops = 0;                 // the family's dominant product's shapes, median
  std::array<std::int64_t, 3> gemm = {};  // its [rows x inner] x [inner x cols]
  double train_step_floor_ms = 0;         // train-step FLOPs at the GEMM rate
  // A step every epoch and a test evaluation every test_interval epochs, checkpoints left out:
  // the rate the GUI's training is held to (`grokking --bench-training`).
  double epochs_per_second = 0;
  // The weights after the timed training steps (warm-up included) from the initial weights: the
  // trainer's at epoch steps_trained, bit for bit (tests/test_training.cpp checks it).
  int steps_trained = 0;
  std::vector<NamedArray> trained_weights;

  // Analysis (issue 3), medians, on the given checkpoint or the initial weights.
  std::string analysis_weights;    // "initial weights" or "run.grok epoch 40000"
  std::string analysis_undefined;  // why there is none: the task is not a group's composition
  double snapshot_spectra_ms = 0, snapshot_forward_ms = 0, snapshot_measures_ms = 0, snapshot_neurons_ms = 0;
  double snapshot_ms = 0;           // everything the views show for a checkpoint (SnapshotScope::views)
  double snapshot_all_ms = 0;       // the same with every progress measure (SnapshotScope::all, `analyze`)
  double checks_ms = 0;             // the Section 4.4 table (item 7)
  double training_measures_ms = 0;  // what the trainer adds to each checkpoint commit
  // What recording an epoch's numerics (step_numerics.h) adds to its step: the medians of steps
  // with and without, interleaved; the trainer records them every test_interval epochs.
  double numerics_ms = 0;
  double numerics_share = 0;        // numerics_ms / test_interval over the time of an epoch
  double training_interval_ms = 0;  // training time between checkpoints at the step/eval rates above
};

// `threads`: intra-op threads, or 0 (kAutoThreads in trainer.h) for those the machine has free now.
// `checkpoint`: weights the analysis timings use (a trained model's); empty = the initial weights.
// `throughput_only`: the training step and test evaluation alone (for `grokking --bench-training`).
BenchResult run_benchmark(const Config& cfg, int threads, int repeats, const std::vector<NamedArray>& checkpoint = {},
                          const std::string& checkpoint_label = "", bool throughput_only = false);
std::string format_benchmark(const BenchResult& r);
// Two throughput-only results side by side: alone and beside `busy` busy processes, with the ratio.
std::string format_throughput_under_load(const BenchResult& alone, const BenchResult& beside, int busy);

}  // namespace grok
