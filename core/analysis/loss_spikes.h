// Loss spikes: the epochs where the training loss jumps far above where it has been, the slingshot
// (Thilak et al. 2022) and the softmax-collapse failures (Prieto et al. 2025) the numerics view
// explains. A logged epoch is a spike when its train loss exceeds `factor` times the median of the
// train losses of the `window` logged epochs before it; an epoch with fewer than `min_prior` of them
// is none (the first epochs fall too fast for a median to mean anything). Consecutive spike epochs
// (one logged epoch after the other) are one span. NaN losses are left out (neither a spike nor in
// any median); an infinite one is a spike like any other.
//
//   LossSpikeDetector d;                  // factor 10, window 100, min_prior 10
//   for (const EpochMetrics& m : batch) d.add(m.epoch, m.train_loss);
//   for (const LossSpike& s : d.spikes()) ...  // s.first_epoch..s.last_epoch, peak at s.peak_epoch
//   std::vector<LossSpike> all = find_loss_spikes(store.metrics());
//
// Cost: one nth_element over `window` values a point, so a 40k-epoch run takes a few ms, and a
// detector fed as training reports costs microseconds a batch.
//
// Threading: a detector is used from one thread; find_loss_spikes is pure.
#pragma once

#include <deque>
#include <vector>

#include "core/base/records.h"

namespace grok {

struct LossSpikeParams {
  double factor = 10;  // a spike's loss exceeds factor x the running median
  int window = 100;    // logged epochs the running median is over (the ones before the epoch)
  int min_prior = 10;  // fewer earlier epochs than this: no spike
};

struct LossSpike {
  int first_epoch = 0, last_epoch = 0;  // the span's first and last spike epoch
  int peak_epoch = 0;                   // its highest loss (the first of equal ones)
  double peak_loss = 0;
  bool operator==(const LossSpike& o) const {
    return first_epoch == o.first_epoch && last_epoch == o.last_epoch && peak_epoch == o.peak_epoch &&
           peak_loss == o.peak_loss;
  }
};

class LossSpikeDetector {
 public:
  explicit LossSpikeDetector(const LossSpikeParams& params = {}) : params_(params) {}
  // The next logged epoch's train loss; epochs at or before the last one added are ignored (a
  // resumed run re-reports them). Returns whether spikes() changed.
  bool add(int epoch, double train_loss);
  const std::vector<LossSpike>& spikes() const { return spikes_; }
  void clear();

 private:
  LossSpikeParams params_;
  std::deque<double> window_;  // the losses of the last `window` epochs added, oldest first
  std::vector<double> scratch_;
  std::vector<LossSpike> spikes_;
  int last_epoch_ = -1;
  bool in_span_ = false;  // the previous epoch added was a spike
};

// Every span of the run's metrics (in epoch order).
std::vector<LossSpike> find_loss_spikes(const std::vector<EpochMetrics>& metrics, const LossSpikeParams& params = {});

}  // namespace grok
