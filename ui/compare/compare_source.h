// The runs the Compare view shows, kept up to date while they train: a sweep folder (its manifest
// names every run, started or not) or any set of run files (their varied fields are the config
// fields that differ among them: core's differing_fields).
//
// Live without a busy loop: a timer (2 s) stats every run file and its WAL (run_file_stamp.h), the
// run's lock and its error file on the GUI thread (microseconds a run), and only the runs whose stamp changed are
// re-read as a job of the source's runner (ui/jobs/job_runner.h); the result is posted back and `updated` names the
// rows. A run's trainer commits a checkpoint into the WAL, so a growing run changes the stamp.
//
//   CompareSource s;
//   connect(&s, &CompareSource::updated, view, [](const QList<int>& rows) { ... });
//   QString err = s.open({"sweeps/fractions"});   // or {"a.grok", "b.grok"}; "" or one line
//   s.poll();                                      // now instead of at the next tick (tests)
//
// Threading: every member is for the GUI thread; one read runs at a time on the source's thread,
// which the destructor and open() wait for (a read takes milliseconds).
#pragma once

#include <QObject>
#include <QStringList>
#include <QTimer>
#include <QVector>
#include <optional>
#include <utility>

#include "core/experiments/sweep.h"
#include "ui/compare/compare_data.h"
#include "ui/jobs/job_runner.h"
#include "ui/jobs/run_file_stamp.h"

namespace grok {

class CompareSource : public QObject {
  Q_OBJECT
 public:
  explicit CompareSource(QObject* parent = nullptr);
  ~CompareSource() override;

  // A sweep folder, or one or more run files (a sweep folder among several stands for its started
  // runs). `opened` follows at once with the rows, `updated` once the files are read (off the GUI
  // thread). "" or a one-line error; then the previous set is kept.
  QString open(const QStringList& paths);
  bool isSweep() const { return sweep_.has_value(); }
  const Sweep* sweep() const { return sweep_ ? &*sweep_ : nullptr; }
  QString title() const { return title_; }               // the sweep's folder name or "3 runs"
  const QStringList& varied() const { return varied_; }  // seed last
  const QVector<CompareRun>& runs() const { return runs_; }

  // Stats the files now; re-reads changed ones off the GUI thread (`updated` follows). While a
  // read is under way, one more poll is made after it.
  void poll();
  bool reading() const { return reading_; }
  void setPollInterval(int ms) { timer_.setInterval(ms); }
  double lastReadMs() const { return lastReadMs_; }  // the newest read, per run

 signals:
  void opened();                         // a new set of runs (rows may differ)
  void updated(const QList<int>& rows);  // these runs were re-read

 private:
  struct Stamp {
    RunFileStamp file;
    bool locked = false, failed = false;
    bool seen = false;  // false until the first poll after open(): every run is read once
    bool operator==(const Stamp& o) const {
      return seen == o.seen && file == o.file && locked == o.locked && failed == o.failed;
    }
  };
  Stamp stampOf(int row) const;
  // Fills in what the file does not say: varied fields from the manifest, the state from the lock.
  void finish(CompareRun& r, const Stamp& s) const;
  void apply(QVector<CompareRun> read, quint64 gen, double ms);
  void updateLooseVaried();

  std::optional<Sweep> sweep_;
  QString title_;
  QStringList varied_;
  QVector<CompareRun> runs_;
  QVector<Stamp> stamps_;
  QTimer timer_;
  bool reading_ = false;    // a read of this set is under way
  quint64 generation_ = 0;  // which open() a read belongs to
  bool pollAgain_ = false;
  double lastReadMs_ = 0;
  JobRunner reads_{1};  // last: destroyed (waited for) first
};

}  // namespace grok
