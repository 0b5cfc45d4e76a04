#include "core/analysis/run_needs.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/analysis/analysis_memory.h"
#include "core/base/task.h"
#include "core/model/model_family.h"

namespace grok {

namespace {

double parameters(const Config& cfg) {
  double n = 0;
  for (const ParameterSpec& p : model_family(cfg).parameters(cfg)) {
    double k = 1;
    for (std::int64_t d : p.shape) k *= static_cast<double>(d);
    n += k;
  }
  return n;
}

// The nearest folder that exists (a run's or sweep's folder may be made by the run itself).
std::filesystem::path existing_folder(const std::string& path) {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::absolute(path, ec);
  while (!p.empty() && !std::filesystem::is_directory(p, ec) && p != p.parent_path()) p = p.parent_path();
  return p.empty() ? std::filesystem::path(".") : p;
}

}  // namespace

RunNeeds run_needs(const Config& cfg) {
  RunNeeds n;
  const double params = parameters(cfg), bytes = 4 * params;
  const double train_pairs = Task(cfg).n_train(cfg.train_fraction);
  const double all_pairs = std::max(1, Task(cfg).token_rows());
  // Training: weights, gradients and AdamW's two moments; the full-batch forward and backward hold
  // about three times the activations the analysis's all-pairs forward holds for the training pairs.
  const double activations = static_cast<double>(snapshot_bytes(cfg)) * train_pairs / all_pairs;
  const double training = 4 * bytes + 3 * activations;
  // (The analysis's all-pairs forward has its own limit and refusal, check_snapshot_fits: a run too
  // large to analyse here may still train here, or be analysed on a larger machine.)
  n.memory_bytes = training;
  const double checkpoints = std::floor(cfg.epochs / std::max(1, cfg.checkpoint_interval)) + 2;
  n.disk_bytes = checkpoints * (bytes + 2048)  // each checkpoint's tensors (and their rows)
                 + 2 * bytes                   // the newest checkpoint's AdamW moments
                 + 64.0 * cfg.epochs           // a metrics row an epoch
                 + checkpoints * 1024;         // measures and numerics
  return n;
}

MachineRoom machine_room(const std::string& folder) {
  MachineRoom r;
  std::ifstream meminfo("/proc/meminfo");
  for (std::string key; meminfo >> key;) {
    double kib = 0;
    meminfo >> kib;
    if (key == "MemAvailable:") r.memory_available = kib * 1024;
    if (key == "MemTotal:") r.memory_total = kib * 1024;
    meminfo.ignore(1 << 10, '\n');
  }
  struct statvfs st {};
  if (::statvfs(existing_folder(folder).c_str(), &st) == 0)
    r.disk_free = static_cast<double>(st.f_bavail) * static_cast<double>(st.f_frsize);
  return r;
}

void check_run_fits(const Config& cfg, const std::string& out_path) {
  const RunNeeds n = run_needs(cfg);
  const MachineRoom room = machine_room(out_path);
  if (room.memory_available > 0 && n.memory_bytes > room.memory_available)
    throw RunTooLarge("this run needs about " + format_bytes(n.memory_bytes) + " of memory to train (" +
                      task_size_label(cfg) + ", d_mlp=" + std::to_string(cfg.d_mlp) + "); " +
                      format_bytes(room.memory_available) + " is available");
  if (room.disk_free > 0 && n.disk_bytes > room.disk_free)
    throw RunTooLarge(out_path + ": this run will write about " + format_bytes(n.disk_bytes) + " (" +
                      std::to_string(cfg.epochs / std::max(1, cfg.checkpoint_interval) + 1) + " checkpoints); " +
                      format_bytes(room.disk_free) + " is free there (raise checkpoint_interval, or free space)");
}

std::string check_sweep_fits(const std::vector<Config>& runs, const std::string& dir) {
  double disk = 0, memory = 0;
  for (const Config& c : runs) {
    const RunNeeds n = run_needs(c);
    disk += n.disk_bytes, memory = std::max(memory, n.memory_bytes);
  }
  const MachineRoom room = machine_room(dir);
  if (room.disk_free > 0 && disk > room.disk_free)
    throw RunTooLarge(dir + ": its " + std::to_string(runs.size()) + " runs will write about " + format_bytes(disk) +
                      "; " + format_bytes(room.disk_free) +
                      " is free there (raise checkpoint_interval, or free space)");
  if (room.memory_total > 0 && memory > room.memory_total)
    return "its largest run needs about " + format_bytes(memory) + " of memory to train; this machine has " +
           format_bytes(room.memory_total) + " (train it on a larger one)";
  return {};
}

}  // namespace grok
