#include "ui/snapshot_service.h"

#include <QElapsedTimer>
#include <QMetaObject>

#include "core/run_store.h"

namespace grok {

namespace {
constexpr std::size_t kCacheSize = 6;
}

SnapshotService::SnapshotService(QObject* parent) : QObject(parent) {
  qRegisterMetaType<grok::ViewSnapshotPtr>();
  worker_ = new QObject;
  worker_->moveToThread(&thread_);
  connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
  thread_.setObjectName("snapshots");
  thread_.start();
}

SnapshotService::~SnapshotService() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.reset();
  }
  thread_.quit();
  thread_.wait();
}

void SnapshotService::setRun(const QString& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  path_ = path;
  cache_.clear();
  pending_.reset();
  generation_++;
}

void SnapshotService::setKeyFreqs(const std::optional<std::vector<int>>& keys) {
  std::lock_guard<std::mutex> lock(mutex_);
  keys_ = keys;
  cache_.clear();
  generation_++;
}

ViewSnapshotPtr SnapshotService::cached(int epoch) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [e, s] : cache_)
    if (e == epoch) return s;
  return nullptr;
}

void SnapshotService::request(int epoch) {
  if (ViewSnapshotPtr s = cached(epoch)) {
    emit ready(epoch, s, 0.0);
    return;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  pending_ = epoch;  // replaces any older request not started yet
  if (busy_) return;
  busy_ = true;
  QMetaObject::invokeMethod(
      worker_, [this] { work(); }, Qt::QueuedConnection);
}

void SnapshotService::work() {
  while (true) {
    int epoch;
    QString path;
    std::optional<std::vector<int>> keys;
    unsigned generation;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!pending_) {
        busy_ = false;
        return;
      }
      epoch = *pending_;
      pending_.reset();
      path = path_;
      keys = keys_;
      generation = generation_;
    }
    QElapsedTimer timer;
    timer.start();
    try {
      const RunStore store = RunStore::open(path.toStdString());
      const Config cfg = store.config();
      const FourierBasis F(cfg.p);
      const std::vector<NamedArray> ck = store.load_checkpoint(epoch);
      auto v = std::make_shared<ViewSnapshot>();
      v->snapshot = compute_snapshot(cfg, epoch, ck, make_dataset(cfg), keys, F);
      v->checks = ablation_checks(cfg, ck, v->snapshot.measures.key_freqs, F);
      v->key_selection = keys ? "given" : "live";
      ViewSnapshotPtr result = v;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (generation != generation_) continue;  // the run or key set changed meanwhile
        cache_.emplace_front(epoch, result);
        if (cache_.size() > kCacheSize) cache_.pop_back();
      }
      emit ready(epoch, result, static_cast<double>(timer.nsecsElapsed()) / 1e6);
    } catch (const std::exception& e) {
      emit failed(epoch, QString::fromStdString(e.what()));
    }
  }
}

}  // namespace grok
