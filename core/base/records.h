// The records a run is made of, as plain values: what the trainer produces, the run file stores and
// the views draw. No torch, SQLite or Qt type, so every layer and the GUI can hold them.
#pragma once

#include <limits>
#include <map>
#include <string>
#include <vector>

#include "core/base/key_selection.h"
#include "core/base/tensor_blob.h"

namespace grok {

// Test accuracy at which a run counts as grokked: `info`'s "99 % test", stop_after_grok, a sweep's
// epochs to grok.
constexpr double kGrokAccuracy = 0.99;

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

// One checkpoint's progress measures as stored: `keys` names the key set they used (that
// checkpoint's own for Live, the newest checkpoint's for Final, the user's for Given).
struct MeasureRecord {
  int epoch = 0;
  KeySetTag keys;
  std::map<std::string, double> values;
};

}  // namespace grok
