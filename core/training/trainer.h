// Full-batch training of the paper's transformer into a run file. No torch type in this header:
// the CLI, the GUI's worker thread and the tests all drive training through it.
//
//   auto t = Trainer::start(cfg, "run.grok", /*overwrite=*/false, {/*threads=*/kAutoThreads});
//   std::atomic<bool> stop{false};
//   t.run(stop, {.on_progress = [](const TrainProgress& p) { ... }});
//
// Epoch convention (reference code): the metrics of epoch e are computed on the weights after e
// updates, the loss that update e+1 then differentiates; epoch 0 is the initial model. A run of
// `epochs` E takes E updates and logs epochs 0..E. The checkpoint "at epoch e" holds those weights.
//
// One epoch is one TrainStep (training/internal/train_step.h), the update the benchmark times. Every
// test_interval epochs it also records the epoch's numerics (records.h NumericsRecord), committed
// with the next checkpoint.
//
// Threading: a Trainer is used from one thread (run() blocks that thread); `stop` may be set from
// any thread or a signal handler. Callbacks run on the training thread, between epochs. start()
// and resume() set that thread's intra-op thread count (set_intra_op_threads) and nothing else of
// the process: the process set-up (runtime/process_setup.h) has done that.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/base/config.h"
#include "core/store/run_store.h"

namespace grok {

// Intra-op threads chosen when the run starts from what the machine has free (runtime/machine_load.h).
constexpr int kAutoThreads = 0;

struct TrainOptions {
  // Intra-op threads (LibTorch and BLAS) of the training thread; results are bit-identical per count.
  // kAutoThreads: start() takes the CPUs other processes leave free (at most kIntraOpThreads,
  // measured over 0.5 s), resume() the count the run file records. The run file records the count used.
  int threads = kAutoThreads;
};

struct TrainProgress {
  int epoch = 0;  // epoch just computed
  int target_epochs = 0;
  EpochMetrics metrics;    // this epoch's (test fields NaN unless evaluated)
  EpochMetrics last_test;  // newest epoch with test metrics
  double epochs_per_second = 0;
  int last_checkpoint = -1;     // newest committed checkpoint epoch
  bool checkpoint_now = false;  // this epoch's checkpoint was just committed
  // With checkpoint_now: the progress measures committed with it and what computing them cost.
  std::optional<MeasureRecord> measures;
  double measures_ms = 0;
  // Numerics completed since the previous report (those of an earlier epoch: they need its update).
  std::optional<NumericsRecord> numerics;
};

struct TrainCallbacks {
  std::function<void(const TrainProgress&)> on_progress;  // every epoch; keep it cheap
};

class Trainer {
 public:
  // Creates the run file (refusing an existing one unless overwrite) and initialises the model.
  static Trainer start(const Config& cfg, const std::string& path, bool overwrite, const TrainOptions& opt = {});
  // Continues a run file from its newest checkpoint; `epochs` raises (or sets) the target.
  static Trainer resume(const std::string& path, std::optional<int> epochs, const TrainOptions& opt = {});
  // A new run at `path` starting from checkpoint `epoch` of the run at `parent`, with `changes`
  // ("key=value", as --set) applied to the parent's config; its first checkpoint, committed here,
  // holds the parent's weights exactly and its epochs continue the parent's axis. The optimizer
  // state (AdamW moments, Grokfast filter) is the parent's when `epoch` is its newest checkpoint, else
  // fresh; meta records "parent", "parent_epoch" and "optimizer_state" (parent or fresh).
  // stop_after_grok is reset to 0 unless changed; threads default to the parent's count.
  // Throws ConfigError naming a field that would change the model, the task or the split, an epoch
  // that is not a checkpoint, or a target `epochs` not after it; RunFileError for the files.
  static Trainer fork(const std::string& parent, int epoch, const std::vector<std::string>& changes,
                      const std::string& path, bool overwrite, const TrainOptions& opt = {});

  Trainer(Trainer&&) noexcept;
  Trainer& operator=(Trainer&&) noexcept;
  ~Trainer();

  // Trains until the target epoch or until `stop` is set; either way the epoch reached is committed
  // as a checkpoint before returning. Throws RunFileError if a commit fails (earlier checkpoints stay).
  void run(const std::atomic<bool>& stop, const TrainCallbacks& cb = {});

