#include "ui/checkpoint/checkpoint_views.h"

#include <QEvent>
#include <QTimer>

#include <algorithm>

#include "core/analysis/fourier_basis.h"
#include "ui/checkpoint/attention_panel.h"
#include "ui/checkpoint/check_table_view.h"
#include "ui/checkpoint/epoch_scrubber.h"
#include "ui/checkpoint/ipr_histogram.h"
#include "ui/checkpoint/neuron_panel.h"
#include "ui/checkpoint/prediction_grid.h"
#include "ui/plots/heatmap_view.h"
#include "ui/plots/spectrum_view.h"

namespace grok {

CheckpointViews::CheckpointViews(EpochScrubber* scrubber, std::shared_ptr<AnalysisTurns> turns, QObject* parent)
    : QObject(parent), scrubber_(scrubber) {
  // The views are parented by the docks they go into.
  we_ = new SpectrumView(tr("W_E Fourier norms"));
  wl_ = new SpectrumView(tr("W_L Fourier norms"));
  neurons_ = new NeuronPanel;
  attention_ = new AttentionPanel;
  logits_ = new HeatmapView(tr("Logits in the 2D Fourier basis"), tr("b component"), tr("a component"));
  we_->setEmptyText(
      tr("The embedding's weight on each frequency at the scrubbed checkpoint: a few key "
         "frequencies stand out once the model groks."));
  wl_->setEmptyText(tr("The same for W_L, the map from the neurons to the logits."));
  logits_->setEmptyText(
      tr("The logits over every pair (a, b) in the 2D Fourier basis: a few bright components "
         "once the model uses its key frequencies."));
  checks_ = new CheckTableView;
  ipr_ = new IprHistogram;
  predictions_ = new PredictionGrid;
  // One axis order for both panels: a pick in one is the pick in the other (and saved).
  connect(neurons_, &NeuronPanel::axisOrderChanged, attention_, &AttentionPanel::setAxisOrder);
  connect(attention_, &AttentionPanel::axisOrderChanged, neurons_, &NeuronPanel::setAxisOrder);
  connect(neurons_, &NeuronPanel::axisOrderChanged, predictions_, &PredictionGrid::draw);
  connect(attention_, &AttentionPanel::axisOrderChanged, predictions_, &PredictionGrid::draw);
  // Brought into sight (its dock's tab chosen): the norms left out while it was hidden.
  logits_->installEventFilter(this);
  service_ = new SnapshotService(this);
  service_->setTurns(std::move(turns));
  connect(service_, &SnapshotService::ready, this, &CheckpointViews::onSnapshot);
  connect(service_, &SnapshotService::failed, this,
          [this](int, const QString& e) { emit message(tr("Analysis failed: %1").arg(e), 8000); });
  prefetchLater_.setSingleShot(true);
  prefetchLater_.setInterval(kRestMs);
  connect(&prefetchLater_, &QTimer::timeout, this, &CheckpointViews::prefetchNeighbours);
  normsLater_.setSingleShot(true);
  normsLater_.setInterval(kRestMs);
  connect(&normsLater_, &QTimer::timeout, this, [this] {
    if (shown_ && shown_->snapshot && !shown_->logitNorms) service_->completeLogitNorms(shownEpoch_, shown_);
  });
  liveThrottle_.setSingleShot(true);
  connect(&liveThrottle_, &QTimer::timeout, this, [this] {
    sinceSnapshot_.invalidate();  // due: let the newest checkpoint through
    show(scrubber_->epoch());
  });
}

HeatmapView* CheckpointViews::attentionView() const { return attention_->view(); }

void CheckpointViews::setRun(const QString& path, const std::optional<std::vector<int>>& keys) {
  clear();
  service_->setRun(path);
  service_->setKeyFreqs(keys);
}

void CheckpointViews::clear() {
  shown_.reset();
  shownEpoch_ = shownChecksEpoch_ = -1;
  we_->clear();
  wl_->clear();
  neurons_->clear();
  attention_->clear();
  logits_->clear();
  checks_->clear();
  ipr_->clear();
  predictions_->clear();
}

void CheckpointViews::setNotice(const QString& text) {
  for (Figure* f : std::initializer_list<Figure*>{we_, wl_, logits_, neurons_->view(), attention_->view(), ipr_})
    f->setNotice(text);
  checks_->setNotice(text);
}

void CheckpointViews::setLive(bool training) {
  const bool was = live_;
  live_ = training;
  if (was && !training && liveThrottle_.isActive()) {  // paused or ended: the newest checkpoint now
    liveThrottle_.stop();
    show(scrubber_->epoch());
  }
  service_->setWarm(!training);  // its OpenMP pool would slow training (core/runtime/compute_thread.h)
}

void CheckpointViews::show(int epoch) {
  if (epoch < 0) return;
  if (shownEpoch_ >= 0 && epoch != shownEpoch_) scrubDir_ = epoch > shownEpoch_ ? 1 : -1;
  stepped_ = adjacent(shownEpoch_, epoch);
  prefetchLater_.stop();
  // Following a live run, the analysis would take a fifth of the 2 cores from training (a
  // snapshot and check table every checkpoint). Training waits while it runs
  // (core/runtime/analysis_turns.h), so its cost is its time: keep it near 1 % by waiting 100x the
  // last snapshot's time between live updates (~12 s on mainline, where it takes ~120 ms). A
  // user's scrub is served at once, and so is everything while training is paused (setLive).
  if (live_ && scrubber_->followLive() && lastSnapshotMs_ > 0 && sinceSnapshot_.isValid()) {
    // At most 20 s: a first snapshot's cold start (the analyzer built, its threads started) may
    // take seconds, which would hold the live views for minutes.
    const qint64 wait = std::min<qint64>(static_cast<qint64>(100 * lastSnapshotMs_), 20000) - sinceSnapshot_.elapsed();
    if (wait > 0) {
      if (!liveThrottle_.isActive()) liveThrottle_.start(static_cast<int>(wait));
      return;
    }
  }
  scrubTimer_.start();
  normsLater_.stop();  // a live checkpoint held back above leaves them to come
  service_->setLogitNormsLater(logitNormsLater());
  service_->request(epoch);
}

// Out of sight: nothing of it on screen in a window that is (a dock behind another's tab keeps
// its size and is covered). A window not shown (the tests, a screenshot being set up) draws it all.
bool CheckpointViews::logitNormsLater() const {
  const QWidget* w = logits_->window();
  return w && w != logits_ && w->isVisible() && logits_->visibleRegion().isEmpty();
}

bool CheckpointViews::eventFilter(QObject* watched, QEvent* event) {
  const QEvent::Type t = event->type();
  if (watched == logits_ && (t == QEvent::Show || t == QEvent::Paint) && !logitNormsLater()) {
    service_->setLogitNormsLater(false);
    if (shown_ && shown_->snapshot && !shown_->logitNorms) service_->completeLogitNorms(shownEpoch_, shown_);
  }
  return QObject::eventFilter(watched, event);
}

void CheckpointViews::onSnapshot(int epoch, ViewSnapshotPtr v, double computeMs) {
  if (computeMs > 0) lastSnapshotMs_ = computeMs, sinceSnapshot_.start();
  // The service sends a checkpoint twice (snapshot, then with the check table): the second time
  // only the table changes.
  const bool viewsCurrent = shown_ && shownEpoch_ == epoch && shown_->snapshot == v->snapshot;
  // The shown views with the 2D logits' norms added (completeLogitNorms): that view alone, even if
  // the scrubber (following a live run) has moved on meanwhile.
  const bool normsNew = viewsCurrent && v->logitNorms != shown_->logitNorms;
  if (normsNew && shown_->checks == v->checks) {
    shown_ = v;
    return drawLogitNorms();
  }
  if (epoch != scrubber_->epoch()) return;  // the user has moved on; a newer one is coming
  shown_ = v;
  shownEpoch_ = epoch;
  const double ms = scrubTimer_.isValid() ? scrubTimer_.nsecsElapsed() / 1e6 : 0;
  if (!v->snapshot) {  // a task without a group: the prediction grid alone
    predictions_->setPredictions(epoch, v->predictions, v->group);
    emit snapshotShown(epoch);
    return;
  }
  if (normsNew) drawLogitNorms();
  if (!viewsCurrent) {
    drawSnapshot();
    // The out-of-sight view's norms once the user rests here (a scrub on would wait behind them),
    // after the check table and any prefetch.
    if (!v->logitNorms) normsLater_.start();
    // After the paint events the replots posted: the check table may take both cores again.
    if (!v->checks) QTimer::singleShot(0, service_, [s = service_, epoch] { s->viewsDrawn(epoch); });
    emit message(tr("Views at epoch %1 (%2 ms)").arg(epoch).arg(ms, 0, 'f', 0), 3000);
    emit snapshotShown(epoch);
  }
  if (!v->checks) return checks_->showComputing(epoch);
  checks_->setChecks(epoch, *v->checks, v->group);
  // After a step the next ones are likely: computed at once (a request for the one under way takes
  // it over, snapshot_service.h). After a jump nothing is: only once the user rests, so that a
  // next jump does not wait behind a guess.
  if (!live_) {
    if (stepped_)
      prefetchNeighbours();
    else
      prefetchLater_.start();
  }
  if (viewsCurrent) emit message(tr("Check table at epoch %1 (%2 ms)").arg(epoch).arg(ms, 0, 'f', 0), 3000);
  shownChecksEpoch_ = epoch;
  emit checksShown(epoch);
}

// The next two checkpoints in the direction the user last stepped, and the one behind: while the
// user looks at this one, they are computed, so the arrow keys and play find them ready. Not while
// training, which the cores are busy with.
bool CheckpointViews::adjacent(int a, int b) const {
  const std::vector<int>& e = scrubber_->checkpoints();
  const auto ia = std::lower_bound(e.begin(), e.end(), a), ib = std::lower_bound(e.begin(), e.end(), b);
  return ia != e.end() && ib != e.end() && *ia == a && *ib == b && std::abs(ia - ib) == 1;
}

void CheckpointViews::prefetchNeighbours() {
  const std::vector<int>& e = scrubber_->checkpoints();
  const auto it = std::lower_bound(e.begin(), e.end(), shownEpoch_);
  if (it == e.end() || *it != shownEpoch_) return;
  const int i = static_cast<int>(it - e.begin());
  std::vector<int> next;
  for (int d : {scrubDir_, 2 * scrubDir_, -scrubDir_})
    if (i + d >= 0 && i + d < static_cast<int>(e.size())) next.push_back(e[i + d]);
  service_->prefetch(next);
}

void CheckpointViews::drawSnapshot() {
  const Snapshot& s = *shown_->snapshot;
  predictions_->setPredictions(s.epoch, shown_->predictions, shown_->group);
  ipr_->setValues(s.epoch, s.neuron_ipr);
  const OperationGroup& g = shown_->group;  // the analysis is in the group's basis: spectra [n]
  const QString group = QString::fromStdString(g.name());
  QStringList names;  // a group's irreps name the bars (fourier_basis.h); a cyclic group's are frequencies
  std::vector<int> first, rows;
  if (!g.cyclic()) {
    const FourierBasis F(g);
    names << tr("trivial"), first.push_back(0), rows.push_back(1);
    for (int k = 1; k <= F.n_freqs(); k++)
      names << QString::fromStdString(F.component_label(k)), first.push_back(F.component_first_row(k)),
          rows.push_back(F.component_rows(k));
  }
  for (SpectrumView* v : {we_, wl_}) {
    v->setComponents(names, first, rows);
    v->setBasis(QString::fromStdString(g.coordinate()), group);
  }
  if (s.spectra.we_norms_b.empty())
    we_->setSpectrum(s.spectra.we_norms, s.detected.freqs);
  else  // an embedding per operand (the MLPs)
    we_->setOperandSpectra(s.spectra.we_norms_a, s.detected.freqs, s.spectra.we_norms_b);
  wl_->setSpectrum(s.spectra.wl_norms, s.detected.freqs);
  attention_->setSnapshot(shown_->snapshot, g);
  drawLogitNorms();
  neurons_->setSnapshot(shown_->snapshot, g);
}

void CheckpointViews::drawLogitNorms() {
  if (!shown_ || !shown_->snapshot) return;
  if (!shown_->logitNorms) return logits_->clear();
  const OperationGroup& g = shown_->group;
  const int n = g.n;  // the group's basis: [n, n]
  const QString group = QString::fromStdString(g.name());
  std::vector<float> ln(shown_->logitNorms->begin(), shown_->logitNorms->end());
  logits_->setAxisLabels(tr("Fourier component of %1 (%2)").arg(QString::fromStdString(g.coordinate("b")), group),
                         tr("Fourier component of %1 (%2)").arg(QString::fromStdString(g.coordinate("a")), group));
  logits_->setMaps({ln}, n, n, {tr("L2 norm over the outputs c")}, tr("norm"));
}

}  // namespace grok
