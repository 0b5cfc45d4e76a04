// MainWindow's commands: the menus, opening a run, exports, and Start / Resume / Stop / Pause with
// the questions they ask first. The docks and the wiring are in main_window.cpp.
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QStatusBar>

#include "ui/checkpoint/epoch_scrubber.h"
#include "ui/compare/compare_view.h"
#include "ui/help/help_browser.h"
#include "ui/help/help_pages.h"
#include "ui/plots/figure_export.h"
#include "ui/run/run_panel.h"
#include "ui/window/curves_panel.h"
#include "ui/window/export_dialogs.h"
#include "ui/window/main_window.h"
#include "ui/window/recent_runs_menu.h"
#include "ui/window/reference_run.h"
#include "ui/window/run_viewer.h"

namespace grok {

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  // One run file: the dashboard; several, or a sweep's manifest.json: the Compare view.
  file->addAction(tr("&Open run..."), QKeySequence::Open, this, [this] {
    const QStringList p =
        QFileDialog::getOpenFileNames(this, tr("Open run (several: compare them)"), QFileInfo(runPath()).absolutePath(),
                                      tr("Grokking runs, sweeps and PyTorch checkpoints (*.grok manifest.json *.pt "
                                         "*.pth);;All files (*)"));
    if (p.size() == 1 && QFileInfo(p.first()).fileName() == "manifest.json")
      openCompare({QFileInfo(p.first()).absolutePath()});
    else if (p.size() == 1)
      openRun(p.first());
    else if (p.size() > 1)
      openCompare(p);
  });
  file->addAction(tr("Open &sweep folder..."), this, [this] {
    const QString d =
        QFileDialog::getExistingDirectory(this, tr("Open sweep folder"), QFileInfo(runPath()).absolutePath());
    if (!d.isEmpty()) openCompare({d});
  });
  recent_ = new RecentRunsMenu(tr("Open &recent"), this);
  file->addMenu(recent_);
  connect(recent_, &RecentRunsMenu::openRequested, this, [this](const QString& p) { openRun(p); });
  file->addAction(tr("Overlay r&eference run..."), this, [this] {
    const QString p =
        QFileDialog::getOpenFileName(this, tr("Overlay reference run"), QFileInfo(runPath()).absolutePath(),
                                     tr("Grokking runs (*.grok);;All files (*)"));
    if (!p.isEmpty()) setReference(p);
  });
  QAction* clearRef = file->addAction(tr("Clear reference run"), viewer_, &RunViewer::clearReference);
  clearRef->setEnabled(false);
  connect(viewer_->reference(), &ReferenceRun::changed, clearRef,
          [this, clearRef] { clearRef->setEnabled(viewer_->reference()->active()); });
  file->addSeparator();
  exports_->addActions(file, viewer_->figures());
  buildAnimationAction(file);
  buildInterchangeActions(file);
  file->addSeparator();
  file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);
  QMenu* view = menuBar()->addMenu(tr("&View"));
  for (QDockWidget* d : findChildren<QDockWidget*>()) view->addAction(d->toggleViewAction());
  view->addSeparator();
  EpochScrubber* s = viewer_->scrubber();
  view->addAction(tr("Play / pause checkpoints"), QKeySequence(Qt::Key_Space), s, &EpochScrubber::togglePlay);
  view->addAction(tr("Previous checkpoint"), QKeySequence(Qt::Key_Left), s, [s] { s->step(-1); });
  view->addAction(tr("Next checkpoint"), QKeySequence(Qt::Key_Right), s, [s] { s->step(+1); });
  view->addAction(tr("Fit all curves to their data"), viewer_->curves(), &CurvesPanel::fitAll);
}

bool MainWindow::openRun(const QString& path, bool quiet) {
  if (isPyTorchCheckpoint(path)) return importCheckpoint(path, quiet) != nullptr;
  lastError_ = viewer_->open(path, /*fill=*/true);
  if (!lastError_.isEmpty() && !quiet) QMessageBox::critical(this, tr("Cannot open run"), lastError_);
  return lastError_.isEmpty();
}

bool MainWindow::setReference(const QString& path, bool quiet) {
  lastError_ = viewer_->setReference(path);
  if (!lastError_.isEmpty() && !quiet) QMessageBox::critical(this, tr("Cannot overlay reference run"), lastError_);
  return lastError_.isEmpty();
}

