// What the window shows of a run file, read in one go: its config, per-epoch metrics, checkpoint
// epochs, the progress measures stored for the key set chosen and the numerics.
//
//   RunContents r = loadRunContents("run.grok", std::nullopt);  // live key sets
//   bool lacking = r.measures.size() < r.checkpoints.size();    // an older run: fill them in
//
// Threading: any thread (it opens its own connection to the run file).
#pragma once

#include <QString>
#include <optional>
#include <vector>

#include "core/base/config.h"
#include "core/base/records.h"

namespace grok {

struct RunContents {
  Config cfg;
  std::vector<EpochMetrics> metrics;
  std::vector<int> checkpoints;
  std::vector<MeasureRecord> measures;   // of the key set asked for, by epoch
  std::vector<NumericsRecord> numerics;  // by epoch; none in a file older than format 3
};

// `keys`: nullopt for each checkpoint's own (live) set, else the measures of that typed set only.
// Throws RunFileError with one line on any problem with the file.
RunContents loadRunContents(const QString& path, const std::optional<std::vector<int>>& keys);

}  // namespace grok
