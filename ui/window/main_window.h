// The Grokking Lab main window: the docks and menus of a dashboard over one run, and the wiring
// between its parts, which hold their own state and do the work:
//   RunPanel, TrainingController (ui/run/)  the settings and buttons; training in one explicit state
//   RunViewer (ui/window/)                  the run shown: its curves and checkpoint views
//   ExportDialogs (ui/window/)              figure, dashboard and CSV export
// Data flows one way: the trainer writes the run file and reports through queued signals; the
// viewer appends them and reads checkpoints back from the file. The GUI thread never waits on
// training or analysis.
#pragma once

#include <QMainWindow>
#include <functional>
#include <memory>

#include "core/interchange/checkpoint_layout.h"
#include "ui/run/training_controller.h"
#include "ui/window/animation_export.h"

class QDockWidget;
class QLabel;
class QMenu;
class QToolBar;

namespace grok {

class CompareView;
class ForkDialog;
class GuidedRun;
class HelpBrowser;
class PhaseAnnouncer;
class ImportDialog;
class JobRunner;
class ExportDialogs;
class RecentRunsMenu;
class RunPanel;
class RunViewer;

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;
  // The size the dashboard is laid out for (a 1920x1080 screen less the desktop's panels). The
  // window opens at it, or at most of a smaller screen.
  static QSize designSize() { return {1880, 1040}; }
  // Shows a run file, then has the measures it lacks computed; on failure shows an error dialog
  // (unless `quiet`) and returns false, leaving whatever was shown before.
  bool openRun(const QString& path, bool quiet = false);
  // Draws another run (a baseline) under the curves, as File > Overlay reference run does; on
  // failure an error dialog (unless `quiet`), false, and the dashboard as it was.
  bool setReference(const QString& path, bool quiet = false);
  // Shows a sweep folder or several run files in the Compare dock (ui/compare/compare_view.h).
  bool openCompare(const QStringList& paths, bool quiet = false);
  CompareView* compare() const { return compare_; }
  QDockWidget* compareDock() const { return compareDock_; }
  QString lastError() const { return lastError_; }
  bool training() const { return controller_->active(); }
  TrainingState trainingState() const { return controller_->state(); }
  int liveEpoch() const { return controller_->live().epoch; }  // the newest epoch training reported
  RunPanel* runPanel() const { return panel_; }
  RunViewer* viewer() const { return viewer_; }  // the run shown, its views (for tests and benchmarks)
  QString runPath() const;
  // Exports, each "" or a one-line error naming the file and the problem: the dashboard (PNG, SVG
  // or PDF by extension); every view into `dir` as PNG and SVG; the metrics of the epochs shown,
  // as `grokking-cli export-csv` writes them.
  QString exportDashboard(const QString& path);
  QString exportAllFigures(const QString& dir);
  QString exportMetricsCsv(const QString& path);
  // "Fork from here..." (Run menu, the scrubber's context menu and its toolbar): the fork dialog
  // (ui/run/fork_dialog.h) for the scrubbed checkpoint, shown window-modal without blocking; once
  // accepted the fork is written on the training thread, opened (its parent drawn under it) and
  // trained to its epochs as Resume trains. nullptr and an error dialog when no fork is possible now.
  ForkDialog* forkFromHere();
  QAction* forkAction() const { return forkAction_; }  // disabled, its tooltip saying why, while training
  // PyTorch interchange (main_window_import.cpp). The scrubbed checkpoint (or every one) as a .pt
  // file: "" or a one-line error. Opening a .pt/.pth: the import dialog for it (window-modal, not
  // blocking); once accepted the run is written on a thread and opened, then imported() is emitted.
  // nullptr and an error dialog when the file is refused.
  QString exportCheckpoint(const QString& path, PtLayout layout, bool all);
  ImportDialog* importCheckpoint(const QString& file, bool quiet = false);
  QAction* exportPtAction() const { return exportPtAction_; }
  // Animations (main_window_animation.cpp, ui/window/animation_export.h): the views that can be
  // animated (the dock names, "dashboard" last), and an export of `view` started: nullptr and a
  // one-line `error` when it cannot start. The window parents it; the caller deletes it once finished.
  QStringList animationViews() const;
  AnimationExport* exportAnimation(const QString& view, AnimationRequest request, QString* error);
  // The help window (ui/help/help_browser.h): F1, a dock's "?" and What's This open its pages.
  HelpBrowser* help() const { return help_; }
  // The phases marked on the scrubber and announced in the status bar (ui/window/phase_announcer.h).
  PhaseAnnouncer* phaseAnnouncer() const { return announcer_; }
  // F1: the page of the view holding the focus, else of the one under the mouse, else the index.
  void showHelpForFocus();

