#include "ui/main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QScreen>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTableWidget>
#include <QTextStream>
#include <QToolBar>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <thread>

#include "core/runtime/compute_thread.h"
#include "core/analysis/checkpoint_analysis.h"
#include "ui/epoch_scrubber.h"
#include "ui/figure_export.h"
#include "ui/heatmap_view.h"
#include "ui/run_panel.h"
#include "ui/series_view.h"
#include "ui/spectrum_view.h"
#include "ui/training_worker.h"

namespace grok {

namespace {

QWidget* stacked(std::initializer_list<QWidget*> widgets) {
  auto* split = new QSplitter(Qt::Vertical);
  for (QWidget* w : widgets) split->addWidget(w);
  split->setChildrenCollapsible(false);
  return split;
}

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle(tr("Grokking Lab"));
  setWindowIcon(QIcon(QStringLiteral(":/icons/grokking.svg")));
  setObjectName("dashboard");
  setAcceptDrops(true);
  setDockNestingEnabled(true);
  live_ = new LiveStatus;

  // Time series, linked on the epoch axis.
  lossView_ = new SeriesView(tr("Loss"), tr("cross-entropy (nats)"), true);
  accView_ = new SeriesView(tr("Accuracy"), tr("accuracy"), false);
  measuresView_ = new SeriesView(tr("Progress measures"), tr("loss (nats)"), true);
  giniView_ = new SeriesView(tr("Gini of the Fourier norms"), tr("Gini"), false);
  normView_ = new SeriesView(tr("Sum of squared weights"), tr("sum of squares"), false);
  lossView_->defineSeries(0, tr("train"), seriesColor(0));
  lossView_->defineSeries(1, tr("test"), seriesColor(1));
  accView_->defineSeries(0, tr("train"), seriesColor(0));
  accView_->defineSeries(1, tr("test"), seriesColor(1));
  for (int i = 0; i < 4; i++)
    measuresView_->defineSeries(i, tr(kLossSeries[i].second), seriesColor(i), i < 2 ? Qt::DotLine : Qt::SolidLine);
  giniView_->defineSeries(0, tr("W_E"), seriesColor(4));
  giniView_->defineSeries(1, tr("W_L"), seriesColor(5));
  normView_->defineSeries(0, tr("all parameters"), seriesColor(7));
  normView_->removeLegend();
  seriesViews_ = {lossView_, accView_, measuresView_, giniView_, normView_};
  for (SeriesView* v : seriesViews_)
    connect(v, &SeriesView::userRangeChanged, this, [this, v](const QCPRange& r) {
      for (SeriesView* o : seriesViews_)
        if (o != v) o->setFollow(v->follows()), o->xAxis->setRange(r), o->refresh();
    });

  weView_ = new SpectrumView(tr("W_E Fourier norms"));
  wlView_ = new SpectrumView(tr("W_L Fourier norms"));
  neuronView_ = new HeatmapView(tr("Neurons over (a, b)"), "b", "a");
  attentionView_ = new HeatmapView(tr("Attention from '=' to a"), "b", "a");
  logitsView_ = new HeatmapView(tr("Logits in the 2D Fourier basis"), tr("b component"), tr("a component"));

  auto* neuronBox = new QWidget;
  auto* nl = new QVBoxLayout(neuronBox);
  nl->setContentsMargins(0, 0, 0, 0);
  neuronCluster_ = new QComboBox;
  neuronCluster_->setToolTip(tr("Neurons by dominant frequency; each map's caption gives its FVE"));
  nl->addWidget(neuronCluster_);
  nl->addWidget(neuronView_, 1);
  connect(neuronCluster_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] { showNeurons(); });

