// The phases of the run as labelled marks over the epoch scrubber's slider (issue 27): where
// memorisation ended, the circuit formed, cleanup ended and the model generalised (99 % test
// accuracy). Each mark's tooltip says what changed and which view shows it; a click asks for the
// checkpoint nearest it. Marks move as epochs arrive (a live run's boundaries are re-decided).
// Labels that would overlap their left neighbour are left out (the tick and tooltip stay).
//
//   marks->setMarks({{1420, "memorised", "Memorisation ends: ..."}});
//   connect(marks, &PhaseMarks::clicked, scrubber, &EpochScrubber::setEpoch);
//
// Threading: GUI thread only.
#pragma once

#include <QString>
#include <vector>

#include "ui/checkpoint/slider_marks.h"

namespace grok {

struct PhaseMark {
  int epoch = 0;
  QString label;    // a word or two over the mark
  QString tooltip;  // what changed, and which view shows it
};

class PhaseMarks : public SliderMarks {
  Q_OBJECT
 public:
  PhaseMarks(const QSlider* slider, const std::vector<int>* checkpoints, QWidget* parent = nullptr);
  void setMarks(const std::vector<PhaseMark>& marks);
  const std::vector<PhaseMark>& marks() const { return marks_; }
  int markAt(int x) const override;  // the mark within a few pixels of x (its tick or label), -1 if none
  QString describe(int i) const override { return marks_[i].tooltip; }
  QSize sizeHint() const override;

 protected:
  int epochOf(int i) const override { return marks_[i].epoch; }
  void paintEvent(QPaintEvent* event) override;

 private:
  std::vector<PhaseMark> marks_;
};

}  // namespace grok
