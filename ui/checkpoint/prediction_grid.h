// The prediction grid (issue 27): every pair (a, b) at the scrubbed checkpoint, coloured by whether
// the model's answer is right (blue) or wrong (red), deeper the larger the margin of the true
// answer's logit over the best other one; the training pairs carry a white dot (a yellow cross where label noise
// changed their label). Scrubbing across the cleanup phase shows the test pairs turning blue. The
// axes are in the group's order where the task has one (ui/checkpoint/axis_order.h), else in
// token order.
//
//   PredictionGrid g;
//   g.setPredictions(epoch, viewSnapshot->predictions, viewSnapshot->group);
//   g.valueAt(0, x, y);   // the margin shown at axis position (x = b, y = a)
//
// Threading: GUI thread.
#pragma once

#include <memory>

#include "core/analysis/predictions.h"
#include "core/base/operation_group.h"
#include "ui/plots/heatmap_view.h"

namespace grok {

class PredictionGrid : public HeatmapView {
  Q_OBJECT
 public:
  // Margins beyond this many logits take the deepest colour.
  static constexpr double kMarginScale = 10.0;
  explicit PredictionGrid(QWidget* parent = nullptr);
  // `group`: the run's (empty, n = 0, for a task without one: token order).
  void setPredictions(int epoch, std::shared_ptr<const PairPredictions> predictions, const OperationGroup& group);
  void clear();
  int epoch() const { return epoch_; }
  std::shared_ptr<const PairPredictions> predictions() const { return shown_; }
  bool marksTrainingPairs() const { return markTrain_; }
  void setMarksTrainingPairs(bool on);
  void addMenuActions(QMenu* menu) override;
  // Draws again in the saved axis order (after the neuron or attention panel changed it).
  void draw();

 private:
  std::shared_ptr<const PairPredictions> shown_;
  OperationGroup group_;
  int epoch_ = -1;
  bool markTrain_ = true;
  QCPGraph* train_ = nullptr;      // the training pairs' dots
  QCPGraph* corrupted_ = nullptr;  // the noisy-label pairs' crosses
};

// "right: train 100.0 %, test 37.2 %" (", noisy 3.1 %": noisy-label pairs answered with the true
// label): the caption over the grid.
QString predictionSummary(const PairPredictions& p);

}  // namespace grok
