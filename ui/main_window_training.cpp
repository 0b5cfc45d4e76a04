// MainWindow's training controls: start, resume and stop on the worker thread, and what happens
// when the worker reports the end of a run. The rest of the window is in main_window.cpp.
#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QMessageBox>
#include <QSettings>
#include <QStatusBar>
#include <algorithm>

#include "ui/epoch_scrubber.h"
#include "ui/main_window.h"
#include "ui/run_panel.h"
#include "ui/training_worker.h"

namespace grok {

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
  fixedKeys_.reset();
  keySelection_->setCurrentIndex(0);
  clearViews();
  path_ = path;
  cfg_ = *cfg;
  *live_ = LiveStatus{0, cfg->epochs, 0, -1};
  snapshots_->setRun(path);
  snapshots_->setKeyFreqs(std::nullopt);
  panel_->setState(RunPanel::State::Training);
  setWindowTitle(tr("Grokking Lab - %1 (training)").arg(QFileInfo(path).fileName()));
  const Config c = *cfg;
  QMetaObject::invokeMethod(worker_, [w = worker_, c, path] { w->train(c, path, true); });
}

void MainWindow::resumeTraining() {
  if (path_.isEmpty()) return;
  const QString path = path_;
  *live_ = LiveStatus{scrubber_->checkpoints().empty() ? 0 : scrubber_->checkpoints().back(), cfg_.epochs, 0, -1};
  // Resuming appends: keep the curves, drop metrics past the newest checkpoint (training redoes them).
  const int from = live_->epoch;
  metrics_.erase(
      std::remove_if(metrics_.begin(), metrics_.end(), [&](const EpochMetrics& m) { return m.epoch > from; }),
      metrics_.end());
  openRun(path, true);
  panel_->setState(RunPanel::State::Training);
  *live_ = LiveStatus{from, cfg_.epochs, 0, -1};
  QMetaObject::invokeMethod(worker_, [w = worker_, path] { w->resume(path, std::nullopt); });
}

void MainWindow::stopTraining() {
  if (!training()) return;
  panel_->setState(RunPanel::State::Stopping);
  worker_->requestStop();
}

void MainWindow::onFinished(const QString& path, bool completed, const QString& err) {
  *live_ = LiveStatus{};
  panel_->setState(RunPanel::State::Idle);
  // The stop commit and the newest measures are in the run file: show it as stored.
  if (QFileInfo::exists(path)) openRun(path, true);
  if (!err.isEmpty())
    error(tr("Training stopped"), err);
  else
    statusBar()->showMessage(completed ? tr("Training complete: %1").arg(path) : tr("Stopped; resumable: %1").arg(path),
                             8000);
  emit trainingFinished(completed);
  if (closeAfterStop_) close();
}

int MainWindow::liveEpoch() const { return live_->epoch; }

void MainWindow::pauseTraining(bool pause) {
  if (!training()) return;
  worker_->requestPause(pause);
  panel_->setState(pause ? RunPanel::State::Paused : RunPanel::State::Training);
}

}  // namespace grok
