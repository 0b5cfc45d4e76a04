#include "ui/checkpoint/spike_ticks.h"

#include <QPainter>
#include <algorithm>
#include <cmath>

namespace grok {

namespace {
constexpr int kHeight = 6, kReach = 4;  // the ticks' height; how near a hover must come (px)
}

SpikeTicks::SpikeTicks(const QSlider* slider, const std::vector<int>* checkpoints, QWidget* parent)
    : SliderMarks(slider, checkpoints, parent) {
  setFixedHeight(kHeight);
}

QSize SpikeTicks::sizeHint() const { return {100, kHeight}; }

void SpikeTicks::setSpikes(const std::vector<LossSpike>& spikes) {
  spikes_ = spikes;
  update();
}

int SpikeTicks::spikeAt(int x) const {
  int best = -1;
  double bestDist = kReach + 0.5;
  for (int i = 0; i < static_cast<int>(spikes_.size()); i++) {
    const double a = xOf(spikes_[i].first_epoch), b = xOf(spikes_[i].last_epoch);
    if (std::isnan(a) || std::isnan(b)) continue;
    const double d = x < a ? a - x : (x > b ? x - b : 0);
    if (d < bestDist) best = i, bestDist = d;
  }
  return best;
}

QString SpikeTicks::describe(int i) const {
  const LossSpike& s = spikes_[i];
  QString text = tr("Loss spike at epoch %1: train loss %2").arg(s.peak_epoch).arg(s.peak_loss, 0, 'g', 4);
  if (s.first_epoch != s.last_epoch) text += tr(" (epochs %1-%2)").arg(s.first_epoch).arg(s.last_epoch);
  return text + tr("\nClick: the nearest checkpoint");
}

void SpikeTicks::paintEvent(QPaintEvent*) {
  QPainter p(this);
  const QColor red(214, 39, 40);
  for (const LossSpike& s : spikes_) {
    const double a = xOf(s.first_epoch), b = xOf(s.last_epoch);
    if (std::isnan(a) || std::isnan(b)) continue;
    const double mid = (a + b) / 2, half = std::max(1.0, (b - a) / 2);  // at least 2 px wide
    p.fillRect(QRectF(mid - half, 0, 2 * half, height()), red);
  }
}

}  // namespace grok
