#include "ui/run/training_controller.h"

#include <QMetaObject>

namespace grok {

TrainingController::TrainingController(std::shared_ptr<AnalysisTurns> turns, QObject* parent) : QObject(parent) {
  qRegisterMetaType<grok::TrainingState>();
  worker_ = new TrainingWorker;
  worker_->setTurns(std::move(turns));
  worker_->moveToThread(&thread_);
  connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
  thread_.setObjectName("training");
  thread_.start();
  connect(worker_, &TrainingWorker::metrics, this, [this](const QVector<EpochMetrics>& batch, const LiveStatus& s) {
    if (s.target > 0) live_ = s;
    emit metrics(batch, s);
  });
  connect(worker_, &TrainingWorker::checkpoint, this,
          [this](int epoch, const MeasureRecord& m, double) { emit checkpoint(epoch, m); });
  connect(worker_, &TrainingWorker::finished, this, &TrainingController::onFinished);
}

TrainingController::~TrainingController() {
  worker_->requestStop();
  thread_.quit();
  thread_.wait();
}

bool TrainingController::start(const Config& cfg, const QString& path) {
  if (active()) return false;
  worker_->reset();  // before the run is queued: a pause or stop asked after this one is kept
  live_ = LiveStatus{0, cfg.epochs, 0, -1};
  setState(State::Training);
  QMetaObject::invokeMethod(worker_, [w = worker_, cfg, path] { w->train(cfg, path, /*overwrite=*/true); });
  return true;
}

bool TrainingController::resume(const QString& path, int from, std::optional<int> epochs, int target) {
  if (active()) return false;
  worker_->reset();
  live_ = LiveStatus{from, target, 0, -1};
  setState(State::Training);
  QMetaObject::invokeMethod(worker_, [w = worker_, path, epochs] { w->resume(path, epochs); });
  return true;
}

void TrainingController::setPaused(bool paused) {
  if (state_ != State::Training && state_ != State::Paused) return;
  worker_->requestPause(paused);
  setState(paused ? State::Paused : State::Training);
}

void TrainingController::stop() {
  if (state_ != State::Training && state_ != State::Paused) return;
  worker_->requestStop();
  setState(State::Stopping);
}

void TrainingController::onFinished(const QString& path, bool completed, const QString& error) {
  live_ = LiveStatus{};
  setState(State::Idle);
  emit finished(path, completed, error);
}

void TrainingController::setState(State s) {
  if (s == state_) return;
  state_ = s;
  emit stateChanged(s);
}

}  // namespace grok
