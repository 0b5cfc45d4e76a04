// Fills in the progress measures a run file lacks (a run from an older version, or a key set first
// chosen) off the GUI thread, cancellably: core's fill_missing_measures as a job of the filler's
// JobRunner (ui/jobs/job_runner.h), stopped between checkpoints by the job's cancel flag. The run file
// keeps what was computed (tagged with its key set) for next time, cancelled or not.
//
//   MeasuresFiller f;
//   connect(&f, &MeasuresFiller::finished, ...);  // (path, cancelled, error)
//   f.start("run.grok", KeySelection::live());
//   f.cancelAndWait();  // before anything replaces run.grok
//
// Why cancellable: a long run has hundreds of checkpoints at about a second each (mainline), and
// the window must close, or start a new run over the file, without waiting for them all. A cancel
// waits at most for the checkpoint under way.
//
// Threading: every member is for the GUI thread. The fill runs on the runner's thread; its
// signals arrive on the GUI thread. The runner's thread ends with each fill (its OpenMP pool
// with it), as the analysis beside training must.
#pragma once

#include <QObject>
#include <QString>
#include <mutex>

#include "core/base/key_selection.h"
#include "ui/jobs/job_runner.h"

namespace grok {

class MeasuresFiller : public QObject {
  Q_OBJECT
 public:
  explicit MeasuresFiller(QObject* parent = nullptr);
  ~MeasuresFiller() override;  // cancels and waits for the checkpoint under way

  // Starts filling `path` for `keys`; false if a fill is under way.
  bool start(const QString& path, const KeySelection& keys);
  bool running() const;
  QString path() const;  // the run being filled, or ""
  // Asks the fill to stop after the checkpoint under way; returns at once.
  void cancel();
  // Cancels and returns once the fill has stopped (finished() is still to arrive).
  void cancelAndWait();

 signals:
  void progress(int done, int total);
  // The fill of `path` ended: all done, `cancelled`, or failed with `error`.
  void finished(const QString& path, bool cancelled, const QString& error);

 private:
  mutable std::mutex mutex_;
  QString path_;    // under mutex_; "" when idle (cleared by the job as it stops)
  JobRunner jobs_;  // last: destroyed (cancelled and joined) first
};

}  // namespace grok
