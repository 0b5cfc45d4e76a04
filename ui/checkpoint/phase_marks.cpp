#include "ui/checkpoint/phase_marks.h"

#include <QPainter>
#include <cmath>

namespace grok {

namespace {
constexpr int kReach = 5;  // how near a hover or click must come to a tick (px)
QColor markColor() { return {31, 119, 180}; }
}  // namespace

PhaseMarks::PhaseMarks(const QSlider* slider, const std::vector<int>* checkpoints, QWidget* parent)
    : SliderMarks(slider, checkpoints, parent) {
  setObjectName("phase-marks");
  QFont f = font();
  f.setPointSizeF(f.pointSizeF() * 0.85);
  setFont(f);
  setFixedHeight(2 * fontMetrics().height() + 2);  // two rows of labels: near marks take turns
}

QSize PhaseMarks::sizeHint() const { return {100, 2 * fontMetrics().height() + 2}; }

void PhaseMarks::setMarks(const std::vector<PhaseMark>& marks) {
  marks_ = marks;
  update();
}

int PhaseMarks::markAt(int x) const {
  int best = -1;
  double bestDist = kReach + 0.5;
  for (int i = 0; i < static_cast<int>(marks_.size()); i++) {
    const double m = xOf(marks_[i].epoch);
    if (std::isnan(m)) continue;
    const double w = fontMetrics().horizontalAdvance(marks_[i].label);
    const double d = x < m ? m - x : (x > m + w + 3 ? x - m - w - 3 : 0);  // the tick or its label
    if (d < bestDist) best = i, bestDist = d;
  }
  return best;
}

void PhaseMarks::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setRenderHint(QPainter::Antialiasing);
  double freeFrom[2] = {-1e9, -1e9};  // where each row's previous label ended
  const int line = fontMetrics().height();
  for (const PhaseMark& m : marks_) {
    const double x = xOf(m.epoch);
    if (std::isnan(x)) continue;
    const double w = fontMetrics().horizontalAdvance(m.label);
    // Right of its tick, or left of it near the right end; in the first row with room.
    const double at = x + 3 + w <= width() ? x + 3 : x - 3 - w;
    const int row = at >= freeFrom[0] ? 0 : at >= freeFrom[1] ? 1 : -1;
    p.setPen(QPen(markColor(), 2));
    p.drawLine(QPointF(x, row == 1 ? line : 1), QPointF(x, height()));
    if (row < 0 || at < 0) continue;  // no room: the tick alone (its tooltip names it)
    p.setPen(palette().color(QPalette::WindowText));
    p.drawText(QPointF(at, (row + 1) * line - fontMetrics().descent()), m.label);
    freeFrom[row] = std::max(at, x) + w + 4;
  }
}

}  // namespace grok
