#include "ui/checkpoint/spike_ticks.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QSlider>
#include <QStyle>
#include <QStyleOptionSlider>
#include <QToolTip>
#include <algorithm>
#include <cmath>

namespace grok {

namespace {
constexpr int kHeight = 6, kReach = 4;  // the ticks' height; how near a hover must come (px)
}

SpikeTicks::SpikeTicks(const QSlider* slider, const std::vector<int>* checkpoints, QWidget* parent)
    : QWidget(parent), slider_(slider), checkpoints_(checkpoints) {
  setFixedHeight(kHeight);
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

QSize SpikeTicks::sizeHint() const { return {100, kHeight}; }

void SpikeTicks::setSpikes(const std::vector<LossSpike>& spikes) {
  spikes_ = spikes;
  update();
}

double sliderX(const QSlider* slider, const std::vector<int>& ck, double epoch, const QWidget* in) {
  if (ck.size() < 2 || epoch < ck.front() || epoch > ck.back()) return NAN;
  // The slider's position of `epoch`: checkpoint i at value i, in proportion between two.
  const auto it = std::upper_bound(ck.begin(), ck.end(), epoch);
  const size_t i = it == ck.end() ? ck.size() - 1 : static_cast<size_t>(it - ck.begin());
  const double value = (i - 1) + (epoch - ck[i - 1]) / double(ck[i] - ck[i - 1]);
  // Where the style draws the handle's centre for that value (as QSlider's own option would be).
  QStyleOptionSlider opt;
  opt.initFrom(slider);
  opt.orientation = Qt::Horizontal;
  opt.minimum = slider->minimum();
  opt.maximum = slider->maximum();
  opt.sliderPosition = opt.sliderValue = slider->value();
  const QRect groove = slider->style()->subControlRect(QStyle::CC_Slider, &opt, QStyle::SC_SliderGroove, slider);
  const QRect handle = slider->style()->subControlRect(QStyle::CC_Slider, &opt, QStyle::SC_SliderHandle, slider);
  const double span = groove.width() - handle.width();
  const double range = std::max(1, opt.maximum - opt.minimum);
  return slider->x() - in->x() + groove.x() + handle.width() / 2.0 + (value - opt.minimum) / range * span;
}

double SpikeTicks::xOf(double epoch) const { return sliderX(slider_, *checkpoints_, epoch, this); }

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

bool SpikeTicks::event(QEvent* event) {
  if (event->type() == QEvent::ToolTip) {
    const auto* help = static_cast<QHelpEvent*>(event);
    const int i = spikeAt(help->pos().x());
    if (i < 0) QToolTip::hideText(), event->ignore();
    if (i >= 0) QToolTip::showText(help->globalPos(), describe(i), this);
    return true;
  }
  return QWidget::event(event);
}

void SpikeTicks::mousePressEvent(QMouseEvent* event) {
  const int i = spikeAt(static_cast<int>(event->position().x()));
  if (i >= 0) emit clicked(spikes_[i].peak_epoch);
  QWidget::mousePressEvent(event);
}

}  // namespace grok
