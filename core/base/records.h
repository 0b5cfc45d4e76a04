// The records a run is made of, as plain values: what the trainer produces, the run file stores and
// the views draw. No torch, SQLite or Qt type, so every layer and the GUI can hold them.
#pragma once

#include <cmath>
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
  // Label noise (config label_noise > 0; else NaN, stored as nothing): training accuracy against
  // the true labels, and on the corrupted pairs against their given and their true labels.
  double train_acc_true = std::numeric_limits<double>::quiet_NaN();
  double corrupted_acc = std::numeric_limits<double>::quiet_NaN();
  double corrupted_acc_true = std::numeric_limits<double>::quiet_NaN();
  // train_acc_true as export-csv writes it: train_acc where the labels are all true.
  double accuracy_on_true_labels() const { return std::isnan(train_acc_true) ? train_acc : train_acc_true; }
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

// The numbers the follow-up papers explain grokking with, of one epoch's weights W_e and the
// gradient of its training loss (computed in the train step every test_interval epochs,
// training/internal/step_numerics.h). Names in `values`:
//   softmax_collapse   share of training pairs whose float32 sum_j exp(x_j - max x) is exactly 1
//   zero_loss          share of training pairs whose loss (the run's loss) is exactly 0
//   cos_wg             cos(w, g) of all parameters flattened together; "cos_wg:<param>" per tensor
//   norm               the global L2 norm of the parameters; "norm:<param>" per tensor (W_U's is
//                      the slingshot's signal, Thilak et al. 2022)
// <param> is the state_dict name (embed.W_E, blocks.0.attn.W_Q, unembed.W_U, ...).
struct NumericsRecord {
  int epoch = 0;
  std::map<std::string, double> values;
};

}  // namespace grok
