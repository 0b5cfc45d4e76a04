#include "ui/checkpoint/measures_filler.h"

#include "core/analysis/checkpoint_analysis.h"
#include "core/store/run_store.h"

namespace grok {

MeasuresFiller::MeasuresFiller(QObject* parent) : QObject(parent) {
  jobs_.setKeepAlive(false);  // a fill is rare: no OpenMP pool kept for it
}

// The runner cancels: the fill under way ends at its next checkpoint.
MeasuresFiller::~MeasuresFiller() = default;

bool MeasuresFiller::start(const QString& path, const KeySelection& keys) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!path_.isEmpty()) return false;
    path_ = path;
  }
  // Idle again as soon as the fill stops, before its result reaches the GUI thread.
  auto idle = [this] {
    std::lock_guard<std::mutex> lock(mutex_);
    path_.clear();
  };
  jobs_.run<bool>(
      this,
      [path, keys, idle](JobControl& c) {
        try {
          RunStore store = RunStore::open(path.toStdString(), RunStore::Mode::ReadWrite);
          fill_missing_measures(
              store, keys, [&c](int done, int total) { c.progress(done, total); }, c.flag());
        } catch (...) {
          idle();
          throw;
        }
        idle();
        return c.cancelled();
      },
      [this, path](bool cancelled) { emit finished(path, cancelled, QString()); },
      [this, path](const QString& error) { emit finished(path, false, error); },
      [this](int done, int total) { emit progress(done, total); });
  return true;
}

bool MeasuresFiller::running() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return !path_.isEmpty();
}

QString MeasuresFiller::path() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return path_;
}

void MeasuresFiller::cancel() { jobs_.cancel(); }

void MeasuresFiller::cancelAndWait() { jobs_.cancelAndWait(); }

}  // namespace grok
