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
#include <QWidget>
#include <vector>

class QSlider;

namespace grok {

struct PhaseMark {
  int epoch = 0;
  QString label;    // a word or two over the mark
  QString tooltip;  // what changed, and which view shows it
};

class PhaseMarks : public QWidget {
  Q_OBJECT
 public:
  PhaseMarks(const QSlider* slider, const std::vector<int>* checkpoints, QWidget* parent = nullptr);
  void setMarks(const std::vector<PhaseMark>& marks);
  const std::vector<PhaseMark>& marks() const { return marks_; }
  double xOf(double epoch) const;
  int markAt(int x) const;  // the mark within a few pixels of x (its tick or label), -1 if none
  QSize sizeHint() const override;

 signals:
  void clicked(int epoch);

 protected:
  void paintEvent(QPaintEvent* event) override;
  bool event(QEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;

 private:
  const QSlider* slider_;
  const std::vector<int>* checkpoints_;
  std::vector<PhaseMark> marks_;
};

}  // namespace grok
