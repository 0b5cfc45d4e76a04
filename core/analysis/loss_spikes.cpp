#include "core/analysis/loss_spikes.h"

#include <algorithm>
#include <cmath>

namespace grok {

namespace {

// The median of `v` (the mean of the two middle values of an even count); reorders v.
double median(std::vector<double>& v) {
  const size_t n = v.size(), h = n / 2;
  std::nth_element(v.begin(), v.begin() + h, v.end());
  const double upper = v[h];
  if (n % 2) return upper;
  return (*std::max_element(v.begin(), v.begin() + h) + upper) / 2;
}

}  // namespace

bool LossSpikeDetector::add(int epoch, double train_loss) {
  if (epoch <= last_epoch_ || std::isnan(train_loss)) return false;
  last_epoch_ = epoch;
  bool spike = false;
  if (static_cast<int>(window_.size()) >= std::max(1, params_.min_prior)) {
    scratch_.assign(window_.begin(), window_.end());
    spike = train_loss > params_.factor * median(scratch_);
  }
  if (spike && in_span_) {
    LossSpike& s = spikes_.back();
    s.last_epoch = epoch;
    if (train_loss > s.peak_loss) s.peak_epoch = epoch, s.peak_loss = train_loss;
  } else if (spike) {
    spikes_.push_back({epoch, epoch, epoch, train_loss});
  }
  in_span_ = spike;
  window_.push_back(train_loss);
  if (static_cast<int>(window_.size()) > std::max(1, params_.window)) window_.pop_front();
  return spike;
}

void LossSpikeDetector::clear() {
  window_.clear();
  spikes_.clear();
  last_epoch_ = -1;
  in_span_ = false;
}

std::vector<LossSpike> find_loss_spikes(const std::vector<EpochMetrics>& metrics, const LossSpikeParams& params) {
  LossSpikeDetector d(params);
  for (const EpochMetrics& m : metrics) d.add(m.epoch, m.train_loss);
  return d.spikes();
}

}  // namespace grok
