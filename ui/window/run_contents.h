// What the window shows of a run file, read in one go: its config, per-epoch metrics, checkpoint
// epochs, the progress measures stored for the key set chosen and the numerics; and, while another
// process writes the run, what it added since (loadRunTail).
//
//   RunContents r = loadRunContents("run.grok", std::nullopt);  // live key sets
//   bool lacking = r.measures.size() < r.checkpoints.size();    // an older run: fill them in
//   RunTail t = loadRunTail("run.grok", std::nullopt, shown);   // the epochs after `shown`
//
// Threading: any thread (it opens its own connection to the run file).
#pragma once

#include <QString>
#include <optional>
#include <string>
#include <vector>

#include "core/base/config.h"
#include "core/base/records.h"

namespace grok {

struct RunContents {
  std::string identity;  // which run the file holds (runIdentity): a run made anew over the path differs
  Config cfg;
  std::vector<EpochMetrics> metrics;
  std::vector<int> checkpoints;
  std::vector<MeasureRecord> measures;   // of the key set asked for, by epoch
  std::vector<NumericsRecord> numerics;  // by epoch; none in a file older than format 3
};

// `keys`: nullopt for each checkpoint's own (live) set, else the measures of that typed set only.
// Throws RunFileError with one line on any problem with the file.
RunContents loadRunContents(const QString& path, const std::optional<std::vector<int>>& keys);

// What the window shows of a run, to read only what is new when another process writes it.
struct RunShown {
  std::string identity;             // RunContents::identity of the run shown; "" if not known (read then)
  int metrics = -1, numerics = -1;  // the newest epochs shown (-1: none)
  std::vector<int> checkpoints;     // ascending
};
RunShown shownOf(const RunContents& r);

// What a run file holds beyond `shown`, as another process (grokking-cli train, a Slurm job, a
// sweep) commits it: the window adds it as live training adds its own.
struct RunTail {
  bool replaced = false;  // another run is at the path, or a checkpoint or epoch shown is gone: read it anew
  bool held = false;      // another process holds the run's lock: it trains or writes it
  std::string identity;   // the run's (RunContents::identity)
  std::vector<EpochMetrics> metrics;     // epochs after shown.metrics
  std::vector<int> checkpoints;          // after the newest shown
  std::vector<MeasureRecord> measures;   // of those checkpoints, of the key set asked for, by epoch
  std::vector<NumericsRecord> numerics;  // epochs after shown.numerics
};

// Throws RunFileError with one line on any problem with the file.
RunTail loadRunTail(const QString& path, const std::optional<std::vector<int>>& keys, const RunShown& shown);
// `r` with `t` (not replaced) added: what was read before and what is new, as one read would give it.
void appendTail(RunContents& r, RunTail t);

}  // namespace grok
