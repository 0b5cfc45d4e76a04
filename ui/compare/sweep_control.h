// Runs a sweep from the window: core's run_sweep (the runner `grokking-cli sweep run` uses) as a
// job of its own runner (ui/jobs/job_runner.h), stopped through its atomic flag; progress and events are posted to the
// GUI thread as signals. Runs another process trains are skipped (run locks), so the window and a CLI can share a
// sweep.
//
//   SweepControl c;
//   connect(&c, &SweepControl::progress, label, [](const SweepProgress& p) { ... });
//   QString err = c.start("sweeps/lr-wd", 0);   // jobs: 0 = what the machine gives
//   c.stop();                                    // every run commits a checkpoint and returns
//
// Why the destructor waits: closing the window must leave every run file with its newest
// checkpoint committed; run_sweep returns once each run has committed (an epoch and a commit: well
// under a second for the small runs a laptop sweeps).
//
// Threading: every member is for the GUI thread. run_sweep's callbacks never touch a widget: they
// post to this object, whose signals are delivered on the GUI thread.
#pragma once

#include <QMetaType>
#include <QObject>
#include <QString>
#include <atomic>
#include "core/runner/sweep_runner.h"
#include "ui/jobs/job_runner.h"

namespace grok {

class SweepControl : public QObject {
  Q_OBJECT
 public:
  explicit SweepControl(QObject* parent = nullptr);
  ~SweepControl() override;  // stops the sweep and waits for its runs to commit

  // Starts training every incomplete run of the sweep in `dir`; "" or a one-line error.
  QString start(const QString& dir, int jobs = 0);
  void stop();  // returns at once; `finished` follows when every run has committed
  bool running() const { return running_; }
  bool stopping() const { return running() && stop_.load(); }
  const SweepProgress& lastProgress() const { return last_; }
  // "3/12 complete · 2 running · 1450 epochs/s · about 1 min left"
  static QString progressText(const SweepProgress& p);

 signals:
  void progress(const grok::SweepProgress& p);
  void event(const QString& message);  // a run started, completed, stopped, failed or was skipped
  void finished(const grok::SweepResult& result, const QString& error);

 private:
  void done(const SweepResult& r, const QString& error);
  std::atomic<bool> stop_{false};
  SweepProgress last_;
  bool running_ = false;  // from start() until `finished`
  JobRunner jobs_;        // last: destroyed (waited for) first
};

}  // namespace grok

Q_DECLARE_METATYPE(grok::SweepProgress)
Q_DECLARE_METATYPE(grok::SweepResult)
