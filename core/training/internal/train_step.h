// One training update, the only one: the trainer, the benchmark and the tests all run it, so that
// what `grokking-cli bench` times and what the tests check is what training does.
//
// An epoch is two halves because the trainer logs between them (trainer.h's epoch convention):
//   forward(e): the training split through W_e (dropout masks drawn from (seed, e) alone, so that a
//               resumed run draws the same ones), the run's loss (config `loss`, float64 softmax by
//               default) and the accuracy: the metrics of epoch e, and the loss the next update
//               differentiates;
//   update():   the regulariser's penalty (L1) added to that loss, backward, the recipes the config
//               switches on (recipes.h: Grokfast filter, then ⊥Grad), one AdamW step with the
//               config's lr, betas, eps, weight decay and warm-up, then the norm constraint:
//               W_e -> W_{e+1}.
// forward(e, /*numerics=*/true) also records epoch e's numerics (step_numerics.h), completed by
// the update and handed over by take_numerics().
//
//   TrainStep step(cfg, init_weights(cfg), make_batch(make_dataset(cfg).train));
//   for (int e = 0; e < E; e++) step.run(e);          // W_E, bit for bit the trainer's epoch E
//
// Shapes: N = training pairs, V = p+1 outputs. Results are bit-identical for the same config, seed and
// intra-op thread count of the calling thread (process_setup.h sets flush-to-zero for every thread).
//
// Threading: one thread; it runs LibTorch's intra-op work on that thread's OpenMP pool.
#pragma once

#include <ATen/ATen.h>

#include "core/base/config.h"
#include "core/base/records.h"
#include "core/model/internal/model_family_impl.h"
#include "core/model/internal/weights.h"
#include "core/training/internal/adamw.h"
#include "core/training/internal/recipes.h"

#include <limits>
#include <optional>

namespace grok {

// The optimiser of a run: lr, betas, eps, the regulariser's weight decay, warm-up.
AdamWOptions adamw_options(const Config& c);

struct StepForward {
  at::Tensor logits;      // [N, V], with the autograd graph
  at::Tensor loss;        // scalar: the run's mean loss (float64, float32 for softmax32), without the penalty
  double loss_value = 0;  // loss.item()
  double accuracy = 0;    // fraction of the N pairs whose argmax over the p real outputs is right
  // With label noise (else NaN): accuracy against the true labels, and on the corrupted pairs
  // against their given and their true labels.
  double accuracy_true = std::numeric_limits<double>::quiet_NaN();
  double corrupted_accuracy = std::numeric_limits<double>::quiet_NaN();
  double corrupted_accuracy_true = std::numeric_limits<double>::quiet_NaN();
};

class TrainStep {
 public:
  // The fast forward trains; the plain all-positions forward is there for the benchmark's
  // comparison (the two agree to float rounding, tests/test_model.cpp).
  enum class Path { fast, plain };

  // Takes the weights (they get requires_grad) and a fresh optimiser state.
  TrainStep(const Config& cfg, Weights w, Batch train, Path path = Path::fast);

  const StepForward& forward(int epoch, bool numerics = false);
  // Needs the forward of this epoch; consumes it.
  void update();
  // The numerics of the last forward asked for them, once its update ran; then empty again.
  std::optional<NumericsRecord> take_numerics();

  // What resume needs beyond the weights and the optimizer's step count: AdamW's moments, the
  // Grokfast filter's state and the norm constraint's target ("norm_constraint.target").
  std::vector<NamedArray> state() const;
  // Throws std::runtime_error naming what is missing; a missing filter state starts a fresh filter
  // (a run forked with the filter newly on), a missing target keeps the one of the weights given.
  void load_state(const std::vector<NamedArray>& arrays, long optimizer_steps);
  // With norm_constraint global, the global norm every update returns to (else 0).
  double norm_target() const { return norm_target_; }
  void run(int epoch) {
    forward(epoch);
    update();
  }

  Weights& weights() { return w_; }
  const Weights& weights() const { return w_; }
  AdamW& optimizer() { return opt_; }
  const AdamW& optimizer() const { return opt_; }
  const Batch& batch() const { return train_; }

 private:
  const Config cfg_;
  Weights w_;
  AdamW opt_;
  Batch train_;
  Path path_;
  GradFilterState filter_;
  double norm_target_ = 0;
  std::int64_t n_;  // the task's outputs (Task::p()): what accuracy and mse read of the logits
  StepForward f_;
  std::optional<NumericsRecord> numerics_;
  bool numerics_done_ = false;
};

}  // namespace grok
