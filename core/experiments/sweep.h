// A sweep: many runs of one experiment, as a folder a user can open with any tool.
//
// Why: grokking is studied by comparison (weight decay on and off, training fractions, seeds, a
// recipe against its baseline), and a comparison is only as good as the runs it compares: same
// settings but the varied ones, every run complete, nothing that lives only in memory. The spec
// says what varies; the folder holds every run's config before anything trains, so a sweep
// survives Ctrl-C, crashes and a cluster's preemption, and `sweep run` / `sweep task` pick up
// where they stopped.
//
// The spec (JSON): a base config, then what varies.
//   {"base": {"preset": "mainline", "set": {"epochs": 15000, "stop_after_grok": 2000}},
//    "grid": {"train_fraction": [0.3, 0.4, 0.5, 0.6, 0.7]},     // product over fields
//    "zip": [{"lr": [1e-3, 3e-3], "weight_decay": [1, 0.3]}],  // fields varied together
//    "seeds": [0, 1]}
// base: "preset" NAME or "config" FILE (relative to the spec's folder), plus "set" overrides.
// Runs are the product of the grid fields (in the spec's order), then each zip group, then the
// seeds, the last varying fastest: run 0 is every first value. The same spec gives the same
// indices (tests/test_sweep.cpp).
//
// The folder:
//   DIR/spec.json        the spec as given (the base config file's content is in the manifest)
//   DIR/manifest.json    {"format": "grokking-lab sweep", "version": 1, "varied": [fields...],
//                         "runs": [{"index": 0, "file": "runs/run-000.grok",
//                                   "varied": {"train_fraction": 0.3, "seed": 0}, "config": {...}}]}
//   DIR/runs/run-000.grok   the run file (docs/run-format.md), created when the run starts
//   DIR/runs/run-000.lock   held (an OFD lock) by whichever process trains the run
//   DIR/runs/run-000.error  the last failure's one-line message, until the run is started again
//
//   SweepSpec spec = parse_sweep_spec(text, "specs/");   // throws ConfigError naming the field
//   Sweep s = Sweep::create(spec, "fractions");          // or Sweep::open("fractions")
//   for (const SweepRun& r : s.runs()) std::cout << r.index << " " << s.state(r.index).state_name() << "\n";
//
// Threading: a Sweep is read-only after create/open; its methods may be called from any thread.
// state() opens the run file read-only (WAL: while another process trains it).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/base/config.h"
#include "core/store/run_lock.h"

namespace grok {

// One run of a sweep: its place, what is varied (field -> value as JSON text), its whole config.
struct SweepRun {
  int index = 0;
  std::vector<std::pair<std::string, std::string>> varied;  // in the manifest's `varied` order
  Config config;
  std::string file;  // relative to the sweep folder: "runs/run-000.grok"
};

struct SweepSpec {
  std::string text;                 // as given, written to DIR/spec.json
  std::vector<std::string> varied;  // the varied fields, seed last if seeds are given
  std::vector<SweepRun> runs;       // every run, configs validated
};

// Parses and expands a spec; every run's config is validated. Throws ConfigError with one line
// naming the problem ("grid.lr: empty list", "run 7 (p=9, seed=0): p: ...", "spec: unknown key ...").
// `base_dir`: where a base "config" file is looked up.
SweepSpec parse_sweep_spec(const std::string& text, const std::string& base_dir);
SweepSpec read_sweep_spec_file(const std::string& path);  // parse_sweep_spec of the file's text

enum class RunState { Pending, Running, Complete, Failed };
const char* to_string(RunState s);  // "pending", "running", "complete", "failed"

// A run's state on disk, as `sweep status` shows it.
struct SweepRunStatus {
  RunState state = RunState::Pending;
  int epoch = -1;          // newest checkpoint (-1: not started)
  double test_acc = -1;    // newest evaluated test accuracy (-1: none)
  int grok_epoch = -1;     // first epoch at >= 99 % test accuracy (-1: not reached)
  int stopped_early = -1;  // epoch stop_after_grok ended the run at (-1: not)
  std::string error;       // Failed: the message
};

class Sweep {
 public:
  // Creates DIR with its spec, manifest and runs/ folder. An existing DIR is refused (ConfigError)
  // unless it holds a sweep with the same runs; then nothing is written and `*created` is false.
  static Sweep create(const SweepSpec& spec, const std::string& dir, bool* created = nullptr);
  // Opens a sweep folder; throws ConfigError("DIR: not a sweep folder (no manifest.json)") etc.
  static Sweep open(const std::string& dir);
  // A folder with a manifest.json: what File > Open tells a sweep from a run file by.
  static bool is_sweep_folder(const std::string& path);

  const std::string& dir() const { return dir_; }
  const std::vector<std::string>& varied() const { return varied_; }
  const std::vector<SweepRun>& runs() const { return runs_; }
  std::string run_path(int index) const;    // DIR/runs/run-000.grok
  std::string lock_path(int index) const;   // DIR/runs/run-000.lock
  std::string error_path(int index) const;  // DIR/runs/run-000.error

  SweepRunStatus status(int index) const;
  bool complete(int index) const;  // status(index).state == Complete, without reading metrics

 private:
  std::string dir_;
  std::vector<std::string> varied_;
  std::vector<SweepRun> runs_;
};

// "train_fraction=0.3 seed=0": a run's varied fields as tables and messages write them.
std::string describe_varied(const SweepRun& r);

// "" when a run file's stored config is the manifest's; else one line naming the fields that differ.
std::string config_mismatch(const Config& manifest, const Config& file);

}  // namespace grok
