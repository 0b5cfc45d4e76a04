// Marks along the epoch scrubber's slider, at epochs between its checkpoints (in proportion, since
// the slider steps through checkpoints): the base of the loss-spike ticks under it
// (spike_ticks.h) and the phase marks over it (phase_marks.h). A mark's tooltip says what it is;
// a click asks for its epoch (the scrubber takes the nearest checkpoint). A subclass paints its
// marks with xOf() and says which mark lies at an x, what it says and which epoch it asks for.
//
// Threading: GUI thread only.
#pragma once

#include <QString>
#include <QWidget>
#include <vector>

class QSlider;

namespace grok {

// Where `epoch` lies under `slider` (a slider over `checkpoints`, checkpoint i at value i, in
// proportion between two), as an x in widget `in` (a sibling beside the slider in the same
// layout column); NaN outside the checkpoints' range.
double sliderX(const QSlider* slider, const std::vector<int>& checkpoints, double epoch, const QWidget* in);

class SliderMarks : public QWidget {
  Q_OBJECT
 public:
  // `checkpoints`: the slider's positions, owned by the caller, who calls update() when they change.
  SliderMarks(const QSlider* slider, const std::vector<int>* checkpoints, QWidget* parent = nullptr);
  // Where `epoch` is (x in this widget), NaN outside the checkpoints' range.
  double xOf(double epoch) const { return sliderX(slider_, *checkpoints_, epoch, this); }
  virtual int markAt(int x) const = 0;        // the mark at x (within a few pixels), -1 if none
  virtual QString describe(int i) const = 0;  // mark i's tooltip

 signals:
  void clicked(int epoch);

 protected:
  virtual int epochOf(int i) const = 0;  // the epoch a click on mark i asks for
  bool event(QEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;

 private:
  const QSlider* slider_;
  const std::vector<int>* checkpoints_;
};

}  // namespace grok
