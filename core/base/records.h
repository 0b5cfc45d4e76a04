// The records a run is made of, as plain values: what the trainer produces, the run file stores and
// the views draw. No torch, SQLite or Qt type, so every layer and the GUI can hold them.
#pragma once

#include <limits>
#include <map>
#include <string>
#include <vector>

#include "core/base/tensor_blob.h"

namespace grok {

struct EpochMetrics {
  int epoch = 0;
  double train_loss = 0, train_acc = 0;
  // NaN where the test split was not evaluated this epoch (stored as NULL).
  double test_loss = std::numeric_limits<double>::quiet_NaN();
  double test_acc = std::numeric_limits<double>::quiet_NaN();
  double lr = 0;
};

// What resume needs beyond the weights: the optimizer's moments after `optimizer_steps` updates.
struct ResumeState {
  int epoch = 0;
  long optimizer_steps = 0;
  std::vector<NamedArray> optimizer;
};

// One checkpoint's progress measures as stored: `key_freqs` names the set they used, as
// "live:14,42" (that checkpoint's own), "final:14,35,41,42,52" or "given:14,35".
struct MeasureRecord {
  int epoch = 0;
  std::string key_freqs;
  std::map<std::string, double> values;
};

}  // namespace grok
