// What the Compare view knows of one run: its place in the table, its varied fields, its state on
// disk, its summary (core/experiments/run_summary.h) and the curves an overlay can draw, all read
// from the run file alone. Plus the small pieces every part of the view shares: the series an
// overlay can draw, the colour scale of "colour by", the fixed colours of Liu et al.'s phases.
//
//   CompareRun r = readCompareRun("runs/run-003.grok");  // off the GUI thread: it reads SQLite
//   const Curve& c = r.curves[int(CompareSeries::TestLoss)];   // c.x epochs, c.y values
//   ColourScale s = ColourScale::of("weight_decay", runs);     // s.colour("0.3")
//
// Why the curves are read whole each time and off the GUI thread: a p = 23 run of 600 epochs reads
// in ~7 ms, of 3 000 epochs (a 50 MB file) in ~15 ms (measured on a busy 2-core machine:
// CompareSource::lastReadMs), too long for the GUI thread a sweep at a time but short enough to
// re-read whole; the source re-reads only files whose size or time changed.
//
// Threading: plain values; readCompareRun may run on any thread (its own RunStore connection).
#pragma once

#include <QColor>
#include <QString>
#include <QStringList>
#include <QVector>
#include <array>
#include <string>
#include <utility>
#include <vector>

#include "core/experiments/run_summary.h"
#include "core/experiments/sweep.h"
#include "ui/run/fork_origin.h"

namespace grok {

// The time series an overlay can draw: metrics every logged epoch, measures every checkpoint.
enum class CompareSeries {
  TestLoss,
  TestAccuracy,
  TrainLoss,
  TrainAccuracy,
  RestrictedLoss,
  ExcludedLoss,
  GiniWE,
  GiniWL,
  SumSqWeights
};
constexpr int kCompareSeriesCount = 9;

struct CompareSeriesInfo {
  CompareSeries id;
  const char* name;    // file names of exports: "test-loss"
  const char* title;   // "Test loss"
  const char* yLabel;  // "cross-entropy (nats)"
  bool logY;           // the default scale
};
const std::array<CompareSeriesInfo, kCompareSeriesCount>& compareSeries();
const CompareSeriesInfo& seriesInfo(CompareSeries s);

struct Curve {
  QVector<double> x, y;
};

// The pseudo-field colouring each setting of the runs apart: its value is every varied field but the
// seed ("grad_filter=ema grokfast_alpha=0.9"), for sweeps whose fields vary together (zip groups).
inline const QString kRunField = QStringLiteral("run");

struct CompareRun {
  int row = 0;   // in the table: the sweep's run index, or the order the files were given
  QString path;  // the run file
  std::vector<std::pair<std::string, std::string>> varied;  // field -> value text, seed last
  RunState state = RunState::Pending;
  bool hasData = false;  // the file holds a checkpoint: summary and curves are filled
  RunSummary summary;
  QString error;      // why the file could not be read, or the failed run's message
  ForkOrigin origin;  // a fork's parent and epoch (its curves begin at that epoch)
  std::array<Curve, kCompareSeriesCount> curves;

  const Curve& curve(CompareSeries s) const { return curves[static_cast<int>(s)]; }
  QString value(const QString& field) const;  // a varied field's value text, "" if not varied; kRunField too
  QString describe() const;                   // "lr=0.001 weight_decay=1 seed=0"
  QString stateText() const;                  // "complete", "running", ...
};

// Reads a run file's summary and curves (hasData false and `error` empty for a file that holds no
// checkpoint yet, as a run being created; `error` set for a file that is not a run).
CompareRun readCompareRun(const QString& path);

// The distinct values of a varied field, numbers in numeric order, else in text order.
QStringList sortedValues(const QVector<CompareRun>& runs, const QString& field);
// Values as numbers; false if any is not one.
bool numericValues(const QStringList& values, QVector<double>* out);
// Log-spaced: all positive and their ratios about constant (at least 3 between the ends for two values).
bool logSpaced(const QVector<double>& sorted);

// "Colour by": a sequential map (viridis, without its palest end; without its darkest in a dark
// theme) over a field's sorted values; runs sharing a value share a colour.
struct ColourScale {
  QString field;
  QStringList values;
  QColor colour(const QString& value) const;
  QColor colour(const CompareRun& r) const { return colour(r.value(field)); }
  static ColourScale of(const QString& field, const QVector<CompareRun>& runs);
};
QColor sequentialColour(double t);  // t in [0, 1]

// The phases of Liu et al. in fixed colours: comprehension green, grokking blue, memorisation
// orange, confusion grey (the same in every figure and theme).
QColor phaseColour(LiuPhase p);
QString phaseName(LiuPhase p);
// Doshi et al.'s phases of a noisy run (run_summary.h), likewise fixed: coexistence purple, partial
// inversion light blue, full inversion blue, memorisation orange, forgetting grey.
QColor noisePhaseColour(NoisePhase p);

}  // namespace grok
