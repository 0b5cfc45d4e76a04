// Training from the window: owns the training thread and its worker (ui/run/training_worker.h) and
// the one explicit state of it (ui/run/training_state.h), so that nobody infers it from widgets.
//
//   TrainingController c(turns);
//   connect(&c, &TrainingController::stateChanged, panel, ...);
//   c.start(cfg, "run.grok");   // Idle -> Training; metrics() and checkpoint() follow
//   c.resume("old.grok", 5000); // Idle -> Training from its newest checkpoint, to epoch 5000
//   c.fork("old.grok", 600, {"weight_decay=0"}, "new.grok");  // Idle -> Training: the fork's file, forked()
//   c.setPaused(true);          // Training -> Paused (after the current epoch)
//   c.stop();                   // -> Stopping; finished() once the stop's checkpoint is committed
//
// Threading: every member is for the GUI thread. The worker runs on the controller's thread and
// reports through queued signals; commands reach it as atomic flags or queued calls. Each command
// resets the worker's pause and stop flags before it queues a run, so that a run never inherits
// the previous run's pause or stop.
#pragma once

#include <QObject>
#include <QString>
#include <memory>
#include <optional>

#include "core/base/config.h"
#include "ui/jobs/job_runner.h"
#include "ui/run/training_state.h"
#include "ui/run/training_worker.h"

namespace grok {

class AnalysisTurns;

class TrainingController : public QObject {
  Q_OBJECT
 public:
  using State = TrainingState;
  // `turns`: training takes turns with the views' analysis (core/runtime/analysis_turns.h).
  explicit TrainingController(std::shared_ptr<AnalysisTurns> turns, QObject* parent = nullptr);
  // Stops a run under way (its stop commits a checkpoint) and waits for the thread.
  ~TrainingController() override;

  State state() const { return state_; }
  bool active() const { return state_ != State::Idle; }
  const LiveStatus& live() const { return live_; }  // the newest progress the worker reported
  // The run file being trained (started or resumed; training, paused or stopping), else "".
  QString trainingPath() const { return active() ? path_ : QString(); }

  // From Idle only (else false): a new run written to `path` (an existing file is replaced).
  bool start(const Config& cfg, const QString& path);
  // From Idle only: the run at `path` continued from its newest checkpoint to `epochs` if given,
  // else to its own target. "" or why not ("epochs: 50 is not after the newest checkpoint ...").
  QString resume(const QString& path, std::optional<int> epochs);
  // From Idle only: writes a fork of checkpoint `epoch` of `parent` at `path` (core's Trainer::fork,
  // replacing a file there) on the training thread, in state Training; forked() follows, back in
  // Idle. "" or why not. Pause and stop cannot interrupt the fork; forked() says which was asked.
  QString fork(const QString& parent, int epoch, const QStringList& changes, const QString& path);
  void setPaused(bool paused);  // Training <-> Paused; the worker sleeps between epochs
  void stop();                  // Training / Paused -> Stopping

 signals:
  void stateChanged(grok::TrainingState state);
  void metrics(const QVector<grok::EpochMetrics>& batch, const grok::LiveStatus& status);
  void checkpoint(int epoch, const grok::MeasureRecord& measures);
  void numerics(const QVector<grok::NumericsRecord>& records);  // as the worker sends them
  // The run ended (state() is Idle again): completed, stopped, or failed with `error`.
  void finished(const QString& path, bool completed, const QString& error);
  // A fork was written (error "") or not; `asked`: the state it ended in (Paused, Stopping: the user
  // asked to pause or stop the training that would follow).
  void forked(const QString& path, const QString& error, grok::TrainingState asked);

 private:
  void setState(State s);
  void onFinished(const QString& path, bool completed, const QString& error);
  TrainingWorker* worker_ = nullptr;  // a child; its runs are jobs_'s
  JobRunner jobs_;                    // last: destroyed (waited for) first
  State state_ = State::Idle;
  LiveStatus live_;
  QString path_;  // start's or resume's run; "" for a fork (it writes a run, it does not train one)
};

}  // namespace grok