  auto* checksBox = new QWidget;
  auto* cl = new QVBoxLayout(checksBox);
  cl->setContentsMargins(0, 0, 0, 0);
  checks_ = new QTableWidget(0, 3);
  checks_->setHorizontalHeaderLabels({tr("check (Section 4.4)"), tr("loss"), tr("accuracy")});
  checks_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
  checks_->verticalHeader()->setVisible(false);
  // One line a check, rows no taller than the text: the table of five keys (ten rows) fits its dock.
  checks_->setWordWrap(false);
  checks_->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
  checks_->verticalHeader()->setDefaultSectionSize(checks_->fontMetrics().height() + 6);
  // Number columns of a fixed width, wide enough for any value the table shows ('g' 3 losses,
  // 'f' 4 accuracies): sized to their contents, they narrowed to the "..." shown while a table
  // computes and widened again when it came, and each change of the dock's minimum width re-laid
  // out the window and redrew the plots beside it, twice a scrub step.
  const int numberWidth = checks_->fontMetrics().horizontalAdvance(QStringLiteral("-8.88e-88")) + 16;
  for (int c : {1, 2}) {
    checks_->horizontalHeader()->setSectionResizeMode(c, QHeaderView::Fixed);
    checks_->setColumnWidth(c, std::max(numberWidth, checks_->horizontalHeader()->sectionSizeHint(c)));
  }
  checks_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  checksNote_ = new QLabel;
  checksNote_->setWordWrap(true);
  // Three lines kept for the note, which says "computing" in one while a table is under way: a
  // note changing height every scrub step would re-lay out the table each time.
  checksNote_->setMinimumHeight(3 * checksNote_->fontMetrics().lineSpacing());
  checksNote_->setAlignment(Qt::AlignLeft | Qt::AlignTop);
  cl->addWidget(checks_, 1);
  cl->addWidget(checksNote_);

  panel_ = new RunPanel;
  auto* panelDock = new QDockWidget(tr("Run"), this);
  panelDock->setObjectName("dock-run");
  panelDock->setWidget(panel_);
  addDockWidget(Qt::LeftDockWidgetArea, panelDock);

  QDockWidget* dLoss =
      addView(tr("Loss and accuracy"), "loss", stacked({lossView_, accView_}), Qt::RightDockWidgetArea);
  QDockWidget* dMeasures = addView(tr("Progress measures"), "measures", stacked({measuresView_, giniView_, normView_}),
                                   Qt::RightDockWidgetArea);
  QDockWidget* dWE = addView(tr("W_E Fourier norms"), "we", weView_, Qt::RightDockWidgetArea);
  QDockWidget* dWL = addView(tr("W_L Fourier norms"), "wl", wlView_, Qt::RightDockWidgetArea);
  QDockWidget* dNeur = addView(tr("Neurons"), "neurons", neuronBox, Qt::RightDockWidgetArea);
  QDockWidget* dAttn = addView(tr("Attention"), "attention", attentionView_, Qt::RightDockWidgetArea);
  QDockWidget* dLog = addView(tr("Logits (2D Fourier)"), "logits", logitsView_, Qt::RightDockWidgetArea);
  QDockWidget* dChk = addView(tr("Checks"), "checks", checksBox, Qt::RightDockWidgetArea);
  splitDockWidget(dLoss, dWE, Qt::Vertical);
  splitDockWidget(dWE, dNeur, Qt::Vertical);
  splitDockWidget(dLoss, dMeasures, Qt::Horizontal);
  // Rows: time series; the two spectra; the maps over (a, b) (square, so they share the tallest
  // row) and the check table.
  splitDockWidget(dWE, dWL, Qt::Horizontal);
  splitDockWidget(dNeur, dAttn, Qt::Horizontal);
  splitDockWidget(dAttn, dLog, Qt::Horizontal);
  splitDockWidget(dLog, dChk, Qt::Horizontal);
  defaultLayout_ = [=] {
    resizeDocks({panelDock}, {250}, Qt::Horizontal);
    resizeDocks({dLoss, dWE, dNeur}, {400, 170, 430}, Qt::Vertical);
    resizeDocks({dNeur, dAttn, dLog, dChk}, {420, 340, 320, 410}, Qt::Horizontal);
  };
  figures_ = {{"loss", lossView_},
              {"accuracy", accView_},
              {"progress-measures", measuresView_},
              {"gini", giniView_},
              {"weight-norm", normView_},
              {"we-fourier-norms", weView_},
              {"wl-fourier-norms", wlView_},
              {"neurons", neuronView_},
              {"attention", attentionView_},
              {"logits-2d-fourier", logitsView_},
              {"checks", checksBox}};
  for (auto it = figures_.begin(); it != figures_.end(); ++it) it.value()->setObjectName(it.key());

