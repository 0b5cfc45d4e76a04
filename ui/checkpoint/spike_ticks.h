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

#include <vector>

#include "core/analysis/loss_spikes.h"
#include "ui/checkpoint/slider_marks.h"

namespace grok {

class SpikeTicks : public SliderMarks {
  Q_OBJECT
 public:
  SpikeTicks(const QSlider* slider, const std::vector<int>* checkpoints, QWidget* parent = nullptr);
  void setSpikes(const std::vector<LossSpike>& spikes);
  const std::vector<LossSpike>& spikes() const { return spikes_; }
  int spikeAt(int x) const;  // the spike whose tick is within a few pixels of x, -1 if none
  int markAt(int x) const override { return spikeAt(x); }
  QString describe(int i) const override;  // the tooltip of spike i
  QSize sizeHint() const override;

 protected:
  int epochOf(int i) const override { return spikes_[i].peak_epoch; }
  void paintEvent(QPaintEvent* event) override;

 private:
  std::vector<LossSpike> spikes_;
};

}  // namespace grok
