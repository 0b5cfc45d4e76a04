#include "ui/window/main_window.h"

#include <QCloseEvent>
#include <QDockWidget>
#include <QLabel>
#include <QMessageBox>
#include <QMimeData>
#include <QScreen>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTimer>
#include <QToolBar>

#include "core/model/model_family.h"
#include "core/runtime/analysis_turns.h"
#include "ui/checkpoint/attention_panel.h"
#include "ui/checkpoint/check_table_view.h"
#include "ui/checkpoint/checkpoint_views.h"
#include "ui/checkpoint/epoch_scrubber.h"
#include "ui/checkpoint/ipr_histogram.h"
#include "ui/checkpoint/key_set_chooser.h"
#include "ui/checkpoint/neuron_panel.h"
#include "ui/checkpoint/prediction_grid.h"
#include "ui/compare/compare_view.h"
#include "ui/jobs/job_runner.h"
#include "ui/plots/figure.h"
#include "ui/plots/heatmap_view.h"
#include "ui/plots/series_view.h"
#include "ui/plots/spectrum_view.h"
#include "ui/run/fork_origin.h"
#include "ui/run/run_panel.h"
#include "ui/window/curves_panel.h"
#include "ui/window/export_dialogs.h"
#include "ui/window/numerics_panel.h"
#include "ui/window/phase_announcer.h"
#include "ui/window/recent_runs_menu.h"
#include "ui/window/run_viewer.h"

namespace grok {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent), jobs_(std::make_unique<JobRunner>()) {
  jobs_->setKeepAlive(false);  // no OpenMP pool kept beside training after an import
  setWindowTitle(tr("Grokking Lab"));
  setWindowIcon(QIcon(QStringLiteral(":/icons/grokking.svg")));
  setObjectName("dashboard");
  setAcceptDrops(true);
  setDockNestingEnabled(true);
  auto turns = std::make_shared<AnalysisTurns>();  // training and the views' analysis share the cores
  panel_ = new RunPanel;
  controller_ = new TrainingController(turns, this);
  viewer_ = new RunViewer(turns, this);
  exports_ = new ExportDialogs(this);
  buildDocks();
  buildMenus();
  wire();
  buildForkActions();
  buildHelp(findChild<QToolBar*>("toolbar-scrubber"));
  // Most of the screen (the dashboard is made for 1920x1080), but no larger than it.
  const QSize avail = screen()->availableGeometry().size();
  initialSize_ = QSize(std::min(designSize().width(), avail.width() * 96 / 100),
                       std::min(designSize().height(), avail.height() * 96 / 100));
  resize(initialSize_);
  QSettings settings;
  restoreGeometry(settings.value("window/geometry").toByteArray());
  if (restoreState(settings.value("window/state").toByteArray()))
    defaultLayout_ = nullptr;
  else
    settings.remove("compare/placed");  // no saved layout places the Compare dock (openCompare)
  compareDock_->hide();                 // where the layout put it, shown once something is compared
  panel_->selectPreset(settings.value("run/preset", "mainline").toString());
  constructedSize_ = size();
}

// Training stops (committing a checkpoint) and a fill ends at its next checkpoint as their owners go.
MainWindow::~MainWindow() = default;

