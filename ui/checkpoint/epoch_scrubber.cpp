#include "ui/checkpoint/epoch_scrubber.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>
#include <QStyle>
#include <QToolButton>
#include <algorithm>

#include "ui/checkpoint/phase_marks.h"
#include "ui/checkpoint/spike_ticks.h"

namespace grok {

EpochScrubber::EpochScrubber(QWidget* parent) : QWidget(parent) {
  auto* row = new QHBoxLayout(this);
  row->setContentsMargins(6, 2, 6, 2);
  play_ = new QToolButton(this);
  play_->setIcon(style()->standardIcon(QStyle::SP_MediaPlay));
  play_->setToolTip(tr("Play through the checkpoints (Space)"));
  prev_ = new QToolButton(this);
  prev_->setIcon(style()->standardIcon(QStyle::SP_MediaSeekBackward));
  prev_->setToolTip(tr("Previous checkpoint (Left)"));
  next_ = new QToolButton(this);
  next_->setIcon(style()->standardIcon(QStyle::SP_MediaSeekForward));
  next_->setToolTip(tr("Next checkpoint (Right)"));
  label_ = new QLabel(tr("Epoch"), this);
  slider_ = new QSlider(Qt::Horizontal, this);
  slider_->setToolTip(tr("Every view shows the checkpoint at this epoch"));
  spin_ = new QSpinBox(this);
  spin_->setRange(0, 0);
  spin_->setKeyboardTracking(false);
  spin_->setMinimumWidth(90);
  speed_ = new QComboBox(this);
  for (int s : {1, 2, 5, 10, 20}) speed_->addItem(tr("%1 ckpt/s").arg(s), s);
  speed_->setCurrentIndex(2);
  speed_->setToolTip(tr("Playback speed"));
  follow_ = new QCheckBox(tr("Follow live"), this);
  follow_->setChecked(true);
  follow_->setToolTip(tr("Jump to each new checkpoint while training"));
  row->addWidget(play_);
  row->addWidget(prev_);
  row->addWidget(next_);
  row->addWidget(label_);
  auto* sliderColumn = new QVBoxLayout;  // the spike ticks under the slider, as wide
  sliderColumn->setSpacing(0);
  sliderColumn->addWidget(phases_ = new PhaseMarks(slider_, &epochs_, this));
  sliderColumn->addWidget(slider_);
  sliderColumn->addWidget(ticks_ = new SpikeTicks(slider_, &epochs_, this));
  row->addLayout(sliderColumn, 1);
  row->addWidget(spin_);
  row->addWidget(speed_);
  row->addWidget(follow_);

  connect(slider_, &QSlider::valueChanged, this, [this](int i) {
    follow_->setChecked(i == static_cast<int>(epochs_.size()) - 1 && follow_->isChecked());
    setIndex(i);
  });
  connect(spin_, qOverload<int>(&QSpinBox::valueChanged), this, [this](int e) { setEpoch(e); });
  connect(prev_, &QToolButton::clicked, this, [this] { step(-1); });
  connect(next_, &QToolButton::clicked, this, [this] { step(+1); });
  connect(play_, &QToolButton::clicked, this, &EpochScrubber::togglePlay);
  connect(ticks_, &SpikeTicks::clicked, this, &EpochScrubber::setEpoch);
  connect(phases_, &PhaseMarks::clicked, this, &EpochScrubber::setEpoch);
  connect(speed_, qOverload<int>(&QComboBox::currentIndexChanged), this,
          [this] { timer_.setInterval(1000 / speed_->currentData().toInt()); });
  connect(&timer_, &QTimer::timeout, this, [this] {
    if (index_ + 1 >= static_cast<int>(epochs_.size())) return togglePlay();
    setIndex(index_ + 1);
  });
  timer_.setInterval(1000 / speed_->currentData().toInt());
  sync();
}

int EpochScrubber::epoch() const { return index_ >= 0 ? epochs_[index_] : -1; }
bool EpochScrubber::followLive() const { return follow_->isChecked(); }
void EpochScrubber::setFollowLive(bool on) { follow_->setChecked(on); }

void EpochScrubber::setLossSpikes(const std::vector<LossSpike>& spikes) { ticks_->setSpikes(spikes); }
void EpochScrubber::setPhaseMarks(const std::vector<PhaseMark>& marks) { phases_->setMarks(marks); }

void EpochScrubber::setCheckpoints(const std::vector<int>& epochs) {
  const int keep = epoch();
  epochs_ = epochs;
  ticks_->update();
  phases_->update();
  index_ = -1;
  sync();
  if (epochs_.empty()) return;
  if (keep >= 0 && !followLive())
    setEpoch(keep);
  else
    setIndex(static_cast<int>(epochs_.size()) - 1);
}

void EpochScrubber::addCheckpoint(int epoch) {
  if (!epochs_.empty() && epoch <= epochs_.back()) return;
  epochs_.push_back(epoch);
  ticks_->update();
  phases_->update();
  sync();
  if (followLive() || index_ < 0) setIndex(static_cast<int>(epochs_.size()) - 1);
}

void EpochScrubber::setEpoch(int epoch) {
  if (epochs_.empty()) return;
  auto it = std::lower_bound(epochs_.begin(), epochs_.end(), epoch);
  if (it == epochs_.end())
    --it;
  else if (it != epochs_.begin() && epoch - *(it - 1) < *it - epoch)
    --it;
  const int i = static_cast<int>(it - epochs_.begin());
  if (i != static_cast<int>(epochs_.size()) - 1) follow_->setChecked(false);
  setIndex(i);
}

void EpochScrubber::step(int delta) {
  if (epochs_.empty()) return;
  const int i = std::clamp(index_ + delta, 0, static_cast<int>(epochs_.size()) - 1);
  if (delta < 0) follow_->setChecked(false);
  setIndex(i);
}

void EpochScrubber::togglePlay() {
  if (timer_.isActive()) {
    timer_.stop();
  } else if (!epochs_.empty()) {
    follow_->setChecked(false);
    if (index_ + 1 >= static_cast<int>(epochs_.size())) setIndex(0);  // replay from the start
    timer_.start();
  }
  play_->setIcon(style()->standardIcon(timer_.isActive() ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
}

void EpochScrubber::setIndex(int i) {
  if (epochs_.empty()) return;
  i = std::clamp(i, 0, static_cast<int>(epochs_.size()) - 1);
  const bool changed = i != index_;
  index_ = i;
  sync();
  if (changed) emit epochChanged(epochs_[i]);
}

void EpochScrubber::sync() {
  const QSignalBlocker b1(slider_), b2(spin_);
  const int n = static_cast<int>(epochs_.size());
  // Ranges are set only when they change: a spin box's new range is a new size hint, and the
  // toolbar's relayout would follow every step.
  if (slider_->maximum() != std::max(0, n - 1)) slider_->setRange(0, std::max(0, n - 1));
  slider_->setValue(std::max(0, index_));
  const int lo = n ? epochs_.front() : 0, hi = n ? epochs_.back() : 0;
  if (spin_->minimum() != lo || spin_->maximum() != hi) spin_->setRange(lo, hi);
  if (n > 1) spin_->setSingleStep(epochs_[1] - epochs_[0]);
  spin_->setValue(index_ >= 0 ? epochs_[index_] : 0);
  for (QWidget* w : std::initializer_list<QWidget*>{slider_, spin_, play_, prev_, next_}) w->setEnabled(n > 0);
}

}  // namespace grok
