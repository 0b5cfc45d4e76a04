// The run the window shows: reads it from its file (ui/window/run_contents.h), puts it on the curves
// (ui/window/curves_panel.h) and on the checkpoint views (ui/checkpoint/checkpoint_views.h) at the
// scrubber's epoch, appends what training reports, and has the measures the file lacks computed
// (ui/checkpoint/measures_filler.h) for the key set chosen (ui/checkpoint/key_set_chooser.h). A
// reference run (ui/window/reference_run.h) is drawn under the curves, whatever run is open, until
// cleared; a label for the status bar says how it differs from the open run. A fork (its meta names
// its parent, ui/run/fork_origin.h) has its parent drawn as the reference when it opens, so that its
// curves continue the parent's on one epoch axis, and the label says where it was forked.
//
//   RunViewer v(turns);
//   QString err = v.open("run.grok", /*fill=*/true);  // "" or one line
//   v.showNewRun("new.grok", cfg);                     // training is about to write it
//   v.addMetrics(batch); v.addCheckpoint(epoch, measures); v.addNumerics(records);
//   v.setReference("base.grok");                       // "" or one line; v.clearReference()
//
// A run that another process writes (grokking-cli train, a Slurm job, a sweep's run) is followed
// while it is open: a timer (2 s) stats the file and its WAL (ui/jobs/run_file_stamp.h), and on a
// change what is new is read off the GUI thread (run_contents.h, loadRunTail) and added as this
// app's own training adds it, the scrubber moving on with the newest checkpoint if it was there. A
// run made anew over the path is opened again. Off while this app trains.
//
// Threading: GUI thread only; the views' analysis and the fill run on threads their owners hold.
#pragma once

#include <QMap>
#include <QObject>
#include <QSet>
#include <QString>
#include <memory>

#include "core/base/config.h"
#include "core/base/records.h"
#include "ui/jobs/run_file_stamp.h"
#include "ui/run/fork_origin.h"
#include "ui/window/run_contents.h"

class QCustomPlot;
class QLabel;
class QTableWidget;
class QTimer;
class QWidget;

namespace grok {

class JobRunner;

class AnalysisTurns;
class Task;
class CheckpointViews;
class CurvesPanel;
class EpochScrubber;
class HeatmapView;
class KeySetChooser;
class MeasuresFiller;
class ReferenceRun;
class SeriesView;
class SpectrumView;

class RunViewer : public QObject {
  Q_OBJECT
 public:
  explicit RunViewer(std::shared_ptr<AnalysisTurns> turns, QObject* parent = nullptr);
  ~RunViewer() override;
  CurvesPanel* curves() const { return curves_; }
  CheckpointViews* views() const { return views_; }
  EpochScrubber* scrubber() const { return scrubber_; }  // for a toolbar (unparented until then)
  KeySetChooser* keys() const { return keys_; }          // likewise
  ReferenceRun* reference() const { return reference_; }
  QLabel* referenceLabel() const { return referenceLabel_; }  // for the status bar (likewise)
  QString path() const { return path_; }
  const Config& config() const { return cfg_; }
  const ForkOrigin& forkOrigin() const { return origin_; }  // of the open run (no fork: isFork() false)
  bool filling() const;
  // Figure name -> view, for export (the names are the views' object names).
  QMap<QString, QWidget*> figures() const;

  // The views one by one, for tests and the benchmarks.
  QCustomPlot* lossPlot() const;
  QCustomPlot* accuracyPlot() const;
  SeriesView* measuresView() const;
  SpectrumView* weView() const;
  SpectrumView* wlView() const;
  HeatmapView* neuronView() const;
  HeatmapView* attentionView() const;
  HeatmapView* logitsView() const;
  QTableWidget* checksTable() const;
  int shownSnapshotEpoch() const;
  int shownChecksEpoch() const;

  // Shows the run as stored; "" or a one-line error, leaving what was shown. `fill`: then compute
  // the measures the file lacks for the key set (once a session for each run and key set).
  QString open(const QString& path, bool fill);
  // Training is about to write a new run of `cfg` at `path`: no fill may write the file it replaces.
  void showNewRun(const QString& path, const Config& cfg);
  // Live updates; no key set change or fill meanwhile. `paused`: training waits for the user, so
  // the views follow the newest checkpoint at once (nothing to share the cores with).
  // `trainedPath`: the run file training writes, where the views keep their results (snapshot_service.h).
  void setTraining(bool training, bool paused = false, const QString& trainedPath = {});
  void addMetrics(const QVector<EpochMetrics>& batch);
  void addCheckpoint(int epoch, const MeasureRecord& measures);
  void addNumerics(const QVector<NumericsRecord>& records);
  void cancelFill();  // returns at once; what was computed is kept
  // Following a run another process writes: look at its file now instead of at the next tick
  // (tests); the tick's interval; whether another process holds the open run (as last read).
  void pollFile();
  void setPollInterval(int ms);
  bool followingWriter() const { return writerHolds_; }
  bool readingTail() const { return tailReading_; }
  // Another run's curves under this one's: "" or a one-line error, leaving the reference as it was.
  QString setReference(const QString& path);
  void clearReference();

 signals:
  void opened(const QString& path, bool hasCheckpoints);
  void message(const QString& text, int timeoutMs);
  void failed(const QString& title, const QString& message);
  void followed(int epoch);  // what another process wrote is shown, up to this epoch's metrics

 private:
  void clear();
  void showUndefined(const Task& task);
  void follow();  // from what is shown now, unless this app trains
  void setWriterHolds(bool held);
  void takeCheckpoint(int epoch, const MeasureRecord* measures);  // measures: nullptr if none stored
  void applyTail(const RunTail& t);
  void onFillFinished(const QString& path, bool cancelled, const QString& error);
  void showReference();  // after the reference was set, re-read or cleared
  void describeReference();
  void showParent();         // a fork's parent as the reference, on opening it
  QString forkLine() const;  // "Forked from base.grok at epoch 600 (optimizer: parent)", "" if no fork
  CurvesPanel* curves_;
  EpochScrubber* scrubber_;
  KeySetChooser* keys_;
  CheckpointViews* views_;
  MeasuresFiller* filler_;
  ReferenceRun* reference_;
  QLabel* referenceLabel_;
  QString path_;
  Config cfg_;
  bool training_ = false;
  QSet<QString> fillAttempts_;  // "path|key set": a failed fill is not retried in a loop
  QString fillAttempt_;         // the one under way or last
  ForkOrigin origin_;
  bool parentReference_ = false;     // the reference is a fork's parent, drawn on opening it (not the user's)
  std::unique_ptr<JobRunner> jobs_;  // reads a run file off the GUI thread
  unsigned openSeq_ = 0;             // the newest open(): an older one's read is dropped
  RunShown shown_;                   // what the curves and the scrubber have of the run
  QTimer* followTimer_;              // runs while a run is open and this app does not train
  RunFileStamp stamp_;               // the file as last read
  bool tailReading_ = false;
  bool writerHolds_ = false;
};

}  // namespace grok
