#include "ui/window/run_viewer.h"

#include <algorithm>

#include <QFileInfo>
#include <QLabel>
#include <QTimer>

#include "core/base/operation_group.h"
#include "core/base/task.h"
#include "core/store/run_lock.h"

#include "ui/checkpoint/check_table_view.h"
#include "ui/checkpoint/checkpoint_views.h"
#include "ui/checkpoint/epoch_scrubber.h"
#include "ui/checkpoint/key_set_chooser.h"
#include "ui/checkpoint/measures_filler.h"
#include "ui/checkpoint/neuron_panel.h"
#include "ui/checkpoint/prediction_grid.h"
#include "ui/jobs/job_runner.h"
#include "ui/plots/heatmap_view.h"
#include "ui/plots/series_view.h"
#include "ui/plots/spectrum_view.h"
#include "ui/window/curves_panel.h"
#include "ui/window/reference_run.h"
#include "ui/window/run_contents.h"

namespace grok {

RunViewer::RunViewer(std::shared_ptr<AnalysisTurns> turns, QObject* parent)
    : QObject(parent), jobs_(std::make_unique<JobRunner>()) {
  jobs_->setKeepAlive(false);  // reads are rare: no thread (and OpenMP pool) kept between them
  curves_ = new CurvesPanel(this);
  scrubber_ = new EpochScrubber;
  keys_ = new KeySetChooser;
  views_ = new CheckpointViews(scrubber_, std::move(turns), this);
  filler_ = new MeasuresFiller(this);
  reference_ = new ReferenceRun(this);
  referenceLabel_ = new QLabel;
  referenceLabel_->setVisible(false);
  followTimer_ = new QTimer(this);
  followTimer_->setInterval(2000);
  connect(followTimer_, &QTimer::timeout, this, &RunViewer::pollFile);
  connect(reference_, &ReferenceRun::changed, this, &RunViewer::showReference);
  connect(scrubber_, &EpochScrubber::epochChanged, curves_, &CurvesPanel::setEpochMarker);
  connect(curves_, &CurvesPanel::lossSpikesChanged, scrubber_, &EpochScrubber::setLossSpikes);
  connect(scrubber_, &EpochScrubber::epochChanged, views_, &CheckpointViews::show);
  connect(views_, &CheckpointViews::message, this, &RunViewer::message);
  connect(keys_, &KeySetChooser::chosen, this, [this] {
    if (const QString err = open(path_, true); !err.isEmpty()) emit failed(tr("Cannot open run"), err);
  });
  connect(keys_, &KeySetChooser::failed, this, [this](const QString& m) { emit failed(tr("Key frequencies"), m); });
  connect(filler_, &MeasuresFiller::progress, this, [this](int done, int total) {
    emit message(tr("Computing the progress measures: %1 of %2 checkpoints").arg(done).arg(total), 0);
  });
  connect(filler_, &MeasuresFiller::finished, this, &RunViewer::onFillFinished);
  for (auto [name, view] : figures().toStdMap()) view->setObjectName(name);
}

QMap<QString, QWidget*> RunViewer::figures() const {
  QMap<QString, QWidget*> f = curves_->figures();
  const std::pair<const char*, QWidget*> more[] = {{"we-fourier-norms", weView()},
                                                   {"wl-fourier-norms", wlView()},
                                                   {"neurons", neuronView()},
                                                   {"attention", attentionView()},
                                                   {"logits-2d-fourier", logitsView()},
                                                   {"checks", views_->checks()},
                                                   {"prediction-grid", views_->predictions()}};
  for (const auto& [name, view] : more) f.insert(name, view);
  return f;
}

RunViewer::~RunViewer() = default;

bool RunViewer::filling() const { return filler_->running(); }

QString RunViewer::open(const QString& path, bool fill) {
  const unsigned seq = ++openSeq_;
  const RunFileStamp stamp = RunFileStamp::of(path);  // before the read: a commit during it is news
  RunContents run;
  try {
    // A long run's metrics take a while to read: off the GUI thread, the window painting meanwhile.
    // Events keep coming while it reads: an open() they start supersedes this one.
    run = runAndWait<RunContents>(*jobs_,
                                  [path, keys = keys_->keys()](JobControl&) { return loadRunContents(path, keys); });
  } catch (const std::exception& e) {
    return seq == openSeq_ ? QString::fromStdString(e.what()) : QString();
  }
  if (seq != openSeq_) return {};  // a newer open() (or a new run) has taken the views
  const bool same = path == path_;
  const int keep = scrubber_->epoch();
  clear();
  path_ = path;
  cfg_ = run.cfg;
  // A task without a group has no key set to choose (its views say why they are empty).
  const Task task(cfg_);
  keys_->setRun(path, task.has_group() ? task.group() : OperationGroup{});
  keys_->setEnabled(task.has_group());
  keys_->setToolTip(task.has_group() ? QString() : QString::fromStdString(task.group_reason()));
  curves_->setLoss(cfg_.loss);
  curves_->addMetrics(QVector<EpochMetrics>(run.metrics.begin(), run.metrics.end()));
  for (const MeasureRecord& m : run.measures) curves_->addMeasures(m);
  curves_->addNumerics(run.numerics);
  curves_->setNumericsMissing(run.numerics.empty() && !run.metrics.empty());
  curves_->updatePhases();
  views_->setRun(path, keys_->keys());
  showUndefined(task);
  scrubber_->setCheckpoints(run.checkpoints);
  shown_ = shownOf(run);
  stamp_ = stamp;
  follow();
  if (same && keep >= 0)
    scrubber_->setEpoch(keep);
  else if (!run.checkpoints.empty())
    views_->show(scrubber_->epoch());
  origin_ = readForkOrigin(path);
  showParent();
  curves_->refresh();
  describeReference();
  emit opened(path, !run.checkpoints.empty());
  // A run from an older version, or a typed key set first chosen: compute what is missing.
  const KeySelection sel = keys_->selection();
  const QString attempt = path + "|" + QString::fromStdString(sel.describe());
  if (fill && !training_ && run.measures.size() < run.checkpoints.size() && !filler_->running() &&
      !fillAttempts_.contains(attempt)) {
    fillAttempts_.insert(attempt);
    fillAttempt_ = attempt;
    keys_->setEnabled(false);
    filler_->start(path, sel);
    emit message(
        tr("Computing the progress measures (key frequencies: %1)...").arg(QString::fromStdString(sel.describe())), 0);
  }
  return {};
}

void RunViewer::showNewRun(const QString& path, const Config& cfg) {
  // The fill may be writing the file the new run replaces; and the new run wants the cores.
  filler_->cancelAndWait();
  ++openSeq_;  // an open() still reading is superseded
  keys_->reset();
  clear();
  followTimer_->stop();  // until training ends: its own updates come from the trainer
  writerHolds_ = false;  // setTraining sets the views' pace
  path_ = path;
  cfg_ = cfg;
  curves_->setLoss(cfg_.loss);
  views_->setRun(path, std::nullopt);
  showUndefined(Task(cfg));
  origin_ = {};
  showParent();
  describeReference();
}

void RunViewer::setTraining(bool training, bool paused, const QString& trainedPath) {
  training_ = training;
  if (!training) stamp_ = RunFileStamp::of(path_);  // what this app's trainer wrote is shown already
  follow();                                         // stops while training
  curves_->setLive(training || writerHolds_);
  views_->setLive((training && !paused) || writerHolds_);
  views_->service()->setTrainedRun(trainedPath);
  keys_->setLocked(training, tr("The key set can be changed once training has stopped."));
}

void RunViewer::addMetrics(const QVector<EpochMetrics>& batch) {
  curves_->addMetrics(batch);
  if (!batch.isEmpty()) shown_.metrics = std::max(shown_.metrics, batch.back().epoch);
}

void RunViewer::addCheckpoint(int epoch, const MeasureRecord& m) { takeCheckpoint(epoch, &m); }

void RunViewer::takeCheckpoint(int epoch, const MeasureRecord* m) {
  if (m && !keys_->keys()) curves_->addMeasures(*m);  // training measures with each checkpoint's own key set
  curves_->updatePhases();
  scrubber_->addCheckpoint(epoch);
  if (shown_.checkpoints.empty() || epoch > shown_.checkpoints.back()) shown_.checkpoints.push_back(epoch);
}

void RunViewer::addNumerics(const QVector<NumericsRecord>& records) {
  curves_->addNumerics(std::vector<NumericsRecord>(records.begin(), records.end()));
  if (!records.isEmpty()) shown_.numerics = std::max(shown_.numerics, records.back().epoch);
}

void RunViewer::follow() {
  if (writerHolds_) {  // what was said of the run shown before (or before this app trained) is over
    writerHolds_ = false;
    curves_->setLive(training_);
    views_->setLive(training_);
  }
  if (path_.isEmpty() || training_) return followTimer_->stop();
  // Held now: a trainer elsewhere (its first checkpoint may be a while off).
  setWriterHolds(RunLock::is_held(run_lock_path(path_.toStdString())));
  followTimer_->start();
}

void RunViewer::setWriterHolds(bool held) {
  if (held == writerHolds_) return;
  writerHolds_ = held;
  // The views share the cores with that trainer as with this app's own; once it stops they catch
  // up with the newest checkpoint at once.
  curves_->setLive(held);
  views_->setLive(held);
  const QString name = QFileInfo(path_).fileName();
  emit message(held ? tr("%1 is being trained by another process: following it").arg(name)
                    : tr("%1: the other process has stopped writing it").arg(name),
               held ? 0 : 10000);
}

void RunViewer::setPollInterval(int ms) { followTimer_->setInterval(ms); }

void RunViewer::pollFile() {
  if (path_.isEmpty() || training_ || tailReading_) return;
  const RunFileStamp now = RunFileStamp::of(path_);
  if (now == stamp_) {
    // A writer that stops without a last write (a reader's connection keeps the WAL) says so by its lock.
    setWriterHolds(RunLock::is_held(run_lock_path(path_.toStdString())));
    return;
  }
  tailReading_ = true;
  jobs_->run<RunTail>(
      this,
      [path = path_, keys = keys_->keys(), shown = shown_](JobControl&) { return loadRunTail(path, keys, shown); },
      [this, seq = openSeq_, now](const RunTail& t) {
        tailReading_ = false;
        if (seq != openSeq_ || training_) return;  // another run is shown, or this app's training feeds the views
        stamp_ = now;
        applyTail(t);
      },
      // A file caught mid-replacement, say: the stamp stays, so the next tick reads it again.
      [this](const QString&) { tailReading_ = false; });
}

void RunViewer::applyTail(const RunTail& t) {
  if (t.replaced) {  // a run made anew over the path: read as a whole, after this job's bookkeeping
    QTimer::singleShot(0, this, [this, seq = openSeq_] {
      if (seq != openSeq_ || training_) return;
      if (const QString err = open(path_, false); !err.isEmpty()) emit failed(tr("Cannot open run"), err);
    });
    return;
  }
  shown_.identity = t.identity;  // known now if this app made the run
  if (!t.metrics.empty()) addMetrics(QVector<EpochMetrics>(t.metrics.begin(), t.metrics.end()));
  for (int e : t.checkpoints) {
    const auto m =
        std::find_if(t.measures.begin(), t.measures.end(), [e](const MeasureRecord& r) { return r.epoch == e; });
    takeCheckpoint(e, m != t.measures.end() ? &*m : nullptr);  // none stored (yet): the checkpoint alone
  }
  if (!t.numerics.empty()) addNumerics(QVector<NumericsRecord>(t.numerics.begin(), t.numerics.end()));
  setWriterHolds(t.held);  // after the checkpoints: a writer that has stopped shows its newest now
  if (!t.metrics.empty() || !t.checkpoints.empty()) emit followed(shown_.metrics);
}

void RunViewer::cancelFill() { filler_->cancel(); }

QString RunViewer::setReference(const QString& path) {
  const QString err = reference_->set(path);
  if (err.isEmpty()) parentReference_ = false;  // the user's choice, kept whatever run opens
  return err;
}

void RunViewer::clearReference() {
  parentReference_ = false;
  reference_->clear();
}

void RunViewer::showParent() {
  // A fork: its parent (if its file is there) becomes the reference; another run: a parent drawn for
  // the previous fork goes, a reference the user chose stays.
  if (origin_.parentExists()) {
    if (reference_->active() && QFileInfo(reference_->path()) == QFileInfo(origin_.parent)) return;
    parentReference_ = reference_->set(origin_.parent).isEmpty();
  } else if (parentReference_) {
    parentReference_ = false;
    reference_->clear();
  }
}

void RunViewer::showReference() {
  if (!reference_->active()) {
    curves_->clearReference();
  } else {
    const RunContents& r = reference_->contents();
    curves_->setReference(reference_->name(), r.metrics, r.measures);
  }
  describeReference();
}

QString RunViewer::forkLine() const {
  QString line = origin_.describe();  // "forked from base.grok at epoch 600 (optimizer: parent)"
  if (!line.isEmpty()) line[0] = line[0].toUpper();
  return line;
}

void RunViewer::describeReference() {
  referenceLabel_->setVisible(reference_->active() || origin_.isFork());
  referenceLabel_->setStyleSheet({});
  if (!reference_->active()) {  // a fork whose parent is not drawn still says where it came from
    referenceLabel_->setText(forkLine() +
                             (origin_.parentExists() ? QString() : tr(" · the parent's file is not there")));
    referenceLabel_->setToolTip(origin_.parent);
    return;
  }
  if (path_.isEmpty()) {  // no run open: nothing to differ from
    referenceLabel_->setText(tr("Reference: %1").arg(reference_->name()));
    referenceLabel_->setToolTip(reference_->path());
    return;
  }
  const bool parent = origin_.isFork() && QFileInfo(reference_->path()) == QFileInfo(origin_.parent);
  const ReferenceDescription d =
      grok::describeReference(cfg_, reference_->contents().cfg, reference_->path(), parent ? forkLine() : QString());
  referenceLabel_->setText(d.line);
  referenceLabel_->setToolTip(d.details);
  // A different task is allowed, but the user should not miss it.
  if (d.differentTask) referenceLabel_->setStyleSheet(QStringLiteral("color: #d62728; font-weight: bold"));
}

void RunViewer::showUndefined(const Task& task) {
  // A task without a group: every view it leaves empty says why, for as long as the run is shown.
  const QString undefined =
      task.has_group()
          ? QString()
          : tr("Not defined: %1 (the losses and accuracies are).").arg(QString::fromStdString(task.group_reason()));
  views_->setNotice(undefined);
  curves_->setNotice(undefined);
}

void RunViewer::clear() {
  shown_ = {};
  curves_->clear();
  views_->clear();
  scrubber_->setCheckpoints({});
  scrubber_->setFollowLive(true);
}

void RunViewer::onFillFinished(const QString& path, bool cancelled, const QString& error) {
  keys_->setEnabled(!filler_->running());
  if (cancelled) fillAttempts_.remove(fillAttempt_);  // the rest next time
  if (!error.isEmpty()) return emit failed(tr("Progress measures"), error);
  if (cancelled || path != path_ || training_) return;
  if (const QString err = open(path_, true); !err.isEmpty()) emit failed(tr("Cannot open run"), err);
}

QCustomPlot* RunViewer::lossPlot() const { return curves_->lossView(); }
QCustomPlot* RunViewer::accuracyPlot() const { return curves_->accuracyView(); }
SeriesView* RunViewer::measuresView() const { return curves_->measuresView(); }
SpectrumView* RunViewer::weView() const { return views_->weView(); }
SpectrumView* RunViewer::wlView() const { return views_->wlView(); }
HeatmapView* RunViewer::neuronView() const { return views_->neurons()->view(); }
HeatmapView* RunViewer::attentionView() const { return views_->attentionView(); }
HeatmapView* RunViewer::logitsView() const { return views_->logitsView(); }
QTableWidget* RunViewer::checksTable() const { return views_->checks()->table(); }
int RunViewer::shownSnapshotEpoch() const { return views_->shownEpoch(); }
int RunViewer::shownChecksEpoch() const { return views_->shownChecksEpoch(); }

}  // namespace grok
