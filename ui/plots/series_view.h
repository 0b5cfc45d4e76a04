// A time-series figure over epochs: named series, log or linear x and y, a marker at the
// scrubber's epoch, the detected phases shaded and labelled, exact values on hover, and optional
// smoothing that keeps each bucket's min/max as a band so spikes stay visible.
//
// Ranges follow the data until the user zooms or pans (wheel, drag); a double-click returns to
// following. The main window links the x ranges of all series views.
//
// A reference series (defineReference) is another run's copy of a series: the same colour, muted
// and dashed, drawn under every other series, with the same axes and smoothing. It keeps its data
// when the view's own data is cleared, and removeSeriesFrom() takes it away again.
//
//   v.defineSeries(1, "test", seriesColor(1));
//   v.defineReference(3, 1, "test (ref: base.grok)");  // series 3 draws like series 1, muted
//   v.setReferenceKey("ref: base.grok");               // one legend entry for all of them
//   v.setData(3, epochs, losses);
//   v.removeSeriesFrom(2), v.setReferenceKey("");      // back to series 0 and 1 alone
//
// Threading: GUI thread only.
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
  // How series i stands out among many (after defineSeries): its line width, a legend entry or
  // only the hover's, and a linear right axis of its own, ranged to it alone and in its colour, for
  // a series whose changes the left axis would flatten (W_U's norm among all the norms).
  struct Emphasis {
    double width = 1.6;
    bool inLegend = true;
    bool rightAxis = false;
  };
  void setEmphasis(int i, const Emphasis& e);
  // Series i (created on first use) as another run's copy of series `of`: its colour muted and
  // dashed, under the other series, outside the extent of a live phase. `name` is what the hover
  // shows; the legend has one entry for every reference series, setReferenceKey's.
  void defineReference(int i, int of, const QString& name);
  // The legend's entry for the reference series, a neutral dashed line; "" takes it away.
  void setReferenceKey(const QString& name);
  // Takes series `first` onwards away, with their graphs and legend entries.
  void removeSeriesFrom(int first);
  // A legend (beside the title) even for a view that removed its own, e.g. while a reference is drawn.
  void setLegendShown(bool on);
  void setData(int i, QVector<double> x, QVector<double> y);
  void appendData(int i, const QVector<double>& x, const QVector<double>& y);
  void clearData();  // every series but the reference ones
  int seriesCount() const { return series_.size(); }
  int pointCount(int i) const { return series_.value(i).x.size(); }
  QString seriesName(int i) const { return series_.value(i).name; }
  bool isReference(int i) const { return series_.value(i).reference; }
  QVector<double> seriesX(int i) const { return series_.value(i).x; }
  QVector<double> seriesY(int i) const { return series_.value(i).y; }

  void setEpochMarker(int epoch);  // < 0 hides it; redraws the marker's layer only
  // `live`: the run is training, so a phase begun and not yet ended is shaded up to the newest data.
  void setPhases(const Phases& phases, bool live = false);
  void setLogX(bool on);
  void setLogY(bool on);
  bool logX() const { return logX_; }
  bool logY() const { return logY_; }
  void setSmoothing(int window);  // points per bucket; <= 1 = off
  void setFollow(bool on);        // ranges follow the data
  // A y range that following the data leaves alone (a share's 0..1); lo >= hi follows again.
  void setFixedYRange(double lo, double hi);
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

 private:
  struct Series {
    QString name;
    QColor color;
    Qt::PenStyle style = Qt::SolidLine;
    bool reference = false;  // another run's copy (defineReference)
    bool right = false;      // on yAxis2 (setEmphasis)
    QVector<double> x, y;
    QCPGraph* line = nullptr;
    QCPGraph* low = nullptr;  // smoothing envelope
    QCPGraph* high = nullptr;
  };
  void rebuildGraph(Series& s);
  void applyScales();
  void updatePhaseItems();

  QVector<Series> series_;
  QCPItemStraightLine* marker_ = nullptr;
  QCPGraph* referenceKey_ = nullptr;  // no data: a legend entry
  QVector<QCPItemRect*> phaseRects_;
  QVector<QCPItemText*> phaseLabels_;
  Phases phases_;
  bool livePhases_ = false;
  bool changed_ = false;  // data or phases set since the last refresh()
  bool logX_ = false, logY_ = false, follow_ = true;
  QCPRange fixedY_{0, 0};  // empty: y follows the data
  int smoothing_ = 1;
};

}  // namespace grok
