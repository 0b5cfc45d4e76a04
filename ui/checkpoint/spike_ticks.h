// The loss spikes (core/analysis/loss_spikes.h) as small red ticks under the epoch scrubber's
// slider: at the epochs of each span (between two checkpoints in proportion, since the slider steps
// through checkpoints), its epoch and loss on hover, a click asks for the checkpoint nearest its
// peak. A spike outside the checkpoints' range (after the newest one, while training) is drawn once
// a checkpoint reaches past it.
//
//   auto* ticks = new SpikeTicks(slider, &checkpointEpochs, this);  // under the slider, as wide
//   ticks->setSpikes(curves->lossSpikes());
//   connect(ticks, &SpikeTicks::clicked, scrubber, &EpochScrubber::setEpoch);
//
// Threading: GUI thread only.
#pragma once

#include <QWidget>
#include <vector>

#include "core/analysis/loss_spikes.h"

class QSlider;

namespace grok {

// Where `epoch` lies under `slider` (a slider over `checkpoints`, checkpoint i at value i, in
// proportion between two), as an x in widget `in` (a sibling beside the slider in the same
// layout column); NaN outside the checkpoints' range. The spike ticks and the phase marks use it.
double sliderX(const QSlider* slider, const std::vector<int>& checkpoints, double epoch, const QWidget* in);

class SpikeTicks : public QWidget {
  Q_OBJECT
 public:
  // `checkpoints`: the slider's positions, owned by the caller, who calls update() when they change.
  SpikeTicks(const QSlider* slider, const std::vector<int>* checkpoints, QWidget* parent = nullptr);
  void setSpikes(const std::vector<LossSpike>& spikes);
  const std::vector<LossSpike>& spikes() const { return spikes_; }
  // Where `epoch` is under the slider (x in this widget), NaN outside the checkpoints' range.
  double xOf(double epoch) const;
  int spikeAt(int x) const;       // the spike whose tick is within a few pixels of x, -1 if none
  QString describe(int i) const;  // the tooltip of spike i
  QSize sizeHint() const override;

 signals:
  void clicked(int peakEpoch);

 protected:
  void paintEvent(QPaintEvent* event) override;
  bool event(QEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;

 private:
  const QSlider* slider_;
  const std::vector<int>* checkpoints_;
  std::vector<LossSpike> spikes_;
};

}  // namespace grok
