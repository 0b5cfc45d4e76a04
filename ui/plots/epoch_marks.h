// Thin vertical lines at chosen epochs on a figure over epochs, behind its curves: the loss spikes
// (core/analysis/loss_spikes.h) marked on the loss plot and the numerics view, so that a spike in
// one lines up with what the other figures did at that epoch.
//
//   auto* marks = new EpochMarks(lossView, QColor(214, 39, 40, 150));  // parented by the figure
//   marks->set({1200, 5300});  // replaces the marks; the figure replots (queued) when they changed
//
// Threading: GUI thread only.
#pragma once

#include <QColor>
#include <QObject>
#include <QVector>
#include <vector>

class QCustomPlot;
class QCPItemStraightLine;

namespace grok {

class EpochMarks : public QObject {
  Q_OBJECT
 public:
  EpochMarks(QCustomPlot* plot, const QColor& color);
  void set(const std::vector<int>& epochs);
  const std::vector<int>& epochs() const { return epochs_; }

 private:
  QCustomPlot* plot_;
  QColor color_;
  QVector<QCPItemStraightLine*> lines_;  // one a mark, kept for reuse when there are fewer
  std::vector<int> epochs_;
};

}  // namespace grok
