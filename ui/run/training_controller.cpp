#include "ui/run/training_controller.h"

#include "core/store/run_store.h"

namespace grok {

TrainingController::TrainingController(std::shared_ptr<AnalysisTurns> turns, QObject* parent) : QObject(parent) {
  qRegisterMetaType<grok::TrainingState>();
  // The worker lives here (GUI thread); its runs are jobs of jobs_, on a fresh thread each
  // (keep-alive off: a run's OpenMP pool ends with it), so its signals arrive queued.
  worker_ = new TrainingWorker(this);
  worker_->setTurns(std::move(turns));
  jobs_.setKeepAlive(false);
  connect(worker_, &TrainingWorker::metrics, this, [this](const QVector<EpochMetrics>& batch, const LiveStatus& s) {
    if (s.target > 0) live_ = s;
    emit metrics(batch, s);
  });
  connect(worker_, &TrainingWorker::checkpoint, this,
          [this](int epoch, const MeasureRecord& m, double) { emit checkpoint(epoch, m); });
  connect(worker_, &TrainingWorker::numerics, this, &TrainingController::numerics);
  connect(worker_, &TrainingWorker::finished, this, &TrainingController::onFinished);
  connect(worker_, &TrainingWorker::forked, this, [this](const QString& path, const QString& error) {
    const State asked = state_;
    live_ = LiveStatus{};
    setState(State::Idle);
    emit forked(path, error, asked);
  });
}

// The run under way commits a checkpoint and returns; jobs_ waits for it.
TrainingController::~TrainingController() { worker_->requestStop(); }

bool TrainingController::start(const Config& cfg, const QString& path) {
  if (active()) return false;
  worker_->reset();  // before the run is queued: a pause or stop asked after this one is kept
  live_ = LiveStatus{0, cfg.epochs, 0, -1};
  path_ = path;
  setState(State::Training);
  jobs_.run(this, [w = worker_, cfg, path](JobControl&) { w->train(cfg, path, /*overwrite=*/true); }, {});
  return true;
}

QString TrainingController::resume(const QString& path, std::optional<int> epochs) {
  if (active()) return tr("%1: training is under way").arg(path);
  int from = 0, target = 0;
  try {
    const RunStore run = RunStore::open(path.toStdString());
    const std::vector<int> ck = run.checkpoint_epochs();
    if (ck.empty()) return tr("%1 holds no checkpoint").arg(path);
    from = ck.back();
    target = epochs.value_or(run.config().epochs);
  } catch (const std::exception& e) {
    return QString::fromStdString(e.what());
  }
  if (epochs && *epochs <= from)
    return tr("epochs: %1 is not after the newest checkpoint (allowed: > %2)").arg(*epochs).arg(from);
  worker_->reset();
  live_ = LiveStatus{from, target, 0, -1};
  path_ = path;
  setState(State::Training);
  jobs_.run(this, [w = worker_, path, epochs](JobControl&) { w->resume(path, epochs); }, {});
  return {};
}

QString TrainingController::fork(const QString& parent, int epoch, const QStringList& changes, const QString& path) {
  if (active()) return tr("%1: training is under way").arg(path);
  worker_->reset();
  live_ = LiveStatus{epoch, 0, 0, epoch};
  path_.clear();
  setState(State::Training);
  jobs_.run(this, [w = worker_, parent, epoch, changes, path](JobControl&) { w->fork(parent, epoch, changes, path); },
            {});
  return {};
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
