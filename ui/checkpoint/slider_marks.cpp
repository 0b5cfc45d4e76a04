#include "ui/checkpoint/slider_marks.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QSlider>
#include <QStyle>
#include <QStyleOptionSlider>
#include <QToolTip>
#include <algorithm>
#include <cmath>

namespace grok {

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

SliderMarks::SliderMarks(const QSlider* slider, const std::vector<int>* checkpoints, QWidget* parent)
    : QWidget(parent), slider_(slider), checkpoints_(checkpoints) {
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

bool SliderMarks::event(QEvent* event) {
  if (event->type() == QEvent::ToolTip) {
    const auto* help = static_cast<QHelpEvent*>(event);
    const int i = markAt(help->pos().x());
    if (i < 0) QToolTip::hideText(), event->ignore();
    if (i >= 0) QToolTip::showText(help->globalPos(), describe(i), this);
    return true;
  }
  return QWidget::event(event);
}

void SliderMarks::mousePressEvent(QMouseEvent* event) {
  const int i = markAt(static_cast<int>(event->position().x()));
  if (i >= 0) emit clicked(epochOf(i));
  QWidget::mousePressEvent(event);
}

}  // namespace grok