  // Scrubber and key-set selector in a bottom toolbar.
  auto* bar = new QToolBar(tr("Epoch"), this);
  bar->setObjectName("toolbar-scrubber");
  bar->setMovable(false);
  scrubber_ = new EpochScrubber(bar);
  bar->addWidget(scrubber_);
  bar->addSeparator();
  bar->addWidget(new QLabel(tr(" Key frequencies: "), bar));
  keySelection_ = new QComboBox(bar);
  keySelection_->addItems({tr("live (each checkpoint's own)"), tr("final checkpoint's"), tr("typed...")});
  keySelection_->setToolTip(tr("Which key frequencies the restricted and excluded losses use"));
  bar->addWidget(keySelection_);
  addToolBar(Qt::BottomToolBarArea, bar);
  connect(keySelection_, qOverload<int>(&QComboBox::activated), this, &MainWindow::setKeySelection);
  connect(scrubber_, &EpochScrubber::epochChanged, this, &MainWindow::onEpochChanged);

  statusLabel_ = new QLabel(this);
  statusBar()->addWidget(statusLabel_, 1);
  statusLabel_->setText(tr("Press Start to train the mainline preset, or open a run file (File > Open)"));

  // Training thread and snapshot service.
  worker_ = new TrainingWorker;
  auto turns = std::make_shared<AnalysisTurns>();  // shared: both may outlive this constructor's scope
  worker_->setTurns(turns);
  worker_->moveToThread(&trainThread_);
  connect(&trainThread_, &QThread::finished, worker_, &QObject::deleteLater);
  trainThread_.setObjectName("training");
  trainThread_.start();
  connect(worker_, &TrainingWorker::metrics, this, &MainWindow::onMetrics);
  connect(worker_, &TrainingWorker::checkpoint, this,
          [this](int e, const MeasureRecord& m, double) { onCheckpoint(e, m); });
  connect(worker_, &TrainingWorker::finished, this, &MainWindow::onFinished);
  snapshots_ = new SnapshotService(this);
  snapshots_->setTurns(turns);
  connect(snapshots_, &SnapshotService::ready, this, &MainWindow::onSnapshot);
  connect(snapshots_, &SnapshotService::failed, this,
          [this](int, const QString& e) { statusBar()->showMessage(tr("Analysis failed: %1").arg(e), 8000); });

  connect(panel_, &RunPanel::startRequested, this, &MainWindow::startTraining);
  connect(panel_, &RunPanel::stopRequested, this, &MainWindow::stopTraining);
  connect(panel_, &RunPanel::resumeRequested, this, [this] { resumeTraining(); });
  connect(panel_, &RunPanel::pauseRequested, this, &MainWindow::pauseTraining);

  // Replots at most 10 times a second, only when data arrived; while training, no more often than
  // keeps the curves' drawing near 3 % of a core, but at least 4 times a second. The GUI thread
  // runs on the cores training uses, each moment it takes one stalling both of training's
  // threads, and at 10 Hz it took ~8 % of a core (from /proc while training mainline at
  // 1880x1040: loss and accuracy replot in ~2.5 ms each, as long again to put them on screen).
  replotTimer_.setInterval(100);
  connect(&replotTimer_, &QTimer::timeout, this, [this] {
    if (!dirty_) return;
    dirty_ = false;
    for (SeriesView* v : seriesViews_) v->refreshIfChanged();
    // The loss and accuracy plots change every tick; replotTime() leaves out putting the
    // buffers on screen.
    const double drawMs = 2 * (lossView_->replotTime(true) + accView_->replotTime(true));
    replotTimer_.setInterval(training() ? std::clamp(static_cast<int>(30 * drawMs), 100, 250) : 100);
    updateStatus();
  });
  replotTimer_.start();
  liveThrottle_.setSingleShot(true);
  connect(&liveThrottle_, &QTimer::timeout, this, [this] {
    sinceSnapshot_.invalidate();  // due: let the newest checkpoint through
    onEpochChanged(scrubber_->epoch());
  });

  buildMenus();
  // Most of the screen (the dashboard is made for 1920x1080), but no larger than it.
  const QSize avail = screen()->availableGeometry().size();
  resize(std::min(designSize().width(), avail.width() * 96 / 100),
         std::min(designSize().height(), avail.height() * 96 / 100));
  QSettings settings;
  restoreGeometry(settings.value("window/geometry").toByteArray());
  if (restoreState(settings.value("window/state").toByteArray())) defaultLayout_ = nullptr;
  panel_->selectPreset(settings.value("run/preset", "mainline").toString());
}

