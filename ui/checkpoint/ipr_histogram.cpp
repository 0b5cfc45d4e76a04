#include "ui/checkpoint/ipr_histogram.h"

#include <algorithm>
#include <numeric>

namespace grok {

namespace {
constexpr int kBins = 20;
}

IprHistogram::IprHistogram(QWidget* parent) : Figure(tr("Neuron IPR"), parent) {
  setObjectName("neuron-ipr");
  bars_ = new QCPBars(xAxis, yAxis);
  bars_->setWidth(1.0 / kBins);
  bars_->setPen(Qt::NoPen);
  bars_->setBrush(seriesColor(9));
  mean_ = new QCPItemStraightLine(this);
  mean_->setPen(QPen(palette().color(QPalette::WindowText), 1.2, Qt::DashLine));
  mean_->setVisible(false);
  xAxis->setLabel(tr("IPR of the neuron's weights (1: one component)"));
  yAxis->setLabel(tr("neurons"));
  xAxis->setRange(0, 1);
  removeLegend();
  applyPalette();
}

void IprHistogram::clear() {
  counts_.clear();
  bars_->data()->clear();
  mean_->setVisible(false);
  setTitle(tr("Neuron IPR"));
  replot(QCustomPlot::rpQueuedReplot);
}

void IprHistogram::setValues(int epoch, const std::vector<double>& ipr) {
  if (ipr.empty()) return clear();
  counts_.assign(kBins, 0);
  for (double x : ipr) counts_[std::clamp(static_cast<int>(x * kBins), 0, kBins - 1)]++;
  QVector<double> x, y;
  for (int b = 0; b < kBins; b++) x << (b + 0.5) / kBins, y << counts_[b];
  bars_->setData(x, y, true);
  const double mean = std::accumulate(ipr.begin(), ipr.end(), 0.0) / static_cast<double>(ipr.size());
  mean_->point1->setCoords(mean, 0);
  mean_->point2->setCoords(mean, 1);
  mean_->setVisible(true);
  yAxis->setRange(0, *std::max_element(counts_.begin(), counts_.end()) * 1.1 + 1);
  setTitle(tr("Neuron IPR at epoch %1 (mean %2, dashed)").arg(epoch).arg(mean, 0, 'f', 3));
  replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace grok
