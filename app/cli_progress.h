// Terminal progress for grokking-cli: a redrawn one-line bar on a TTY, plain lines otherwise
// (one per committed checkpoint, so logs and tests can follow a run).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdio>

#include "core/training/trainer.h"

namespace grok {

class ProgressPrinter {
 public:
  explicit ProgressPrinter(std::FILE* out);
  void update(const TrainProgress& p);
  void finish();

 private:
  std::FILE* out_;
  bool tty_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_draw_{};
};

std::string format_duration(double seconds);

// A flag that SIGINT and SIGTERM (Ctrl-C, kill, Slurm's scancel and preemption) set, after which
// training commits a checkpoint and returns; a second signal kills at once. Installs the handlers.
const std::atomic<bool>& stop_on_signals();

}  // namespace grok