MainWindow::~MainWindow() {
  worker_->requestStop();
  trainThread_.quit();
  trainThread_.wait();
  if (keyThread_.joinable()) keyThread_.join();  // its reply to this window is dropped with it
  delete live_;
}

QCustomPlot* MainWindow::lossPlot() const { return lossView_; }
QCustomPlot* MainWindow::accuracyPlot() const { return accView_; }
bool MainWindow::training() const { return !panel_->isEnabled() || live_->target > 0; }

QDockWidget* MainWindow::addView(const QString& title, const QString& name, QWidget* view, Qt::DockWidgetArea area) {
  auto* dock = new QDockWidget(title, this);
  dock->setObjectName("dock-" + name);
  dock->setWidget(view);
  dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
                    QDockWidget::DockWidgetClosable);
  addDockWidget(area, dock);
  return dock;
}

void MainWindow::keyPressEvent(QKeyEvent* event) { QMainWindow::keyPressEvent(event); }

void MainWindow::showEvent(QShowEvent* event) {
  QMainWindow::showEvent(event);
  // Dock sizes apply once the window has its size; a saved layout wins.
  if (defaultLayout_)
    QTimer::singleShot(0, this, [this] {
      if (defaultLayout_) defaultLayout_(), defaultLayout_ = nullptr;
    });
}

void MainWindow::error(const QString& title, const QString& message) {
  lastError_ = message;
  qWarning("%s: %s", qPrintable(title), qPrintable(message));
  QMessageBox::critical(this, title, message);
}

void MainWindow::clearViews() {
  metrics_.clear();
  measures_.clear();
  phases_ = {};
  shown_.reset();
  shownEpoch_ = shownChecksEpoch_ = -1;
  for (SeriesView* v : seriesViews_)
    v->clearData(), v->setPhases({}), v->setEpochMarker(-1), v->setFollow(true), v->refresh();
  weView_->clear();
  wlView_->clear();
  neuronView_->clear();
  attentionView_->clear();
  logitsView_->clear();
  checks_->setRowCount(0);
  checksNote_->clear();
  scrubber_->setCheckpoints({});
  scrubber_->setFollowLive(true);
}

bool MainWindow::openRun(const QString& path, bool quiet) {
  Config cfg;
  std::vector<EpochMetrics> metrics;
  std::vector<int> epochs;
  std::vector<MeasureRecord> measures;
  try {
    const RunStore store = RunStore::open(path.toStdString());
    cfg = store.config();
    metrics = store.metrics();
    epochs = store.checkpoint_epochs();
    measures = store.load_measures(fixedKeys_ ? KeySelection::Given : KeySelection::Live);
    if (fixedKeys_) {  // only the records of the chosen set
      const KeySetTag want{KeySelection::Given, *fixedKeys_};
      measures.erase(
          std::remove_if(measures.begin(), measures.end(), [&](const MeasureRecord& r) { return r.keys != want; }),
          measures.end());
    }
  } catch (const std::exception& e) {
    lastError_ = QString::fromStdString(e.what());
    if (!quiet) QMessageBox::critical(this, tr("Cannot open run"), lastError_);
    return false;
  }
  const bool same = path == path_;
  const int keep = scrubber_->epoch();
  clearViews();
  path_ = path;
  cfg_ = cfg;
  QVector<EpochMetrics> batch(metrics.begin(), metrics.end());
  onMetrics(batch, LiveStatus{});
  for (const MeasureRecord& m : measures) addMeasures(m);
  updatePhases();
  snapshots_->setRun(path);
  snapshots_->setKeyFreqs(fixedKeys_);
  scrubber_->setCheckpoints(epochs);
  if (same && keep >= 0)
    scrubber_->setEpoch(keep);
  else if (!epochs.empty())
    onEpochChanged(scrubber_->epoch());
  refreshSeries();
  setWindowTitle(tr("Grokking Lab - %1").arg(QFileInfo(path).fileName()));
  panel_->setState(RunPanel::State::Idle, !epochs.empty());  // a complete run can be trained on
  rememberRecent(path);
  lastError_.clear();
  updateStatus();
  // A run from an older version, or a typed key set first chosen: compute what is missing.
  const KeySelection sel = fixedKeys_ ? KeySelection{KeySelection::Given, *fixedKeys_} : KeySelection::live();
  const QString attempt = path + "|" + QString::fromStdString(sel.describe());
  if (!training() && !filling_ && measures.size() < epochs.size() && !fillAttempts_.contains(attempt)) {
    fillAttempts_.insert(attempt);  // once per run and key set: a failure is not retried in a loop
    fillMeasures(sel);
  }
  return true;
}

