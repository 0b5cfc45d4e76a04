#include "core/bench/bench.h"
#include "core/base/task.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <vector>

#include "core/analysis/checkpoint_analyzer.h"
#include "core/data/dataset.h"
#include "core/model/internal/model_family_impl.h"
#include "core/runtime/compute_thread.h"
#include "core/runtime/machine_load.h"
#include "core/runtime/system_info.h"
#include "core/training/internal/recipes.h"
#include "core/training/internal/train_step.h"
#include "core/training/trainer.h"

namespace grok {
namespace {

template <typename F>
double median_ms(int repeats, F&& f) {
  for (int i = 0; i < 3; i++) f();  // warm up allocator, BLAS threads and caches
  std::vector<double> t;
  for (int i = 0; i < repeats; i++) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace

BenchResult run_benchmark(const Config& cfg, int threads, int repeats, const std::vector<NamedArray>& checkpoint,
                          const std::string& checkpoint_label, bool throughput_only) {
  BenchResult r;
  // The count a run starting now would take (Trainer), on this thread only.
  if (threads <= 0) {
    const MachineLoad load = measure_machine_load();
    threads = threads_for_load(load, kIntraOpThreads);
    r.threads_chosen_by = load.describe();
  }
  set_intra_op_threads(threads);
  r.threads = threads;
  const ModelFamilyImpl& model = model_impl(cfg);
  r.test_interval = cfg.test_interval;
  r.blas = blas_library();
  r.torch = torch_version();
  r.repeats = repeats;
  const CheckpointAnalyzer an(cfg);  // the run's dataset and basis, as training and the views build them
  const Batch train = make_batch(an.dataset().train), test = make_batch(an.dataset().test);
  r.n_train = train.size();
  r.n_test = test.size();

  // The trainer's epochs from the initial weights, one TrainStep each (warm-up steps included).
  auto trainer_step_ms = [&](TrainStep::Path path) {
    TrainStep step(cfg, init_weights(cfg), train, path);
    int epoch = 0;
    const double ms = median_ms(repeats, [&] { step.run(epoch++); });
    if (path == TrainStep::Path::fast) {
      r.steps_trained = epoch;
      r.trained_weights = to_named_arrays(step.weights());
    }
    return ms;
  };
  r.train_step_ms = trainer_step_ms(TrainStep::Path::fast);
  {
    const Weights w = init_weights(cfg);
    r.test_eval_ms = median_ms(repeats, [&] {
      at::NoGradGuard g;
      const at::Tensor logits = model_forward(cfg, w, test);
      (void)run_loss(logits, test.labels, cfg.loss, Task(cfg).p()).item<double>();  // as the trainer
      (void)count_correct(logits, test.labels, Task(cfg).p());
    });
  }
  r.epochs_per_second = 1000.0 / (r.train_step_ms + r.test_eval_ms / cfg.test_interval);
  if (throughput_only) return r;
  r.plain_step_ms = trainer_step_ms(TrainStep::Path::plain);
  {
    // Alternating steps with and without numerics, so that both medians see the same machine.
    TrainStep step(cfg, init_weights(cfg), train);
    int epoch = 0;
    for (int i = 0; i < 3; i++) step.run(epoch++);  // warm up, as median_ms does
    std::vector<double> t[2];
    for (int i = 0; i < 2 * repeats; i++) {
      const bool with = i % 2 == 1;
      const auto t0 = std::chrono::steady_clock::now();
      step.forward(epoch++, with);
      step.update();
      (void)step.take_numerics();
      t[with].push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    for (auto& v : t) std::sort(v.begin(), v.end());
    r.numerics_ms = t[1][t[1].size() / 2] - t[0][t[0].size() / 2];
    r.numerics_share = r.numerics_ms / cfg.test_interval * r.epochs_per_second / 1000.0;
  }
  {
    const ModelFamilyImpl::GemmShape g = model.dominant_gemm(cfg, r.n_train);
    r.gemm = {g.rows, g.inner, g.cols};
    const at::Tensor A = at::randn({g.rows, g.inner}), B = at::randn({g.inner, g.cols});
    at::Tensor C = at::empty({g.rows, g.cols});
    const double ms = median_ms(std::max(repeats, 20), [&] { at::mm_out(C, A, B); });
    r.gemm_gflops = 2.0 * g.rows * g.inner * g.cols / (ms * 1e6);
  }
  // Backward repeats each product twice (input and weight gradients; d_alpha and d_table).
  const double train_flops = 3 * model.forward_flops(cfg, r.n_train).fast;
  r.train_step_gflops = train_flops / (r.train_step_ms * 1e6);
  r.test_eval_gflops = model.forward_flops(cfg, r.n_test).fast / (r.test_eval_ms * 1e6);
  r.plain_step_gflops = 3 * model.forward_flops(cfg, r.n_train).reference / (r.plain_step_ms * 1e6);
  r.train_step_floor_ms = train_flops / (r.gemm_gflops * 1e6);

  // A task without a group's structure (Power's polynomials, S5-conj ...) has no views to time:
  // its training figures alone.
  if (const Task task(cfg); !task.has_group()) {
    r.analysis_undefined = task.group_reason();
    return r;
  }
  // Analysis on a trained checkpoint if given: its sparse spectra and confident logits are what
  // the views see; the cost hardly depends on the values.
  const std::vector<NamedArray> ck = checkpoint.empty() ? to_named_arrays(init_weights(cfg)) : checkpoint;
  r.analysis_weights = checkpoint.empty() ? "initial weights" : checkpoint_label;
  // Each repeat converts the checkpoint afresh, as a scrub to a new checkpoint does.
  std::vector<Snapshot> snaps;
  r.snapshot_ms =
      median_ms(repeats, [&] { snaps.push_back(an.snapshot(0, an.weights(ck), std::nullopt, SnapshotScope::views)); });
  r.snapshot_all_ms = median_ms(std::max(3, repeats / 4),
                                [&] { (void)an.snapshot(0, an.weights(ck), std::nullopt, SnapshotScope::all); });
  auto stage_median = [&](double SnapshotTimings::*field) {
    std::vector<double> v;
    for (const auto& s : snaps) v.push_back(s.ms.*field);
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  r.snapshot_spectra_ms = stage_median(&SnapshotTimings::spectra);
  r.snapshot_forward_ms = stage_median(&SnapshotTimings::forward);
  r.snapshot_measures_ms = stage_median(&SnapshotTimings::measures);
  r.snapshot_neurons_ms = stage_median(&SnapshotTimings::neurons);
  // As the GUI and `analyze` run it: from the snapshot's forward pass, with the snapshot's weights.
  const Snapshot& s = snaps.back();
  const CheckpointWeights w = an.weights(ck);
  w.convert();
  r.checks_ms = median_ms(std::max(3, repeats / 4), [&] { (void)an.checks(w, s); });
  r.training_measures_ms = median_ms(repeats, [&] { (void)an.measures(an.weights(ck), std::nullopt); });
  r.training_interval_ms = cfg.checkpoint_interval * r.train_step_ms +
                           static_cast<double>(cfg.checkpoint_interval) / cfg.test_interval * r.test_eval_ms;
  return r;
}

std::string format_benchmark(const BenchResult& r) {
  char buf[1024];
  const std::string chosen = r.threads_chosen_by.empty() ? "" : " (" + r.threads_chosen_by + ")";
  if (r.plain_step_ms == 0) {  // throughput only
    std::snprintf(buf, sizeof buf,
                  "threads %d%s, train pairs %d, test pairs %d, median of %d runs\n"
                  "training step (fast path)   %8.2f ms\n"
                  "test evaluation (fast path) %8.2f ms\n"
                  "training throughput         %8.1f epochs/s (a step per epoch, a test evaluation every %d; "
                  "checkpoints left out)\n",
                  r.threads, chosen.c_str(), r.n_train, r.n_test, r.repeats, r.train_step_ms, r.test_eval_ms,
                  r.epochs_per_second, r.test_interval);
    return buf;
  }
  std::snprintf(buf, sizeof buf,
                "threads %d%s, LibTorch %s, BLAS %s, training kernel version %d\n"
                "train pairs %d, test pairs %d, median of %d runs\n"
                "training step (fast path)   %8.2f ms  %6.1f GFLOP/s  (floor at GEMM rate %.2f ms: %.2fx the floor)\n"
                "test evaluation (fast path) %8.2f ms  %6.1f GFLOP/s\n"
                "training step (plain path)  %8.2f ms  %6.1f GFLOP/s\n"
                "plain GEMM [%d x %d] x [%d x %d] ceiling: %.1f GFLOP/s\n"
                "training throughput         %8.1f epochs/s (a step per epoch, a test evaluation every %d; "
                "checkpoints left out)\n",
                r.threads, chosen.c_str(), r.torch.c_str(), r.blas.c_str(), kKernelVersion, r.n_train, r.n_test,
                r.repeats, r.train_step_ms, r.train_step_gflops, r.train_step_floor_ms,
                r.train_step_ms / r.train_step_floor_ms, r.test_eval_ms, r.test_eval_gflops, r.plain_step_ms,
                r.plain_step_gflops, static_cast<int>(r.gemm[0]), static_cast<int>(r.gemm[1]),
                static_cast<int>(r.gemm[1]), static_cast<int>(r.gemm[2]), r.gemm_gflops, r.epochs_per_second,
                r.test_interval);
  if (!r.analysis_undefined.empty())
    return std::string(buf) + "analysis: none to time (" + r.analysis_undefined +
           ": the views, measures and checks are not defined)\n";
  char an[1024];
  std::snprintf(an, sizeof an,
                "analysis on %s:\n"
                "snapshot for the views      %8.2f ms  (spectra %.1f, forward %.1f, logits 2D %.1f, neurons %.1f)\n"
                "Section 4.4 check table     %8.2f ms  (from the snapshot's forward pass)\n"
                "snapshot with all measures  %8.2f ms  (as `analyze` computes it)\n"
                "measures per checkpoint     %8.2f ms  = %.1f%% of the %.0f ms of training between checkpoints\n"
                "numerics of an epoch        %8.2f ms  = %.1f%% of training time (recorded every %d epochs)\n",
                r.analysis_weights.c_str(), r.snapshot_ms, r.snapshot_spectra_ms, r.snapshot_forward_ms,
                r.snapshot_measures_ms, r.snapshot_neurons_ms, r.checks_ms, r.snapshot_all_ms, r.training_measures_ms,
                100.0 * r.training_measures_ms / r.training_interval_ms, r.training_interval_ms, r.numerics_ms,
                100.0 * r.numerics_share, r.test_interval);
  return std::string(buf) + an;
}

std::string format_throughput_under_load(const BenchResult& alone, const BenchResult& beside, int busy) {
  char buf[1280];
  const std::string what = "beside " + std::to_string(busy) + " busy process" + (busy == 1 ? "" : "es");
  std::snprintf(buf, sizeof buf,
                "train pairs %d, test pairs %d, median of %d runs, BLAS %s\n"
                "%-28s %16s   %s\n"
                "%-28s %16d   %d\n"
                "%-28s %13.2f ms   %.2f ms\n"
                "%-28s %13.2f ms   %.2f ms\n"
                "%-28s %9.1f epochs/s   %.1f epochs/s  (%.0f %% of alone)\n"
                "(a step per epoch, a test evaluation every %d, checkpoints left out)\n",
                alone.n_train, alone.n_test, alone.repeats, alone.blas.c_str(), "", "alone", what.c_str(), "threads",
                alone.threads, beside.threads, "training step (fast path)", alone.train_step_ms, beside.train_step_ms,
                "test evaluation (fast path)", alone.test_eval_ms, beside.test_eval_ms, "training throughput",
                alone.epochs_per_second, beside.epochs_per_second,
                100.0 * beside.epochs_per_second / alone.epochs_per_second, alone.test_interval);
  std::string out = buf;
  if (!alone.threads_chosen_by.empty())
    out += "threads chosen as a training run chooses them: alone " + alone.threads_chosen_by + ", " + what + " " +
           beside.threads_chosen_by + "\n";
  return out;
}

}  // namespace grok