bool MainWindow::openCompare(const QStringList& paths, bool quiet) {
  lastError_ = compare_->open(paths);
  if (!lastError_.isEmpty()) {
    if (!quiet) QMessageBox::critical(this, tr("Cannot compare"), lastError_);
    return false;
  }
  if (!QSettings().value("compare/placed").toBool()) {
    // The first time: a window of its own over most of the dashboard (it docks like the others;
    // later the saved layout places it).
    QSettings().setValue("compare/placed", true);
    compareDock_->setFloating(true);
    compareDock_->resize(width() * 9 / 10, height() * 9 / 10);
    compareDock_->move(geometry().center() - compareDock_->rect().center());
  }
  compareDock_->show();
  compareDock_->raise();
  return true;
}

QString MainWindow::exportDashboard(const QString& path) { return exportWidget(this, path, 1.0); }

QString MainWindow::exportAllFigures(const QString& dir) { return exportWidgets(viewer_->figures(), dir); }

QString MainWindow::exportMetricsCsv(const QString& path) {
  return grok::exportMetricsCsv(runPath(), path, viewer_->curves()->visibleEpochs());
}

void MainWindow::startTraining() {
  const std::optional<Config> cfg = panel_->config();
  if (!cfg) return error(tr("Cannot start"), panel_->error());
  const QString path = panel_->runPath();
  if (QFileInfo::exists(path) &&
      QMessageBox::question(this, tr("Overwrite?"), tr("%1 exists. Replace it with a new run?").arg(path)) !=
          QMessageBox::Yes)
    return;
  QDir().mkpath(QFileInfo(path).absolutePath());
  QSettings().setValue("run/preset", panel_->presetName());
  if (const QString err = startTrainingWith(*cfg, path); !err.isEmpty()) error(tr("Cannot start"), err);
}

QString MainWindow::startTrainingWith(const Config& cfg, const QString& path) {
  if (training()) return tr("training is running; stop it first");
  viewer_->showNewRun(path, cfg);  // waits for a fill of the file to stop
  showFamilyDocks(cfg);
  help_->setTags(helpContextTags(cfg));
  setWindowTitle(tr("Grokking Lab - %1 (training)").arg(QFileInfo(path).fileName()));
  controller_->start(cfg, path);
  return {};
}

void MainWindow::resumeTraining(int epochs) {
  const std::vector<int>& ck = viewer_->scrubber()->checkpoints();
  const Config& cfg = viewer_->config();
  if (runPath().isEmpty() || training()) return;
  if (viewer_->filling())
    return error(tr("Cannot resume"), tr("The progress measures are being computed; resume after that."));
  if (epochs <= 0 && !ck.empty() && ck.back() >= cfg.epochs) {  // complete: how far on?
    bool ok = false;
    const int most = static_cast<int>(find_config_field("epochs")->hi);
    epochs = QInputDialog::getInt(this, tr("Train on"),
                                  tr("This run is complete at epoch %1. Train it on to epoch:").arg(ck.back()),
                                  std::min(2 * cfg.epochs, most), ck.back() + 1, most, cfg.checkpoint_interval, &ok);
    if (!ok) return;
  }
  // The curves as stored (training redoes the epochs after the newest checkpoint), then on.
  const QString path = runPath();
  QString err = viewer_->open(path, /*fill=*/false);
  if (err.isEmpty()) err = controller_->resume(path, epochs > 0 ? std::optional<int>(epochs) : std::nullopt);
  if (!err.isEmpty()) error(tr("Cannot resume"), err);
}

void MainWindow::stopTraining() { controller_->stop(); }
void MainWindow::pauseTraining(bool pause) { controller_->setPaused(pause); }

void MainWindow::onFinished(const QString& path, bool completed, const QString& err) {
  // The stop's commit and the newest measures are in the run file: show it as stored.
  if (QFileInfo::exists(path)) openRun(path, true);
  if (!err.isEmpty())
    error(tr("Training stopped"), err);
  else
    statusBar()->showMessage(completed ? tr("Training complete: %1").arg(path) : tr("Stopped; resumable: %1").arg(path),
                             8000);
  emit trainingFinished(completed);
  if (closeAfterStop_) close();
}

}  // namespace grok