void MainWindow::buildDocks() {
  auto add = [this](const QString& title, const QString& name, QWidget* view) {
    auto* dock = new QDockWidget(title, this);
    dock->setObjectName("dock-" + name);
    dock->setWidget(view);
    addDockWidget(name == "run" ? Qt::LeftDockWidgetArea : Qt::RightDockWidgetArea, dock);
    return dock;
  };
  const CheckpointViews* v = viewer_->views();
  // The form scrolls rather than setting the window's least height (30 fields and the open
  // run's header outgrow a laptop's screen).
  auto* runScroll = new QScrollArea;
  runScroll->setWidget(panel_);
  runScroll->setWidgetResizable(true);
  runScroll->setFrameShape(QFrame::NoFrame);
  runScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  // As wide as the form needs (a scroll area's own hint is small, and the dock would shrink to it).
  runScroll->setMinimumWidth(panel_->minimumSizeHint().width() + runScroll->verticalScrollBar()->sizeHint().width());
  QDockWidget* dRun = add(tr("Run"), "run", runScroll);
  QDockWidget* dLoss = add(tr("Loss and accuracy"), "loss", viewer_->curves()->lossAndAccuracy());
  QDockWidget* dMeasures = add(tr("Progress measures"), "measures", viewer_->curves()->measures());
  QDockWidget* dNumerics = add(tr("Numerics"), "numerics", viewer_->curves()->numerics()->widget());
  auto* mechanism = new QSplitter(Qt::Vertical);  // the measures over epochs, the IPRs at the scrubbed one
  mechanism->addWidget(viewer_->curves()->mechanismView());
  mechanism->addWidget(v->iprView());
  mechanism->setChildrenCollapsible(false);
  QDockWidget* dMechanism = add(tr("Mechanism"), "mechanism", mechanism);
  QDockWidget* dWE = add(tr("W_E Fourier norms"), "we", v->weView());
  QDockWidget* dWL = add(tr("W_L Fourier norms"), "wl", v->wlView());
  QDockWidget* dNeur = neuronDock_ = add(tr("Neurons"), "neurons", v->neurons());
  QDockWidget* dAttn = attentionDock_ = add(tr("Attention"), "attention", v->attention());
  QDockWidget* dLog = add(tr("Logits (2D Fourier)"), "logits", v->logitsView());
  QDockWidget* dChk = add(tr("Checks"), "checks", v->checks());
  QDockWidget* dPred = add(tr("Prediction grid"), "prediction", v->predictions());
  compareDock_ = add(tr("Compare"), "compare", compare_ = new CompareView);
  // Rows: time series; the two spectra; the maps over (a, b) (square, so they share the tallest
  // row) and the check table.
  splitDockWidget(dLoss, dWE, Qt::Vertical);
  splitDockWidget(dWE, dNeur, Qt::Vertical);
  splitDockWidget(dLoss, dMeasures, Qt::Horizontal);
  splitDockWidget(dWE, dWL, Qt::Horizontal);
  splitDockWidget(dNeur, dAttn, Qt::Horizontal);
  splitDockWidget(dAttn, dLog, Qt::Horizontal);
  splitDockWidget(dLog, dChk, Qt::Horizontal);
  tabifyDockWidget(dMeasures, dNumerics);  // a tab behind the measures: the dashboard has no room left
  tabifyDockWidget(dMeasures, dMechanism);
  tabifyDockWidget(dLog, dPred);  // every pair right or wrong: the first view a student reads
  dMeasures->raise();
  dPred->raise();
  defaultLayout_ = [=] {
    resizeDocks({dRun}, {250}, Qt::Horizontal);
    resizeDocks({dLoss, dWE, dNeur}, {400, 170, 430}, Qt::Vertical);
    resizeDocks({dLoss, dMeasures}, {660, 820}, Qt::Horizontal);  // a tab group would take more
    resizeDocks({dNeur, dAttn, dLog, dChk}, {420, 340, 320, 410}, Qt::Horizontal);
  };

  auto* bar = new QToolBar(tr("Epoch"), this);
  bar->setObjectName("toolbar-scrubber");
  bar->setMovable(false);
  bar->addWidget(viewer_->scrubber());
  bar->addSeparator();
  bar->addWidget(new QLabel(tr(" Key frequencies: "), bar));
  bar->addWidget(viewer_->keys());
  addToolBar(Qt::BottomToolBarArea, bar);
  status_ = new QLabel(tr("Press Start to train the mainline preset, or open a run file (File > Open)"), this);
  statusBar()->addWidget(status_, 1);
  statusBar()->addPermanentWidget(viewer_->referenceLabel());
}

// The views of what the run's model family has (core/model/model_family.h).
void MainWindow::showFamilyDocks(const Config& cfg) {
  const ModelAnatomy a = model_family(cfg).anatomy(cfg);
  attentionDock_->setVisible(a.heads > 0);
  neuronDock_->setVisible(a.neurons > 0);
}

void MainWindow::wire() {
  connect(panel_, &RunPanel::startRequested, this, &MainWindow::startTraining);
  connect(panel_, &RunPanel::stopRequested, this, &MainWindow::stopTraining);
  connect(panel_, &RunPanel::resumeRequested, this, [this] { resumeTraining(); });
  connect(panel_, &RunPanel::pauseRequested, this, &MainWindow::pauseTraining);
  connect(controller_, &TrainingController::stateChanged, this, [this](TrainingState s) {
    panel_->setState(s, !viewer_->scrubber()->checkpoints().empty());
    viewer_->setTraining(s != TrainingState::Idle, s == TrainingState::Paused, controller_->trainingPath());
  });
  connect(controller_, &TrainingController::metrics, this, [this](const QVector<EpochMetrics>& b, const LiveStatus& s) {
    viewer_->addMetrics(b);
    emit epochsArrived(b);
    if (s.target > 0) panel_->setProgress(s.epoch, s.target, s.epochs_per_second);
  });
  connect(controller_, &TrainingController::checkpoint, viewer_, &RunViewer::addCheckpoint);
  connect(controller_, &TrainingController::numerics, viewer_, &RunViewer::addNumerics);
  connect(controller_, &TrainingController::finished, this, &MainWindow::onFinished);
  connect(viewer_, &RunViewer::opened, this, [this](const QString& path, bool hasCheckpoints) {
    setWindowTitle(tr("Grokking Lab - %1").arg(QFileInfo(path).fileName()));
    if (!training()) {
      panel_->setState(TrainingState::Idle, hasCheckpoints);          // a complete run trains on
      panel_->showRun(path, viewer_->config(), runOriginLine(path));  // its own settings, not the preset's
    }
    showFamilyDocks(viewer_->config());
    recent_->add(path);
    updateStatus();
  });
  connect(viewer_, &RunViewer::message, statusBar(), &QStatusBar::showMessage);
  connect(viewer_, &RunViewer::message, this, &MainWindow::updateStatus);  // another process's writer came or went
  connect(viewer_, &RunViewer::failed, this, &MainWindow::error);
  connect(viewer_->curves(), &CurvesPanel::replotted, this, &MainWindow::updateStatus);
  announcer_ = new PhaseAnnouncer(this);
  connect(viewer_->curves(), &CurvesPanel::phasesUpdated, this, [this] {
    const CurvesPanel* c = viewer_->curves();
    announcer_->update(c->phases(), c->newestEpoch(), training());
  });
  connect(announcer_, &PhaseAnnouncer::marksChanged, viewer_->scrubber(), &EpochScrubber::setPhaseMarks);
  connect(announcer_, &PhaseAnnouncer::announced, this,
          [this](const QString&, const QString& sentence) { statusBar()->showMessage(sentence, 30000); });
  connect(viewer_->views(), &CheckpointViews::snapshotShown, this, &MainWindow::snapshotShown);
  connect(viewer_->views(), &CheckpointViews::checksShown, this, &MainWindow::checksShown);
  connect(exports_, &ExportDialogs::failed, this, &MainWindow::error);
  connect(exports_, &ExportDialogs::exported, this, [this](const QString& m) { statusBar()->showMessage(m, 5000); });
  connect(compare_, &CompareView::openRunRequested, this, [this](const QString& p) {
    if (training()) return error(tr("Cannot open"), tr("Stop training before opening another run."));
    if (openRun(p)) raise(), activateWindow();
  });
  connect(compare_, &CompareView::titleChanged, this,
          [this](const QString& t) { compareDock_->setWindowTitle(tr("Compare: %1").arg(t)); });
  connect(compare_, &CompareView::exportRequested, exports_, &ExportDialogs::figure);
  connect(compare_, &CompareView::message, this, [this](const QString& m) { statusBar()->showMessage(m, 8000); });
  for (Figure* f : findChildren<Figure*>())
    connect(f, &Figure::exportRequested, exports_, [this, f] { exports_->figure(f); });
}

