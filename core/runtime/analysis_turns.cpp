#include "core/runtime/analysis_turns.h"

namespace grok {

AnalysisTurns::Training::Training(AnalysisTurns& t) : t_(t) {
  std::lock_guard<std::mutex> lock(t_.m_);
  t_.trainers_++;
}

AnalysisTurns::Training::~Training() {
  {
    std::lock_guard<std::mutex> lock(t_.m_);
    t_.trainers_--;
  }
  t_.cv_.notify_all();
}

AnalysisTurns::Parked::Parked(AnalysisTurns& t) : t_(t) {
  {
    std::lock_guard<std::mutex> lock(t_.m_);
    t_.parked_++;
  }
  t_.cv_.notify_all();
}

AnalysisTurns::Parked::~Parked() {
  std::unique_lock<std::mutex> lock(t_.m_);
  // An analysis that has its turn, or was granted it and has not yet begun, finishes first.
  t_.cv_.wait(lock, [&] { return !t_.analysing_ && t_.waiting_ == 0; });
  t_.parked_--;
}

void AnalysisTurns::between_epochs() {
  {
    std::lock_guard<std::mutex> lock(m_);
    if (waiting_ == 0 && !analysing_) return;
  }
  Parked wait(*this);
}

AnalysisTurns::Turn::Turn(AnalysisTurns& t) : t_(t) {
  std::unique_lock<std::mutex> lock(t_.m_);
  t_.waiting_++;
  t_.cv_.wait(lock, [&] { return !t_.analysing_ && (t_.trainers_ == t_.parked_); });
  t_.waiting_--;
  t_.analysing_ = true;
}

AnalysisTurns::Turn::~Turn() {
  {
    std::lock_guard<std::mutex> lock(t_.m_);
    t_.analysing_ = false;
  }
  t_.cv_.notify_all();
}

}  // namespace grok