  int epoch() const;    // next epoch to compute
  int threads() const;  // intra-op threads this run trains with
  int target_epochs() const;
  // The target epoch's checkpoint is committed, or with stop_after_grok the checkpoint that many
  // epochs after the first at >= 99 % test accuracy (then meta "stopped_early_at" holds its epoch).
  bool finished() const;
  int grok_epoch() const;  // first evaluated epoch at >= 99 % test accuracy, -1 if none yet
  const Config& config() const;
  const std::string& path() const;
  // Lets tests and quotas cap the file's size (see RunStore::limit_file_size).
  void limit_file_size(std::int64_t bytes);

 private:
  struct Impl;
  explicit Trainer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The config of a fork at `epoch` (see Trainer::fork), checked without touching any file: the GUI's
// fork dialog and the CLI ask it first. Throws ConfigError as fork does.
Config fork_config(const Config& parent, int epoch, const std::vector<std::string>& changes);
// The config fields a fork keeps from its parent: the task (operation, p), the model's shape, the
// split (seed) and what acts only on the initial weights (init_scale). The fork dialog disables them.
const std::vector<std::string>& fork_kept_fields();

// The version of the training step's arithmetic. A run's bits are fixed by its config, its thread
// count and this number: a change that keeps every result but rounds differently (a fused kernel
// summing in another order) raises it, re-baselines tests/test_golden_training in the same
// commit, and leaves older runs readable and resumable. A run file records the version that made
// it (meta "kernel_version"; absent: 1), and a resume under another one says from which epoch on
// (meta "kernel_version_history", shown by `info`), like the thread count.
//   1  until 2026-12-06
//   2  the last layer's MLP, direct path and logits as one fused mix (table_mix_logits), and the
//      float64 cross-entropy with one fused backward pass (cross_entropy64): every softmax64 run
//      of any family, and every one-layer transformer without dropout
//   3  a layer after the first projects the queries from the attending position's rows alone
//      (transformers of two layers or more)
//   4  the table mix's backward sums the shared rows' gradients ('=' and its base row) in its first
//      pass over the gradient, in row order (table_mix.cpp); the tables are made by per-(stream,
//      head) products on one thread each (table_mix_tables); the attention pattern is one kernel
//      (attention_pattern.h); the small weight products' backward runs its two GEMMs side by side
//      (paired_mm.h): every transformer. AdamW's fused update keeps LibTorch's bits.
//   5  the table mix folds the '=' token's stream into the other streams and the base (alpha sums
//      to a constant over the positions: transformer.cpp, Mixed::folded): every transformer
//   6  Gromov's MLP gathers its first layer's columns as rows of fc1's transpose, so its hidden
//      layer is row-major and its products run the other way round (mlp_families.cpp):
//      quadratic-mlp runs (the label-noise preset) with OpenBLAS's Haswell kernels; its SkylakeX
//      kernels give the same bits as before
//   7  Chughtai's MLP makes its first layer from per-token tables, W_x W[:D] and W_y W[D:], and
//      adds two rows a pair instead of multiplying the concatenated embeddings (mlp_families.cpp):
//      mlp runs (the mlp preset)
//   8  a one-layer transformer's weight products (values, W W_O, W_out^T W_U, the tables, the '='
//      query) are one operation with a hand-written backward, its independent GEMMs side by side
//      on one thread each, and the scores are X (W_K^T q) without the keys (one_layer_operands.h):
//      every one-layer transformer, its training and (dropout preset included) its evaluation
//   9  a per-pair query's attention (the layers after the first) scores W_K^T q against the
//      residual streams and maps the mixed residual by W_V (pair_heads.h), not K and V at every
//      position; the last layer's MLP and logits are one fused operation from its per-pair
//      residual (dense_logits), and a first-layer position that feeds a later layer writes its
//      next residual with the same fused mix (W_U the identity); the first layer's position 1
//      scores every key row against every query row (a [V * V, H] table) instead of per pair:
//      models of two layers or more
//  10  the test loss of a softmax64 run is the training step's fused float64 cross-entropy
//      (cross_entropy64, via run_loss), not ATen's log_softmax chain: the recorded test loss moves
//      in its last bits (~1e-15 relative); the training itself is unchanged: every softmax64 run
constexpr int kKernelVersion = 10;

// What every new run file's meta records of where it was made (app and LibTorch versions, BLAS,
// intra-op threads, kernel version): training, forks and imports alike.
std::map<std::string, std::string> new_run_meta(int threads);

}  // namespace grok
