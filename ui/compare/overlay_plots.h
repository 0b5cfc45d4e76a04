// Overlays of one time series of many runs (test loss, accuracy, the progress measures, ...): a
// curve per checked run in the run's "colour by" colour, a legend of the colours' values, hover
// naming the nearest run (its varied fields) and its value. OverlayPlots stacks the figures the
// user picks, their epoch axes linked: a zoom or pan in one moves them all; log x for all of them.
//
//   OverlayPlots o;
//   o.setShown({CompareSeries::TestLoss, CompareSeries::TestAccuracy});
//   o.setRuns(source.runs(), table.checkedRows(), scale);   // redraws the shown figures
//   o.figure(CompareSeries::TestLoss)->curveCount();        // == checked runs with data
//
// Ranges follow the data until the user zooms or pans; a double click returns to following.
//
// Threading: GUI thread only.
#pragma once

#include <QMap>
#include <QSet>
#include <QWidget>

#include "ui/compare/compare_data.h"
#include "ui/plots/figure.h"

class QSplitter;

namespace grok {

class OverlayFigure : public Figure {
  Q_OBJECT
 public:
  explicit OverlayFigure(const CompareSeriesInfo& info, QWidget* parent = nullptr);
  CompareSeries series() const { return info_.id; }
  // A curve per run in `rows` (those with data for this series), coloured by `scale`.
  void setRuns(const QVector<CompareRun>& runs, const QSet<int>& rows, const ColourScale& scale);
  int curveCount() const { return curves_.size(); }
  QList<int> curveRows() const { return curves_.keys(); }
  int pointCount(int row) const;  // points the run's curve draws (-1: no curve)
  QCPGraph* curve(int row) const { return curves_.value(row, nullptr); }
  void setLogX(bool on);
  void setLogY(bool on);
  bool logY() const { return logY_; }
  void setFollow(bool on) { follow_ = on; }
  bool follows() const { return follow_; }
  void rebuild();  // the graphs from the data set last, ranges if following, replot
  void addMenuActions(QMenu* menu) override;
  // The tooltip hover shows at a point of the plot ("" if no curve is near).
  QString hoverText(const QPointF& pos) const;

 signals:
  void userRangeChanged(const QCPRange& x);
  void logXRequested(bool on);  // the context menu's "log x" is for every overlay

 protected:
  void mouseMoveEvent(QMouseEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;

 private:
  struct Entry {
    QString name;
    QColor colour;
    Curve data;
  };
  void fitRanges();
  CompareSeriesInfo info_;
  QMap<int, Entry> entries_;     // by row: what to draw
  QMap<int, QCPGraph*> curves_;  // by row: drawn
  QVector<QPair<QString, QColor>> legendEntries_;
  bool logX_ = false, logY_ = false, follow_ = true;
};

class OverlayPlots : public QWidget {
  Q_OBJECT
 public:
  explicit OverlayPlots(QWidget* parent = nullptr);
  OverlayFigure* figure(CompareSeries s) const { return figures_[static_cast<int>(s)]; }
  const QList<OverlayFigure*>& figures() const { return figures_; }
  void setShown(const QList<CompareSeries>& shown);
  QList<CompareSeries> shown() const { return shown_; }
  void setRuns(const QVector<CompareRun>& runs, const QSet<int>& rows, const ColourScale& scale);
  void setLogX(bool on);
  bool logX() const { return logX_; }
  void fitAll();

 signals:
  void logXChanged(bool on);

 private:
  QSplitter* split_;
  QList<OverlayFigure*> figures_;  // every series, in compareSeries() order; hidden unless shown
  QList<CompareSeries> shown_;
  bool logX_ = false;
};

}  // namespace grok
