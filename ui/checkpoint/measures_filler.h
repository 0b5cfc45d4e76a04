// Fills in the progress measures a run file lacks (a run from an older version, or a key set first
// chosen) off the GUI thread, cancellably: core's fill_missing_measures on a ComputeThread
// (core/runtime/compute_thread.h), stopped between checkpoints by an atomic flag. The run file
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
// Threading: every member is for the GUI thread. The fill runs on the filler's own thread; its
// signals are queued to the GUI thread. The compute thread ends with each fill (its OpenMP pool
// with it), as the analysis beside training must.
#pragma once

#include <QObject>
#include <QString>
#include <QThread>
#include <atomic>
#include <condition_variable>
#include <mutex>

#include "core/base/key_selection.h"
#include "core/runtime/compute_thread.h"

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
  void fill(const QString& path, const KeySelection& keys);  // on the filler's thread
  QThread thread_;
  QObject* worker_ = nullptr;  // lives on thread_; runs fill()
  ComputeThread compute_{kIntraOpThreads};
  std::atomic<bool> cancel_{false};
  mutable std::mutex mutex_;
  std::condition_variable idle_;
  QString path_;  // under mutex_; "" when idle
};

}  // namespace grok
