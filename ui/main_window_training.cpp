// MainWindow's training controls: start, resume and stop on the worker thread, and what happens
// when the worker reports the end of a run. The rest of the window is in main_window.cpp.
#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QInputDialog>
#include <QMessageBox>
#include <QSettings>
#include <QStatusBar>
#include <algorithm>
#include <limits>

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
  snapshots_->setWarm(false);  // its OpenMP pool would slow training (core/runtime/compute_thread.h)
  QMetaObject::invokeMethod(worker_, [w = worker_, c, path] { w->train(c, path, true); });
}

void MainWindow::resumeTraining(int epochs) {
  if (path_.isEmpty() || training()) return;
  if (filling_) return error(tr("Cannot resume"), tr("The progress measures are being computed; resume after that."));
  if (scrubber_->checkpoints().empty()) return error(tr("Cannot resume"), tr("%1 holds no checkpoint").arg(path_));
  const int from = scrubber_->checkpoints().back();
  if (epochs <= 0 && from >= cfg_.epochs) {
    bool ok = false;
    epochs = QInputDialog::getInt(this, tr("Train on"),
                                  tr("This run is complete at epoch %1. Train it on to epoch:").arg(from),
                                  2 * cfg_.epochs, from + 1, std::numeric_limits<int>::max(), cfg_.checkpoint_interval, &ok);
    if (!ok) return;
  }
  if (epochs > 0 && epochs <= from)
    return error(tr("Cannot resume"),
                 tr("epochs: %1 is not after the newest checkpoint (allowed: > %2)").arg(epochs).arg(from));
  const std::optional<int> target = epochs > 0 ? std::optional<int>(epochs) : std::nullopt;
  const QString path = path_;
  *live_ = LiveStatus{from, target.value_or(cfg_.epochs), 0, -1};  // training() from here on
  // Resuming appends: keep the curves, drop metrics past the newest checkpoint (training redoes them).
  metrics_.erase(
      std::remove_if(metrics_.begin(), metrics_.end(), [&](const EpochMetrics& m) { return m.epoch > from; }),
      metrics_.end());
  openRun(path, true);
  panel_->setState(RunPanel::State::Training);
  *live_ = LiveStatus{from, target.value_or(cfg_.epochs), 0, -1};
  snapshots_->setWarm(false);
  QMetaObject::invokeMethod(worker_, [w = worker_, path, target] { w->resume(path, target); });
}

void MainWindow::stopTraining() {
  if (!training()) return;
  panel_->setState(RunPanel::State::Stopping);
  worker_->requestStop();
}

void MainWindow::onFinished(const QString& path, bool completed, const QString& err) {
  *live_ = LiveStatus{};
  snapshots_->setWarm(true);
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
