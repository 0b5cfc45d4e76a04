// Training off the GUI thread: a QObject whose train/resume/fork run as jobs of the controller's
// JobRunner (ui/jobs/job_runner.h) and drive core's Trainer. The GUI thread never waits on it: commands are queued slot
// calls or atomic flags, results come back as queued signals, metrics in batches of at most ~20 per second.
//
// TrainingController (ui/run/training_controller.h) owns it and its thread.
//
//   worker->reset();              // before queuing a run: no pause or stop left from the last one
//   jobs.run(this, [=](JobControl&) { worker->train(cfg, path, overwrite); }, {});
//   worker->requestPause(true);   // any thread; takes effect after the current epoch
//   worker->requestStop();        // commits a checkpoint at the epoch reached, then finished()
#pragma once

#include <QObject>
#include <QString>
#include <QStringList>
#include <QVector>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>

#include "core/base/config.h"
#include "core/runtime/analysis_turns.h"
#include "core/runtime/compute_thread.h"
#include "core/store/run_store.h"

namespace grok {

struct LiveStatus {
  int epoch = 0, target = 0;
  double epochs_per_second = 0;
  int last_checkpoint = -1;
};

class TrainingWorker : public QObject {
  Q_OBJECT
 public:
  explicit TrainingWorker(QObject* parent = nullptr);

  // Run as jobs, off the GUI thread; return when training ends (finished() says how).
  void train(const Config& cfg, const QString& path, bool overwrite);
  void resume(const QString& path, std::optional<int> epochs);
  // Writes a fork of checkpoint `epoch` of `parent` at `path` (Trainer::fork: its first checkpoint and
  // measures), then forked(); it does not train it (the window opens it first, then resumes it).
  void fork(const QString& parent, int epoch, const QStringList& changes, const QString& path);

  // Thread-safe, callable from the GUI thread.
  // Clears the pause and stop flags. Called before a run is queued, not by the run itself, so that
  // a pause or stop asked for between queuing and the run's start is not lost.
  void reset();
  void requestPause(bool paused);
  void requestStop();
  bool paused() const { return paused_.load(); }
  // Training takes turns with the analysis that shares these (core/runtime/analysis_turns.h); set before
  // the first run.
  void setTurns(std::shared_ptr<AnalysisTurns> turns) { turns_ = std::move(turns); }

 signals:
  void started(const QString& path, const grok::Config& cfg);
  void metrics(const QVector<grok::EpochMetrics>& batch, const grok::LiveStatus& status);
  void checkpoint(int epoch, const grok::MeasureRecord& measures, double measures_ms);
  // The numerics completed since the last batch (records.h NumericsRecord), sent just before metrics().
  void numerics(const QVector<grok::NumericsRecord>& records);
  // Once the trainer has let go of the run (its lock released).
  void finished(const QString& path, bool completed, const QString& error);
  void forked(const QString& path, const QString& error);  // error "": the fork's file is written

 private:
  struct Outcome {
    bool completed = false;
    QString error;  // "" unless training stopped on one
  };
  Outcome run(class Trainer& t);  // trains, sending metrics, checkpoints and numerics as they come
  std::atomic<bool> stop_{false}, paused_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::shared_ptr<AnalysisTurns> turns_;
};

}  // namespace grok

Q_DECLARE_METATYPE(grok::EpochMetrics)
Q_DECLARE_METATYPE(grok::LiveStatus)
Q_DECLARE_METATYPE(grok::MeasureRecord)
Q_DECLARE_METATYPE(grok::NumericsRecord)
Q_DECLARE_METATYPE(grok::Config)