void MainWindow::showEvent(QShowEvent* event) {
  QMainWindow::showEvent(event);
  // Dock sizes apply once the window has its size; a saved layout wins.
  // The size asked again. A workaround, its cause not found: with the prediction grid tabbed
  // behind the logits, the first layout (before any dock has its size) asks for more height than
  // the docks' minimum once laid out (1 261 px on a 1080-line screen; split beside the logits
  // instead, it does not). Once shown, the minimum is right and the size asked fits.
  if (defaultLayout_)
    QTimer::singleShot(0, this, [this] {
      if (!defaultLayout_) return;
      if (size() == constructedSize_ && !isMaximized() && !isFullScreen())  // unless resized since
        resize(initialSize_.expandedTo(minimumSizeHint()));
      defaultLayout_(), defaultLayout_ = nullptr;
    });
}

void MainWindow::closeEvent(QCloseEvent* event) {
  // A sweep started from the Compare view stops first, every run committing a checkpoint.
  if (!compare_->stopBeforeClose([this] { close(); })) return event->ignore();
  if (training()) {
    if (!closeAfterStop_ &&
        QMessageBox::question(this, tr("Training in progress"),
                              tr("Stop training and close? The run file keeps a checkpoint at the epoch reached.")) !=
            QMessageBox::Yes)
      return event->ignore();
    closeAfterStop_ = true;
    stopTraining();
    return event->ignore();  // closes when the controller reports the committed stop
  }
  viewer_->cancelFill();  // the measures computed so far are kept; the rest next time
  QSettings settings;
  settings.setValue("window/geometry", saveGeometry());
  settings.setValue("window/state", saveState());
  QMainWindow::closeEvent(event);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
  const QList<QUrl> urls = event->mimeData()->urls();
  if (urls.isEmpty() || !urls.first().isLocalFile()) return;
  if (event->modifiers() & Qt::ShiftModifier) {  // Shift: a baseline under the open run's curves
    setReference(urls.first().toLocalFile());
    return;
  }
  if (urls.size() > 1 || QFileInfo(urls.first().toLocalFile()).isDir()) {
    QStringList paths;
    for (const QUrl& u : urls) paths << u.toLocalFile();
    return void(openCompare(paths));
  }
  if (training()) return error(tr("Cannot open"), tr("Stop training before opening another run."));
  openRun(urls.first().toLocalFile());
}

void MainWindow::updateStatus() {
  const QString summary = viewer_->curves()->summary();
  if (summary.isEmpty()) return;
  // The pace is this app's trainer's; a run another process trains is said to be one.
  const QString who = training() ? tr("%1 epochs/s").arg(controller_->live().epochs_per_second, 0, 'f', 1)
                      : viewer_->followingWriter() ? tr("trained by another process")
                                                   : QString();
  status_->setText(who.isEmpty() ? tr("%1 · %2").arg(summary, viewer_->path())
                                 : tr("%1 · %2 · %3").arg(summary, who, viewer_->path()));
}

void MainWindow::error(const QString& title, const QString& message) {
  lastError_ = message;
  qWarning("%s: %s", qPrintable(title), qPrintable(message));
  QMessageBox::critical(this, title, message);
}

QString MainWindow::runPath() const { return viewer_->path(); }

}  // namespace grok
