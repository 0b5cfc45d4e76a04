// What the model answers on every pair (a, b) at one checkpoint, for the prediction grid (issue 27):
// the most-used view of the grokking playgrounds, every pair turning from wrong to right as the
// model generalises. Read from the all-pairs forward's logits (a snapshot has them; a task without
// a group, which has no snapshot, runs the forward for it alone).
//
//   const PairPredictions pr = pair_predictions(task, data, snapshot.logits.data());
//   pr.margin[a * p + b] > 0;   // the true answer's logit beats every other: right
//   pr.kind[a * p + b] == PairKind::Train;
//
// "Right" is against the true label, also on a training pair whose label noise corrupted (Doshi et
// al. 2024: a model that answers those correctly has inverted its noise). Threading: a plain function.
#pragma once

#include <cstdint>
#include <vector>

#include "core/base/task.h"
#include "core/data/dataset.h"

namespace grok {

enum class PairKind : std::int8_t {
  Outside = -1,
  Test = 0,
  Train = 1,
  Corrupted = 2
};  // Corrupted: a training pair with a noisy label

struct PairPredictions {
  int p = 0;
  std::vector<PairKind> kind;  // [p*p] by token row a*p + b
  std::vector<int> answer;     // [p*p] the argmax token (-1 outside the domain)
  std::vector<float> margin;   // [p*p] true answer's logit minus the largest other one (NaN outside)
  int train = 0, train_right = 0, test = 0, test_right = 0, corrupted = 0, corrupted_right = 0;
};

// `logits`: [p*p, p] float, row a*p + b, '=' dropped (compute_pair_forward's).
PairPredictions pair_predictions(const Task& task, const Dataset& data, const float* logits);

}  // namespace grok
