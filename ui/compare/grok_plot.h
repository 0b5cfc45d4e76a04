// "Epochs to grok vs field": for each value of a chosen varied field, the epoch of 99 % test
// accuracy over seeds (median, and min-max as error bars), a line per setting of the other varied
// fields. A log x axis where the values are log-spaced (constant ratios, as in lr or weight decay
// grids). Settings whose every run ended without grokking are drawn as triangles at the top of the
// plot, noted in the legend; settings still training and not grokked yet are left out.
//
//   GrokPlot g;
//   g.setRuns("train_fraction", source.runs(), colourScale);
//   g.points();   // what is drawn, one GrokPoint per (setting, value)
//
// Threading: GUI thread only.
#pragma once

#include <QVector>
#include <cmath>

#include "ui/compare/compare_data.h"
#include "ui/plots/figure.h"

namespace grok {

struct GrokPoint {
  QString group;    // the other varied fields but seed, "weight_decay=0.3 lr=0.001" ("" if none)
  QString value;    // the field's value as text
  double x = NAN;   // the value as a number, or its place among the values when they are not numbers
  int runs = 0;     // runs (seeds) with data
  int grokked = 0;  // of them, reached 99 % test accuracy
  int pending = 0;  // of them, not grokked yet and still to train (not complete, not failed)
  double median = NAN, min = NAN, max = NAN;  // epochs to grok over the grokked runs
  int budget = 0;                             // the most epochs any of its runs trained
  QList<int> rows;
  bool never() const { return runs > 0 && grokked == 0 && pending == 0; }
};

// The points of the plot for `field`, groups in the order of their first run, values sorted.
QVector<GrokPoint> grokPoints(const QVector<CompareRun>& runs, const QString& field);

class GrokPlot : public Figure {
  Q_OBJECT
 public:
  explicit GrokPlot(QWidget* parent = nullptr);
  void setRuns(const QString& field, const QVector<CompareRun>& runs, const ColourScale& scale);
  const QVector<GrokPoint>& points() const { return points_; }
  QString field() const { return field_; }
  bool logX() const { return logX_; }
  double neverY() const { return neverY_; }  // where the never-grokked triangles are drawn
  void addMenuActions(QMenu* menu) override;
  QString hoverText(const QPointF& pos) const;

 protected:
  void mouseMoveEvent(QMouseEvent* event) override;

 private:
  void rebuild();
  QString field_;
  QVector<GrokPoint> points_;
  QVector<QColor> colours_;  // per point, its group's colour
  QVector<int> groupIndex_;  // per point, its group's place
  int groupCount_ = 0;
  QVector<double> drawnX_;  // per point, x with its group's small offset (overlapping bars stay apart)
  bool logX_ = false, logY_ = false;
  double neverY_ = NAN;
};

}  // namespace grok
