#include "ui/plots/epoch_marks.h"

#include <qcustomplot.h>

namespace grok {

EpochMarks::EpochMarks(QCustomPlot* plot, const QColor& color) : QObject(plot), plot_(plot), color_(color) {}

void EpochMarks::set(const std::vector<int>& epochs) {
  if (epochs == epochs_) return;
  epochs_ = epochs;
  while (lines_.size() < static_cast<int>(epochs.size())) {
    auto* line = new QCPItemStraightLine(plot_);
    line->setLayer("grid");  // over the phases' shading, under every curve
    line->setPen(QPen(color_, 1));
    line->setSelectable(false);
    lines_ << line;
  }
  for (int i = 0; i < lines_.size(); i++) {
    const bool on = i < static_cast<int>(epochs.size());
    lines_[i]->setVisible(on);
    if (!on) continue;
    lines_[i]->point1->setCoords(epochs[i], 0);
    lines_[i]->point2->setCoords(epochs[i], 1);
  }
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace grok
