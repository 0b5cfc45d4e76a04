// MainWindow's "Fork from here...": the action (Run menu, the scrubber's context menu, a toolbar
// button beside it), the dialog, and the fork's way from the training thread into the window.
#include <QAction>
#include <QFileInfo>
#include <QMenuBar>
#include <QStatusBar>
#include <QToolBar>

#include "ui/checkpoint/epoch_scrubber.h"
#include "ui/run/fork_dialog.h"
#include "ui/window/main_window.h"
#include "ui/window/run_viewer.h"

namespace grok {

void MainWindow::buildForkActions() {
  forkAction_ = new QAction(tr("&Fork from here..."), this);
  forkAction_->setObjectName("fork-from-here");
  forkAction_->setIconText(tr("Fork..."));
  connect(forkAction_, &QAction::triggered, this, [this] { forkFromHere(); });
  QMenu* run = menuBar()->addMenu(tr("&Run"));
  run->addAction(forkAction_);
  EpochScrubber* s = viewer_->scrubber();
  s->addAction(forkAction_);
  s->setContextMenuPolicy(Qt::ActionsContextMenu);  // right-click anywhere on the scrubber
  if (auto* bar = findChild<QToolBar*>("toolbar-scrubber"))
    bar->insertAction(bar->actions().value(1), forkAction_);  // after the scrubber, before its separator
  connect(controller_, &TrainingController::forked, this, &MainWindow::onForked);
  connect(controller_, &TrainingController::stateChanged, this, &MainWindow::updateForkAction);
  connect(viewer_, &RunViewer::opened, this, [this] {
    updateForkAction();
    // The title names the open run (main_window.cpp); a fork's says where it came from.
    const ForkOrigin& o = viewer_->forkOrigin();
    if (o.isFork()) setWindowTitle(windowTitle() + tr(" · %1").arg(o.describe()));
  });
  connect(s, &EpochScrubber::epochChanged, this, &MainWindow::updateForkAction);
  updateForkAction();
}

void MainWindow::updateForkAction() {
  const int epoch = viewer_->scrubber()->epoch();
  QString why;
  if (training())
    why = tr("Stop training to fork: the fork is written and trained on the training thread");
  else if (runPath().isEmpty() || epoch < 0)
    why = tr("Open a run with a checkpoint to fork it");
  forkAction_->setEnabled(why.isEmpty());
  forkAction_->setToolTip(why.isEmpty() ? tr("A new run from this run's checkpoint at epoch %1, with settings "
                                             "changed (weight decay, training set, a recipe...)")
                                              .arg(epoch)
                                        : why);
}

ForkDialog* MainWindow::forkFromHere() {
  updateForkAction();
  if (!forkAction_->isEnabled()) return error(tr("Cannot fork"), forkAction_->toolTip()), nullptr;
  if (viewer_->filling())
    return error(tr("Cannot fork"), tr("The progress measures are being computed; fork after that.")), nullptr;
  const QString parent = runPath();
  const std::vector<int>& ck = viewer_->scrubber()->checkpoints();
  auto* d = new ForkDialog(parent, viewer_->config(), viewer_->scrubber()->epoch(), ck.back(), this);
  d->setAttribute(Qt::WA_DeleteOnClose);
  connect(d, &QDialog::accepted, this, [this, d, parent] {
    const QString path = d->outputPath();
    if (const QString err = controller_->fork(parent, d->epoch(), d->changes(), path); !err.isEmpty())
      return error(tr("Cannot fork"), err);
    statusBar()->showMessage(tr("Writing the fork's first checkpoint (epoch %1): %2").arg(d->epoch()).arg(path));
  });
  d->open();
  return d;
}

void MainWindow::onForked(const QString& path, const QString& err, TrainingState asked) {
  statusBar()->clearMessage();
  // The fork as stored, without a fill of the measures of a typed key set: that waits until it has
  // trained (onFinished opens it again), as a resumed run's does.
  const QString openErr = err.isEmpty() ? viewer_->open(path, /*fill=*/false) : QString();
  if (!err.isEmpty() || !openErr.isEmpty()) {
    error(tr("Cannot fork"), err.isEmpty() ? openErr : err);  // the parent stays open as it was
  } else if (!closeAfterStop_) {
    if (asked == TrainingState::Stopping) {
      statusBar()->showMessage(tr("Forked, not trained (stopped); resumable: %1").arg(path), 8000);
    } else {
      resumeTraining();  // from its first checkpoint to its epochs
      if (asked == TrainingState::Paused) pauseTraining(true);
    }
  }
  if (closeAfterStop_) close();
}

}  // namespace grok