 public slots:
  void startTraining();
  // Trains `cfg` into `path` without the run panel's form or the saved preset (the guided run):
  // "" or why not.
  QString startTrainingWith(const Config& cfg, const QString& path);
  // Help > "Watch grokking in two minutes" (ui/window/guided_run.h); nullptr and an error dialog
  // when it cannot start now.
  GuidedRun* startGuidedRun();
  // An error dialog (and lastError()): what the window shows when a command fails.
  void showError(const QString& title, const QString& message) { error(title, message); }
  // Continues the open run from its newest checkpoint, to `epochs` if given (> 0), else to its own
  // target; a complete run asks how far to go on.
  void resumeTraining(int epochs = 0);
  void stopTraining();
  void pauseTraining(bool pause);  // training sleeps between epochs until continued or stopped

 signals:
  void epochsArrived(const QVector<grok::EpochMetrics>& batch);  // training reported these epochs
  void snapshotShown(int epoch);  // every snapshot view but the check table now shows `epoch`
  void checksShown(int epoch);    // the check table now shows `epoch`
  void trainingFinished(bool completed);
  void imported(const QString& run, const QString& error);  // error "" once the run is open

 protected:
  void closeEvent(QCloseEvent* event) override;
  void showEvent(QShowEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  void buildDocks();
  void buildMenus();
  void wire();
  void onFinished(const QString& path, bool completed, const QString& error);
  void updateStatus();
  void error(const QString& title, const QString& message);
  void buildForkActions();  // main_window_fork.cpp
  void updateForkAction();
  void onForked(const QString& path, const QString& error, TrainingState asked);
  void buildInterchangeActions(QMenu* file);  // main_window_import.cpp
  void showFamilyDocks(const Config& cfg);
  void buildHelp(QToolBar* scrubberBar);   // main_window_help.cpp
  void buildAnimationAction(QMenu* file);  // main_window_animation.cpp

  RunPanel* panel_;
  TrainingController* controller_;
  RunViewer* viewer_;
  ExportDialogs* exports_;
  CompareView* compare_ = nullptr;
  QDockWidget* compareDock_ = nullptr;
  QDockWidget* attentionDock_ = nullptr;  // shown for model families with attention heads
  QDockWidget* neuronDock_ = nullptr;     // shown for model families with MLP neurons
  RecentRunsMenu* recent_ = nullptr;
  HelpBrowser* help_ = nullptr;
  PhaseAnnouncer* announcer_ = nullptr;
  QLabel* status_ = nullptr;
  QAction* forkAction_ = nullptr;
  QAction* exportPtAction_ = nullptr;
  QString lastError_;
  bool closeAfterStop_ = false;
  std::function<void()> defaultLayout_;  // applied once shown, unless a saved layout was restored
  QSize initialSize_;                    // most of the screen, at most designSize()
  QSize constructedSize_;                // as the constructor left it (a caller may resize after)
  std::unique_ptr<JobRunner> jobs_;      // imports and exports (ui/jobs/job_runner.h)
};

// A .pt or .pth file: opened through the import dialog, not as a run file.
bool isPyTorchCheckpoint(const QString& path);

}  // namespace grok