void MainWindow::onMetrics(const QVector<EpochMetrics>& batch, const LiveStatus& status) {
  if (status.target > 0) {
    *live_ = status;
    panel_->setProgress(status.epoch, status.target, status.epochs_per_second);
  }
  QVector<double> e, trl, tra, te, tel, tea;
  for (const EpochMetrics& m : batch) {
    metrics_.push_back(m);
    e << m.epoch, trl << m.train_loss, tra << m.train_acc;
    if (!std::isnan(m.test_loss)) te << m.epoch, tel << m.test_loss, tea << m.test_acc;
  }
  lossView_->appendData(0, e, trl);
  lossView_->appendData(1, te, tel);
  accView_->appendData(0, e, tra);
  accView_->appendData(1, te, tea);
  dirty_ = true;
}

void MainWindow::onCheckpoint(int epoch, const MeasureRecord& m) {
  if (!fixedKeys_) addMeasures(m);
  updatePhases();
  scrubber_->addCheckpoint(epoch);
}

void MainWindow::refreshSeries() {
  for (SeriesView* v : seriesViews_) v->refresh();
}

void MainWindow::onEpochChanged(int epoch) {
  for (SeriesView* v : seriesViews_) v->setEpochMarker(epoch);
  if (epoch < 0) return;
  if (shownEpoch_ >= 0 && epoch != shownEpoch_) scrubDir_ = epoch > shownEpoch_ ? 1 : -1;
  // Following a live run, the analysis would take a fifth of the 2 cores from training (a
  // snapshot and check table every checkpoint). Training waits while it runs
  // (core/runtime/analysis_turns.h), so its cost is its time: keep it near 1 % by waiting 100x the last
  // snapshot's time between live updates (~12 s on mainline, where it takes ~120 ms). A user's
  // scrub is served at once.
  if (training() && scrubber_->followLive() && lastSnapshotMs_ > 0 && sinceSnapshot_.isValid()) {
    const qint64 wait = static_cast<qint64>(100 * lastSnapshotMs_) - sinceSnapshot_.elapsed();
    if (wait > 0) {
      if (!liveThrottle_.isActive()) liveThrottle_.start(static_cast<int>(wait));
      return;
    }
  }
  scrubTimer_.start();
  snapshots_->request(epoch);
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (training()) {
    if (!closeAfterStop_ &&
        QMessageBox::question(this, tr("Training in progress"),
                              tr("Stop training and close? The run file keeps a checkpoint at the epoch reached.")) !=
            QMessageBox::Yes) {
      event->ignore();
      return;
    }
    closeAfterStop_ = true;
    stopTraining();
    event->ignore();  // closes when the worker reports the committed stop
    return;
  }
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
  if (!urls.isEmpty() && urls.first().isLocalFile()) {
    if (training()) return error(tr("Cannot open"), tr("Stop training before opening another run."));
    openRun(urls.first().toLocalFile());
  }
}

void MainWindow::updateStatus() {
  if (metrics_.empty()) return;
  const EpochMetrics& m = metrics_.back();
  double test = NAN;
  for (auto it = metrics_.rbegin(); it != metrics_.rend() && std::isnan(test); ++it) test = it->test_loss;
  statusLabel_->setText(tr("epoch %1 · train loss %2 · test loss %3 · %4 epochs/s · %5")
                            .arg(m.epoch)
                            .arg(m.train_loss, 0, 'g', 3)
                            .arg(test, 0, 'g', 3)
                            .arg(live_->epochs_per_second, 0, 'f', 1)
                            .arg(path_));
}

}  // namespace grok
