// Trains a sweep's runs on this machine, N at a time: what `grokking-cli sweep run` and the
// window's Compare view start, and (one run) what a Slurm task runs.
//
// Why threads and not processes: a run's training is one Trainer on one thread whose intra-op
// thread count is its own (runtime/compute_thread.h), so N runs at one thread each fill N cores
// with no pool contention, and the window can run a sweep the same way without a helper binary.
// Each run is locked (sweep.h's RunLock) while it trains, so a second runner, a Slurm task or a
// window never trains the same run; a locked run is skipped.
//
// Jobs and threads: by default as many runs at once as the machine has cores, one intra-op
// thread each (measured fastest on 2 cores: docs/performance.md, "Sweeps"); a single remaining
// run, or --jobs 1, gets every core. A run's thread count is recorded in its file as always.
//
//   std::atomic<bool> stop{false};  // set by Ctrl-C: every run commits a checkpoint and returns
//   SweepResult r = run_sweep(Sweep::open("fractions"), {.jobs = 2}, stop,
//                             {.on_progress = [](const SweepProgress& p) { ... }});
//
// Threading: run_sweep blocks its caller until every run has ended or stopped; callbacks are
// called from the caller's thread (on_progress, about twice a second) and from the runs' threads
// (on_event), one at a time (a mutex serialises them). `stop` may be set from any thread.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "core/experiments/sweep.h"

namespace grok {

struct SweepRunOptions {
  int jobs = 0;           // runs at once; 0: the machine's cores (at most the runs left)
  int threads = 0;        // intra-op threads per run; 0: cores / jobs, at least 1
  std::vector<int> only;  // indices to train (empty: every incomplete run)
};

// The sweep as a whole, for a progress line.
struct SweepProgress {
  int total = 0;                 // runs in the sweep
  int complete = 0;              // complete now (including those complete before this runner started)
  int failed = 0;                // failed in this runner
  int running = 0;               // training now
  long long epochs_done = 0;     // epochs trained by this runner
  long long epochs_left = 0;     // epochs the incomplete runs have left at most (early stops end sooner)
  double epochs_per_second = 0;  // this runner's, over the last few seconds, all runs together
  double eta_seconds = -1;       // epochs_left / epochs_per_second (-1: not known yet); an upper
                                 // bound where stop_after_grok may end runs early
  int jobs = 0, threads = 0;     // what the runner chose
};

struct SweepEvent {
  enum Kind { Started, Completed, Stopped, Failed, Skipped } kind;
  int index = 0;
  std::string message;  // Failed: the error; Skipped: why; Started: "epoch E of N, T threads"
};

struct SweepCallbacks {
  std::function<void(const SweepProgress&)> on_progress;
  std::function<void(const SweepEvent&)> on_event;
};

struct SweepResult {
  int complete = 0, failed = 0, skipped = 0, stopped = 0, total = 0;
  bool all_complete() const { return complete == total; }
};

SweepResult run_sweep(const Sweep& sweep, const SweepRunOptions& opt, const std::atomic<bool>& stop,
                      const SweepCallbacks& cb = {});

// One run (start or resume) with `threads` intra-op threads, on the calling thread: what run_sweep's
// workers and `sweep task` do. Takes the run's lock (returns Skipped if another process holds it),
// clears an old error, writes DIR/runs/run-NNN.error on failure. `on_epoch` gets every epoch.
SweepEvent train_sweep_run(const Sweep& sweep, int index, int threads, const std::atomic<bool>& stop,
                           const std::function<void(int epoch, int target)>& on_epoch = {},
                           const std::function<void(const SweepEvent&)>& on_started = {});

}  // namespace grok
