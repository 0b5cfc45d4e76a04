// What a run will need of the machine (memory to train and analyse it, disk for its file), and the
// check that refuses a config this machine cannot hold before anything is written.
//
// Why: every size is a config field, so a typo (p = 1021 with d_mlp = 4096, checkpoint_interval = 1
// over ten million epochs) used to start a run that filled the memory or the disk hours later, and
// a sweep of 10 000 long runs can need terabytes. Estimates, from the model family's parameters,
// the task's pairs and the analysis's all-pairs forward (analysis_memory.h), within a factor of
// about two; refusals name what is needed and what is free.
//
//   RunNeeds n = run_needs(cfg);                // n.memory_bytes, n.disk_bytes
//   check_run_fits(cfg, "runs/new.grok");        // throws RunTooLarge (a ConfigError: exit 2)
//   std::string warn = check_sweep_fits(configs, "sweeps/big");  // throws for the disk; warns of memory
//
// Threading: functions of their arguments (they read /proc/meminfo and statvfs).
#pragma once

#include <string>
#include <vector>

#include "core/base/config.h"

namespace grok {

struct RunTooLarge : ConfigError {
  using ConfigError::ConfigError;
};

struct RunNeeds {
  double memory_bytes = 0;  // training: weights, gradients, AdamW's moments, activations
  double disk_bytes = 0;    // the run file: every checkpoint, the resume state, metrics and measures
};

RunNeeds run_needs(const Config& cfg);

// Memory this machine has available now (MemAvailable) and in all; free disk under `folder`.
struct MachineRoom {
  double memory_available = 0, memory_total = 0, disk_free = 0;
};
MachineRoom machine_room(const std::string& folder);

// Throws RunTooLarge when the run at `out_path` needs more memory than is available or more disk
// than is free where it goes.
void check_run_fits(const Config& cfg, const std::string& out_path);

// A sweep's runs in folder `dir` (which may not exist yet): throws RunTooLarge when their files
// together need more disk than is free there; returns a warning line when its largest run needs
// more memory than this machine has (it may train elsewhere: a Slurm cluster), else "".
std::string check_sweep_fits(const std::vector<Config>& runs, const std::string& dir);

}  // namespace grok
