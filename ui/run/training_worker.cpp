#include "ui/run/training_worker.h"

#include <chrono>

#include "core/runtime/compute_thread.h"
#include "core/training/trainer.h"

namespace grok {

TrainingWorker::TrainingWorker(QObject* parent) : QObject(parent) {
  qRegisterMetaType<grok::EpochMetrics>();
  qRegisterMetaType<QVector<grok::EpochMetrics>>();
  qRegisterMetaType<grok::LiveStatus>();
  qRegisterMetaType<grok::MeasureRecord>();
  qRegisterMetaType<QVector<grok::NumericsRecord>>();
  qRegisterMetaType<grok::Config>();
}

void TrainingWorker::requestPause(bool paused) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    paused_ = paused;
  }
  wake_.notify_all();
}

void TrainingWorker::reset() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = false;
    paused_ = false;
  }
  wake_.notify_all();
}

void TrainingWorker::requestStop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
}

// Each run is a job of the controller's runner, on a thread of its own (keep-alive off), so that
// its OpenMP pool ends with the run and does not slow the views' analysis afterwards
// (core/runtime/compute_thread.h). Signals from it are queued to the GUI thread.
// `finished` once the Trainer is gone, and with it its lock on the run: the window then follows the
// file as another process's (run_viewer.h) and must not find this one still holding it.
void TrainingWorker::train(const Config& cfg, const QString& path, bool overwrite) {
  Outcome o;
  try {
    Trainer t = Trainer::start(cfg, path.toStdString(), overwrite);
    o = run(t);
  } catch (const std::exception& e) {
    o.error = QString::fromStdString(e.what());
  }
  emit finished(path, o.completed, o.error);
}

void TrainingWorker::resume(const QString& path, std::optional<int> epochs) {
  Outcome o;
  try {
    Trainer t = Trainer::resume(path.toStdString(), epochs);
    o = run(t);
  } catch (const std::exception& e) {
    o.error = QString::fromStdString(e.what());
  }
  emit finished(path, o.completed, o.error);
}

void TrainingWorker::fork(const QString& parent, int epoch, const QStringList& changes, const QString& path) {
  std::vector<std::string> c;
  for (const QString& s : changes) c.push_back(s.toStdString());
  QString error;
  try {
    // A job as training's: the first checkpoint's measures use the intra-op pool.
    Trainer::fork(parent.toStdString(), epoch, c, path.toStdString(), /*overwrite=*/true);
  } catch (const std::exception& e) {
    error = QString::fromStdString(e.what());
  }
  emit forked(path, error);
}

TrainingWorker::Outcome TrainingWorker::run(Trainer& t) {
  const QString path = QString::fromStdString(t.path());
  emit started(path, t.config());
  std::optional<AnalysisTurns::Training> present;
  if (turns_) present.emplace(*turns_);
  using clock = std::chrono::steady_clock;
  QVector<EpochMetrics> batch;
  QVector<NumericsRecord> numericsBatch;  // emitted with the metrics batch, before it
  auto emitNumerics = [&] {
    if (!numericsBatch.isEmpty()) emit numerics(numericsBatch), numericsBatch.clear();
  };
  auto last_emit = clock::now();
  LiveStatus status;
  TrainCallbacks cb;
  cb.on_progress = [&](const TrainProgress& p) {
    batch.push_back(p.metrics);
    if (p.numerics) numericsBatch.push_back(*p.numerics);
    status = {p.epoch, p.target_epochs, p.epochs_per_second, p.last_checkpoint};
    // Batches at most every 50 ms (and at each checkpoint, so the plots and the scrubber agree).
    if (p.checkpoint_now || clock::now() - last_emit > std::chrono::milliseconds(50)) {
      emitNumerics();
      emit metrics(batch, status);
      batch.clear();
      last_emit = clock::now();
    }
    if (p.checkpoint_now && p.measures) emit checkpoint(p.epoch, *p.measures, p.measures_ms);
    // Pause between epochs: the training thread sleeps here until resumed or stopped, and
    // analyses run meanwhile as they come.
    if (paused_.load()) {
      emitNumerics();
      if (!batch.isEmpty()) emit metrics(batch, status), batch.clear();
      std::optional<AnalysisTurns::Parked> parked;
      if (turns_) parked.emplace(*turns_);
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return !paused_.load() || stop_.load(); });
    }
    if (turns_) turns_->between_epochs();
  };
  Outcome o;
  try {
    t.run(stop_, cb);
    o.completed = t.finished();
  } catch (const std::exception& e) {
    o.error = QString::fromStdString(e.what());
  }
  emitNumerics();
  if (!batch.isEmpty()) emit metrics(batch, status);
  return o;
}

}  // namespace grok
