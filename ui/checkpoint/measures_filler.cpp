#include "ui/checkpoint/measures_filler.h"

#include <QMetaObject>

#include "core/analysis/checkpoint_analysis.h"
#include "core/store/run_store.h"

namespace grok {

MeasuresFiller::MeasuresFiller(QObject* parent) : QObject(parent) {
  compute_.set_keep_alive(false);  // a fill is rare: no OpenMP pool kept for it
  worker_ = new QObject;
  worker_->moveToThread(&thread_);
  connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
  thread_.setObjectName("measures");
  thread_.start();
}

MeasuresFiller::~MeasuresFiller() {
  cancel_ = true;
  thread_.quit();
  thread_.wait();  // the fill under way ends at its next checkpoint
}

bool MeasuresFiller::start(const QString& path, const KeySelection& keys) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!path_.isEmpty()) return false;
    path_ = path;
  }
  cancel_ = false;
  QMetaObject::invokeMethod(worker_, [this, path, keys] { fill(path, keys); });
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

void MeasuresFiller::cancel() { cancel_ = true; }

void MeasuresFiller::cancelAndWait() {
  cancel_ = true;
  std::unique_lock<std::mutex> lock(mutex_);
  idle_.wait(lock, [this] { return path_.isEmpty(); });
}

void MeasuresFiller::fill(const QString& path, const KeySelection& keys) {
  QString error;
  try {
    compute_.run([&] {
      RunStore store = RunStore::open(path.toStdString(), RunStore::Mode::ReadWrite);
      fill_missing_measures(
          store, keys, [this](int done, int total) { emit progress(done, total); }, &cancel_);
    });
  } catch (const std::exception& e) {
    error = QString::fromStdString(e.what());
  }
  const bool cancelled = cancel_.load();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    path_.clear();
  }
  idle_.notify_all();
  emit finished(path, cancelled, error);
}

}  // namespace grok
