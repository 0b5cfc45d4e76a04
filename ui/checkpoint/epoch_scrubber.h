// One slider over the run's checkpoints that every view follows: spin box, step buttons, arrow
// keys (when it has focus; the main window forwards Left/Right), play/pause at a chosen speed, and
// a "follow live" toggle that keeps it on the newest checkpoint while training. The loss spikes are
// small red ticks under the slider (ui/checkpoint/spike_ticks.h), the phases labelled marks over it
// (ui/checkpoint/phase_marks.h).
#pragma once

#include <QTimer>
#include <QWidget>
#include <vector>

#include "core/analysis/loss_spikes.h"

class QSlider;
class QSpinBox;
class QToolButton;
class QComboBox;
class QCheckBox;
class QLabel;

namespace grok {

class PhaseMarks;
class SpikeTicks;
struct PhaseMark;

class EpochScrubber : public QWidget {
  Q_OBJECT
 public:
  explicit EpochScrubber(QWidget* parent = nullptr);
  void setCheckpoints(const std::vector<int>& epochs);  // keeps the current epoch when it can
  void addCheckpoint(int epoch);                        // training committed one
  int epoch() const;                                    // -1 when there is none
  const std::vector<int>& checkpoints() const { return epochs_; }
  bool followLive() const;
  void setFollowLive(bool on);
  bool playing() const { return timer_.isActive(); }
  SpikeTicks* spikeTicks() const { return ticks_; }
  PhaseMarks* phaseMarks() const { return phases_; }

 public slots:
  void setEpoch(int epoch);  // nearest checkpoint
  void step(int delta);      // by checkpoints
  void togglePlay();
  void setLossSpikes(const std::vector<grok::LossSpike>& spikes);  // the ticks under the slider
  void setPhaseMarks(const std::vector<grok::PhaseMark>& marks);   // the labelled marks over it

 signals:
  void epochChanged(int epoch);

 private:
  void setIndex(int i);
  void sync();
  std::vector<int> epochs_;
  int index_ = -1;
  QSlider* slider_;
  QSpinBox* spin_;
  QToolButton *play_, *prev_, *next_;
  QComboBox* speed_;
  QCheckBox* follow_;
  QLabel* label_;
  SpikeTicks* ticks_;
  PhaseMarks* phases_;
  QTimer timer_;
};

}  // namespace grok
