#include "ui/window/curves_panel.h"

#include <QSplitter>
#include <algorithm>
#include <cmath>

#include "ui/plots/epoch_marks.h"
#include "ui/plots/series_view.h"
#include "ui/window/numerics_panel.h"

namespace grok {

namespace {

QWidget* stacked(std::initializer_list<QWidget*> widgets) {
  auto* split = new QSplitter(Qt::Vertical);
  for (QWidget* w : widgets) split->addWidget(w);
  split->setChildrenCollapsible(false);
  return split;
}

}  // namespace

CurvesPanel::CurvesPanel(QObject* parent) : QObject(parent) {
  loss_ = new SeriesView(tr("Loss"), tr("cross-entropy (nats)"), true);
  acc_ = new SeriesView(tr("Accuracy"), tr("accuracy"), false);
  measures_ = new SeriesView(tr("Progress measures"), tr("loss (nats)"), true);
  gini_ = new SeriesView(tr("Gini of the Fourier norms"), tr("Gini"), false);
  norm_ = new SeriesView(tr("Sum of squared weights"), tr("sum of squares"), false);
  mechanism_ = new SeriesView(tr("Mechanism"), tr("0 to 1"), false);
  loss_->defineSeries(0, tr("train"), seriesColor(0));
  loss_->defineSeries(1, tr("test"), seriesColor(1));
  acc_->defineSeries(0, tr("train"), seriesColor(0));
  acc_->defineSeries(1, tr("test"), seriesColor(1));
  // Label noise (docs/tasks.md): in the legend once a run has them.
  acc_->defineSeries(2, tr("train, true labels"), seriesColor(2), Qt::DashLine);
  acc_->defineSeries(3, tr("corrupted, given labels"), seriesColor(3), Qt::DotLine);
  acc_->defineSeries(4, tr("corrupted, true labels"), seriesColor(4), Qt::DotLine);
  for (int i = 2; i < 5; i++) acc_->setEmphasis(i, {1.6, false, false});
  for (int i = 0; i < 4; i++) mechanism_->defineSeries(i, tr(kMechanismSeries[i].second), seriesColor(6 + i));
  mechanism_->setFixedYRange(0, 1.02);
  for (int i = 0; i < 4; i++)
    measures_->defineSeries(i, tr(kLossSeries[i].second), seriesColor(i), i < 2 ? Qt::DotLine : Qt::SolidLine);
  gini_->defineSeries(0, tr("W_E"), seriesColor(4));
  gini_->defineSeries(1, tr("W_L"), seriesColor(5));
  norm_->defineSeries(0, tr("all parameters"), seriesColor(7));
  norm_->removeLegend();
  acc_->setFixedYRange(-0.02, 1.02);  // a share, whatever is drawn (the empty plot read 0 to 5)
  gini_->yAxis->setRange(0, 1);
  // Said while a view has nothing to draw (no run open yet): what will appear and how to get it.
  const QString start = tr("Press Start to train the preset on the left, or open a run with File > Open.");
  loss_->setEmptyText(tr("The training and test loss, epoch by epoch, appear here. ") + start);
  acc_->setEmptyText(
      tr("Training and test accuracy: memorisation first, later the jump in test accuracy that "
         "is grokking."));
  measures_->setEmptyText(tr("The paper's progress measures (restricted and excluded loss) at each checkpoint."));
  gini_->setEmptyText(tr("How concentrated W_E and W_L are on a few frequencies: it rises as the circuit forms."));
  norm_->setEmptyText(tr("The sum of squared weights, which weight decay shrinks during cleanup."));
  mechanism_->setEmptyText(
      tr("Clock or pizza (Zhong et al.) and the neurons' periodicity (Doshi et al.), per "
         "checkpoint."));
  all_ = {loss_, acc_, measures_, gini_, norm_, mechanism_};
  for (SeriesView* v : all_) own_[v] = v->seriesCount();
  numerics_ = new NumericsPanel(this);
  for (SeriesView* v : QList<SeriesView*>{loss_} + numerics_->views())
    spikeMarks_ << new EpochMarks(v, QColor(214, 39, 40, 140));
  // Linked on the epoch axis: a zoom or pan in one moves them all.
  for (SeriesView* v : linked())
    connect(v, &SeriesView::userRangeChanged, this, [this, v](const QCPRange& r) {
      for (SeriesView* o : linked())
        if (o != v) o->setFollow(v->follows()), o->xAxis->setRange(r), o->refresh();
    });
  lossStack_ = stacked({loss_, acc_});
  measuresStack_ = stacked({measures_, gini_, norm_});

  // Replots at most 10 times a second, only when data arrived; while training, no more often than
  // keeps the curves' drawing near 3 % of a core, but at least 4 times a second. The GUI thread
  // runs on the cores training uses, each moment it takes one stalling both of training's
  // threads, and at 10 Hz it took ~8 % of a core (from /proc while training mainline at
  // 1880x1040: loss and accuracy replot in ~2.5 ms each, as long again to put them on screen).
  replotTimer_.setInterval(100);
  connect(&replotTimer_, &QTimer::timeout, this, [this] {
    if (!dirty_) return;
    dirty_ = false;
    markSpikes();
    for (SeriesView* v : all_) v->refreshIfChanged();
    // The numerics change every tick while training; behind the measures' tab they wait until shown.
    for (SeriesView* v : numerics_->views())
      if (v->isVisible()) v->refreshIfChanged();
    // The loss and accuracy plots change every tick; replotTime() leaves out putting the
    // buffers on screen.
    const double drawMs = 2 * (loss_->replotTime(true) + acc_->replotTime(true));
    replotTimer_.setInterval(live_ ? std::clamp(static_cast<int>(30 * drawMs), 100, 250) : 100);
    emit replotted();
  });
  replotTimer_.start();
}

QMap<QString, QWidget*> CurvesPanel::figures() const {
  QMap<QString, QWidget*> f = {{"loss", loss_}, {"accuracy", acc_},     {"progress-measures", measures_},
                               {"gini", gini_}, {"weight-norm", norm_}, {"mechanism", mechanism_}};
  f.insert(numerics_->figures());
  return f;
}

QList<SeriesView*> CurvesPanel::linked() const { return all_ + numerics_->views(); }

void CurvesPanel::setNotice(const QString& text) { gini_->setNotice(text); }

void CurvesPanel::setLoss(LossKind kind) {
  loss_->yAxis->setLabel(kind == LossKind::Mse ? tr("mean squared error (one-hot targets)")
                                               : tr("cross-entropy (nats)"));
  // The progress measures are the paper's, cross-entropies of the logits whatever the run trained
  // on (docs/analysis-json.md): an MSE run's measures view says so.
  measures_->yAxis->setLabel(kind == LossKind::Mse ? tr("cross-entropy of the logits (nats)") : tr("loss (nats)"));
  loss_->replot(QCustomPlot::rpQueuedReplot);
  measures_->replot(QCustomPlot::rpQueuedReplot);
}

void CurvesPanel::clear() {
  metrics_.clear();
  records_.clear();
  phases_ = {};
  numerics_->clear();
  spikes_.clear();
  spikesChanged_ = true;
  markSpikes();
  for (SeriesView* v : linked())
    v->clearData(), v->setPhases({}), v->setEpochMarker(-1), v->setFollow(true), v->refresh();
  for (int i = 2; i < 5; i++) acc_->setEmphasis(i, {1.6, false, false});
  emit phasesUpdated();
}

void CurvesPanel::addMetrics(const QVector<EpochMetrics>& batch) {
  QVector<double> e, trl, tra, te, tel, tea, ne, truth, given, right;
  for (const EpochMetrics& m : batch) {
    metrics_.push_back(m);
    e << m.epoch, trl << m.train_loss, tra << m.train_acc;
    if (!std::isnan(m.test_loss)) te << m.epoch, tel << m.test_loss, tea << m.test_acc;
    if (!std::isnan(m.train_acc_true))
      ne << m.epoch, truth << m.train_acc_true, given << m.corrupted_acc, right << m.corrupted_acc_true;
    spikesChanged_ |= spikes_.add(m.epoch, m.train_loss);
  }
  loss_->appendData(0, e, trl);
  loss_->appendData(1, te, tel);
  acc_->appendData(0, e, tra);
  acc_->appendData(1, te, tea);
  if (!ne.isEmpty()) {
    acc_->appendData(2, ne, truth);
    acc_->appendData(3, ne, given);
    acc_->appendData(4, ne, right);
    for (int i = 2; i < 5; i++) acc_->setEmphasis(i, {1.6, true, false});
  }
  dirty_ = true;
}

std::vector<std::tuple<SeriesView*, int, const char*>> CurvesPanel::measureSlots() const {
  std::vector<std::tuple<SeriesView*, int, const char*>> out;
  for (int i = 0; i < 4; i++) out.emplace_back(measures_, i, kLossSeries[i].first);
  out.emplace_back(gini_, 0, "gini_we");
  out.emplace_back(gini_, 1, "gini_wl");
  out.emplace_back(norm_, 0, "sum_sq_weights");
  for (int i = 0; i < 4; i++) out.emplace_back(mechanism_, i, kMechanismSeries[i].first);
  return out;
}

void CurvesPanel::addMeasures(const MeasureRecord& m) {
  records_[m.epoch] = m;
  for (const auto& [v, i, name] : measureSlots()) {
    const auto it = m.values.find(name);
    if (it != m.values.end()) v->appendData(i, {double(m.epoch)}, {it->second});
  }
  dirty_ = true;
}

void CurvesPanel::addNumerics(const std::vector<NumericsRecord>& records) {
  numerics_->add(records);
  dirty_ = true;
}

void CurvesPanel::setNumericsMissing(bool missing) { numerics_->setMissing(missing); }

void CurvesPanel::markSpikes() {
  if (!std::exchange(spikesChanged_, false)) return;
  std::vector<int> peaks;
  for (const LossSpike& s : spikes_.spikes()) peaks.push_back(s.peak_epoch);
  for (EpochMarks* m : spikeMarks_) m->set(peaks);
  emit lossSpikesChanged(spikes_.spikes());
}

void CurvesPanel::setReference(const QString& name, const std::vector<EpochMetrics>& metrics,
                               const std::vector<MeasureRecord>& measures) {
  if (name != refName_) {
    clearReference();
    const QString tag = tr(" (ref: %1)").arg(name);
    for (SeriesView* v : all_) {
      for (int i = 0; i < own_[v]; i++) v->defineReference(own_[v] + i, i, v->seriesName(i) + tag);
      v->setReferenceKey(tr("ref: %1").arg(name));
    }
    norm_->setLegendShown(true);  // two lines now: say which is which
    refName_ = name;
  }
  QVector<double> e, trl, tra, te, tel, tea;
  for (const EpochMetrics& m : metrics) {
    e << m.epoch, trl << m.train_loss, tra << m.train_acc;
    if (!std::isnan(m.test_loss)) te << m.epoch, tel << m.test_loss, tea << m.test_acc;
  }
  loss_->setData(own_[loss_], e, trl);
  loss_->setData(own_[loss_] + 1, te, tel);
  acc_->setData(own_[acc_], e, tra);
  acc_->setData(own_[acc_] + 1, te, tea);
  for (const auto& [v, i, key] : measureSlots()) {
    QVector<double> x, y;
    for (const MeasureRecord& m : measures)
      if (const auto it = m.values.find(key); it != m.values.end()) x << m.epoch, y << it->second;
    v->setData(own_[v] + i, x, y);
  }
  refresh();
}

void CurvesPanel::clearReference() {
  if (refName_.isEmpty()) return;
  for (SeriesView* v : all_) v->removeSeriesFrom(own_[v]), v->setReferenceKey({});
  norm_->setLegendShown(false);
  refName_.clear();
  refresh();
}

void CurvesPanel::updatePhases() {
  std::vector<std::pair<int, double>> ssw;
  for (const auto& [e, r] : records_) {
    const auto it = r.values.find("sum_sq_weights");
    if (it != r.values.end()) ssw.emplace_back(e, it->second);
  }
  phases_ = detect_phases(metrics_, ssw);
  for (SeriesView* v : linked()) v->setPhases(phases_, live_);
  emit phasesUpdated();
}

void CurvesPanel::setEpochMarker(int epoch) {
  for (SeriesView* v : linked()) v->setEpochMarker(epoch);
}

void CurvesPanel::setLive(bool live) { live_ = live; }

void CurvesPanel::refresh() {
  markSpikes();
  for (SeriesView* v : linked()) v->refresh();
}

void CurvesPanel::fitAll() {
  for (SeriesView* v : linked()) v->setFollow(true), v->refresh();
}

std::pair<int, int> CurvesPanel::visibleEpochs() const {
  const QCPRange r = loss_->xAxis->range();
  return {static_cast<int>(std::max(0.0, std::ceil(r.lower))), static_cast<int>(std::min(2e9, std::floor(r.upper)))};
}

QString CurvesPanel::summary() const {
  if (metrics_.empty()) return {};
  const EpochMetrics& m = metrics_.back();
  double test = NAN;
  for (auto it = metrics_.rbegin(); it != metrics_.rend() && std::isnan(test); ++it) test = it->test_loss;
  return tr("epoch %1 · train loss %2 · test loss %3").arg(m.epoch).arg(m.train_loss, 0, 'g', 3).arg(test, 0, 'g', 3);
}

}  // namespace grok
