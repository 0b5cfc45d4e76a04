#include "ui/compare/compare_data.h"

#include <QFileInfo>
#include <QGuiApplication>
#include <QObject>
#include <QPalette>
#include <algorithm>
#include <cmath>

#include "core/store/run_store.h"

namespace grok {

const std::array<CompareSeriesInfo, kCompareSeriesCount>& compareSeries() {
  static const std::array<CompareSeriesInfo, kCompareSeriesCount> s = {{
      {CompareSeries::TestLoss, "test-loss", "Test loss", "cross-entropy (nats)", true},
      {CompareSeries::TestAccuracy, "test-accuracy", "Test accuracy", "accuracy", false},
      {CompareSeries::TrainLoss, "train-loss", "Train loss", "cross-entropy (nats)", true},
      {CompareSeries::TrainAccuracy, "train-accuracy", "Train accuracy", "accuracy", false},
      {CompareSeries::RestrictedLoss, "restricted-loss", "Restricted loss", "loss (nats)", true},
      {CompareSeries::ExcludedLoss, "excluded-loss", "Excluded loss", "loss (nats)", true},
      {CompareSeries::GiniWE, "gini-we", "Gini of W_E's Fourier norms", "Gini", false},
      {CompareSeries::GiniWL, "gini-wl", "Gini of W_L's Fourier norms", "Gini", false},
      {CompareSeries::SumSqWeights, "weight-norm", "Sum of squared weights", "sum of squares", false},
  }};
  return s;
}

const CompareSeriesInfo& seriesInfo(CompareSeries s) { return compareSeries()[static_cast<int>(s)]; }

QString CompareRun::value(const QString& field) const {
  if (field == kRunField) {
    QStringList parts;
    for (const auto& [name, text] : varied)
      if (name != "seed") parts << QString::fromStdString(name + "=" + text);
    return parts.join(' ');
  }
  const std::string f = field.toStdString();
  for (const auto& [name, text] : varied)
    if (name == f) return QString::fromStdString(text);
  return {};
}

QString CompareRun::describe() const {
  QStringList parts;
  for (const auto& [name, text] : varied) parts << QString::fromStdString(name + "=" + text);
  return parts.isEmpty() ? QFileInfo(path).fileName() : parts.join(' ');
}

QString CompareRun::stateText() const { return QString::fromUtf8(to_string(state)); }

CompareRun readCompareRun(const QString& path) {
  CompareRun r;
  r.path = path;
  try {
    const RunStore store = RunStore::open(path.toStdString());
    r.summary = summarize_run(store);
    r.origin = forkOrigin(store);
    if (r.summary.last_epoch < 0) return r;  // created, nothing committed yet
    r.hasData = true;
    auto add = [&r](CompareSeries s, double x, double y) {
      Curve& c = r.curves[static_cast<int>(s)];
      c.x << x;
      c.y << y;
    };
    // What the newest checkpoint covers, as the summary does.
    for (const EpochMetrics& m : store.metrics(0, r.summary.last_epoch)) {
      add(CompareSeries::TrainLoss, m.epoch, m.train_loss);
      add(CompareSeries::TrainAccuracy, m.epoch, m.train_acc);
      if (std::isnan(m.test_loss)) continue;
      add(CompareSeries::TestLoss, m.epoch, m.test_loss);
      add(CompareSeries::TestAccuracy, m.epoch, m.test_acc);
    }
    const std::pair<CompareSeries, const char*> measures[] = {{CompareSeries::RestrictedLoss, "restricted_loss_test"},
                                                              {CompareSeries::ExcludedLoss, "excluded_loss_train"},
                                                              {CompareSeries::GiniWE, "gini_we"},
                                                              {CompareSeries::GiniWL, "gini_wl"},
                                                              {CompareSeries::SumSqWeights, "sum_sq_weights"}};
    for (const MeasureRecord& m : store.load_measures(KeySelection::Live)) {
      if (m.epoch > r.summary.last_epoch) continue;
      for (const auto& [s, key] : measures)
        if (const auto it = m.values.find(key); it != m.values.end()) add(s, m.epoch, it->second);
    }
  } catch (const RunFileError& e) {
    if (e.kind() != RunFileError::Kind::NoCheckpoint) r.error = QString::fromStdString(e.what());
  } catch (const std::exception& e) {
    r.error = QString::fromStdString(e.what());
  }
  return r;
}

bool numericValues(const QStringList& values, QVector<double>* out) {
  QVector<double> v;
  for (const QString& s : values) {
    bool ok = false;
    v << s.toDouble(&ok);
    if (!ok) return false;
  }
  if (out) *out = v;
  return true;
}

QStringList sortedValues(const QVector<CompareRun>& runs, const QString& field) {
  QStringList values;
  for (const CompareRun& r : runs)
    if (const QString v = r.value(field); !v.isEmpty() && !values.contains(v)) values << v;
  if (numericValues(values, nullptr))
    std::sort(values.begin(), values.end(),
              [](const QString& a, const QString& b) { return a.toDouble() < b.toDouble(); });
  else
    values.sort();
  return values;
}

bool logSpaced(const QVector<double>& v) {
  if (v.size() < 2 || v.front() <= 0) return false;
  if (v.size() == 2) return v[1] / v[0] >= 3;
  double lo = INFINITY, hi = 0;
  for (int i = 1; i < v.size(); i++) {
    const double r = v[i] / v[i - 1];
    lo = std::min(lo, r), hi = std::max(hi, r);
  }
  return lo > 1.2 && hi / lo < 1.25;
}

QColor sequentialColour(double t) {
  // Viridis at nine stops, from its dark violet to a green-yellow short of its palest yellow
  // (which vanishes on a white background).
  static const QColor stops[] = {{68, 1, 84},    {72, 40, 120},  {62, 74, 137},  {49, 104, 142}, {38, 130, 142},
                                 {31, 158, 137}, {53, 183, 121}, {110, 206, 88}, {181, 222, 43}};
  constexpr int n = sizeof stops / sizeof stops[0];
  const double x = std::clamp(t, 0.0, 1.0) * (n - 1);
  const int i = std::min(n - 2, static_cast<int>(x));
  const double f = x - i;
  auto mix = [f](int a, int b) { return static_cast<int>(std::lround(a + f * (b - a))); };
  return {mix(stops[i].red(), stops[i + 1].red()), mix(stops[i].green(), stops[i + 1].green()),
          mix(stops[i].blue(), stops[i + 1].blue())};
}

QColor ColourScale::colour(const QString& value) const {
  const int i = static_cast<int>(values.indexOf(value));
  if (i < 0) return QColor(127, 127, 127);
  // On a dark background viridis' dark violet end would vanish: the map starts at its blue there.
  const bool dark = QGuiApplication::palette().color(QPalette::Base).lightnessF() < 0.5;
  const double lo = dark ? 0.3 : 0.0;
  return sequentialColour(values.size() == 1 ? 0.5 : lo + (1 - lo) * double(i) / (values.size() - 1));
}

ColourScale ColourScale::of(const QString& field, const QVector<CompareRun>& runs) {
  return {field, sortedValues(runs, field)};
}

QColor phaseColour(LiuPhase p) {
  switch (p) {
    case LiuPhase::Comprehension: return {44, 160, 44};
    case LiuPhase::Grokking: return {31, 119, 180};
    case LiuPhase::Memorisation: return {255, 127, 14};
    case LiuPhase::Confusion: return {150, 150, 150};
  }
  return Qt::black;
}

QString phaseName(LiuPhase p) { return QString::fromUtf8(to_string(p)); }

QColor noisePhaseColour(NoisePhase p) {
  switch (p) {
    case NoisePhase::Coexistence: return {148, 103, 189};
    case NoisePhase::PartialInversion: return {158, 202, 225};
    case NoisePhase::FullInversion: return {31, 119, 180};
    case NoisePhase::Memorisation: return {255, 127, 14};
    case NoisePhase::Forgetting: return {150, 150, 150};
    case NoisePhase::None: break;
  }
  return {235, 235, 235};
}

}  // namespace grok
