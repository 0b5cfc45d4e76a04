// A time-series figure over epochs: named series, log or linear x and y, a marker at the
// scrubber's epoch, the detected phases shaded and labelled, exact values on hover, and optional
// smoothing that keeps each bucket's min/max as a band so spikes stay visible.
//
// Ranges follow the data until the user zooms or pans (wheel, drag); a double-click returns to
// following. The main window links the x ranges of all series views.
#pragma once

#include <QVector>

#include "core/analysis/phases.h"
#include "ui/plots/figure.h"

namespace grok {

class SeriesView : public Figure {
  Q_OBJECT
 public:
  SeriesView(const QString& title, const QString& yLabel, bool logY, QWidget* parent = nullptr);

  // Series i (created on first use) with its legend name, colour and line style.
  void defineSeries(int i, const QString& name, const QColor& color, Qt::PenStyle style = Qt::SolidLine);
  void setData(int i, QVector<double> x, QVector<double> y);
  void appendData(int i, const QVector<double>& x, const QVector<double>& y);
  void clearData();
  int seriesCount() const { return series_.size(); }
  int pointCount(int i) const { return series_.value(i).x.size(); }

  void setEpochMarker(int epoch);  // < 0 hides it; redraws the marker's layer only
  // `live`: the run is training, so a phase begun and not yet ended is shaded up to the newest data.
  void setPhases(const Phases& phases, bool live = false);
  void setLogX(bool on);
  void setLogY(bool on);
  bool logX() const { return logX_; }
  bool logY() const { return logY_; }
  void setSmoothing(int window);  // points per bucket; <= 1 = off
  void setFollow(bool on);        // ranges follow the data
  bool follows() const { return follow_; }
  // Rebuilds the graphs from the data and replots.
  void refresh();
  // refresh() if data or phases changed since the last one: what the main window's replot timer
  // calls while training, so that the measures' three figures, which change once a checkpoint,
  // are not redrawn with the loss ten times a second.
  void refreshIfChanged();

  void addMenuActions(QMenu* menu) override;

 signals:
  void userRangeChanged(const QCPRange& x);

 protected:
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;

 private:
  struct Series {
    QString name;
    QColor color;
    Qt::PenStyle style = Qt::SolidLine;
    QVector<double> x, y;
    QCPGraph* line = nullptr;
    QCPGraph* low = nullptr;  // smoothing envelope
    QCPGraph* high = nullptr;
  };
  void rebuildGraph(Series& s);
  void applyScales();
  void fitTickCount();
  void updatePhaseItems();

  QVector<Series> series_;
  QCPItemStraightLine* marker_ = nullptr;
  QVector<QCPItemRect*> phaseRects_;
  QVector<QCPItemText*> phaseLabels_;
  Phases phases_;
  bool livePhases_ = false;
  bool changed_ = false;  // data or phases set since the last refresh()
  bool logX_ = false, logY_ = false, follow_ = true;
  int smoothing_ = 1;
};

}  // namespace grok
