#include "ui/plots/series_view.h"

#include <QMenu>
#include <QToolTip>
#include <algorithm>
#include <cmath>

namespace grok {

SeriesView::SeriesView(const QString& title, const QString& yLabel, bool logY, QWidget* parent)
    : Figure(title, parent) {
  xAxis->setLabel(tr("epoch"));
  yAxis->setLabel(yLabel);
  setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  axisRect()->setRangeZoom(Qt::Horizontal | Qt::Vertical);
  legend->setVisible(true);
  legend->setFont(QFont(font().family(), font().pointSize() - 1));
  placeLegendBesideTitle();
  // The epoch marker on a buffered layer of its own: a scrub step redraws that layer alone and
  // composes it over the curves, instead of a full replot of ~15000 points a series.
  addLayer("marker", layer("main"), QCustomPlot::limAbove);
  layer("marker")->setMode(QCPLayer::lmBuffered);
  // Reference series under the run's own.
  addLayer("reference", layer("main"), QCustomPlot::limBelow);
  marker_ = new QCPItemStraightLine(this);
  marker_->setLayer("marker");
  marker_->setPen(QPen(palette().color(QPalette::Highlight), 1.5, Qt::DashLine));
  marker_->setVisible(false);
  marker_->setSelectable(false);
  // Phases: memorisation / circuit formation / cleanup, shaded behind the curves.
  const QColor shades[] = {QColor(31, 119, 180, 28), QColor(44, 160, 44, 28), QColor(214, 39, 40, 28)};
  const QString names[] = {tr("memorisation"), tr("circuit formation"), tr("cleanup")};
  for (int i = 0; i < 3; i++) {
    auto* r = new QCPItemRect(this);
    r->setPen(Qt::NoPen);
    r->setBrush(shades[i]);
    r->setLayer("background");
    r->setClipToAxisRect(true);
    r->setVisible(false);
    phaseRects_ << r;
    auto* t = new QCPItemText(this);
    t->setText(names[i]);
    t->setFont(QFont(font().family(), font().pointSize() - 2));
    t->setColor(palette().color(QPalette::PlaceholderText));
    t->setPositionAlignment(Qt::AlignTop | Qt::AlignHCenter);
    t->setClipToAxisRect(true);
    t->setVisible(false);
    phaseLabels_ << t;
  }
  connect(xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this,
          [this](const QCPRange&) { updatePhaseItems(); });
  setLogY(logY);
}

void SeriesView::defineSeries(int i, const QString& name, const QColor& color, Qt::PenStyle style) {
  while (series_.size() <= i) series_.push_back({});
  Series& s = series_[i];
  s.name = name;
  s.color = color;
  s.style = style;
  if (!s.line) {
    s.low = addGraph();
    s.high = addGraph();
    s.line = addGraph();
    for (QCPGraph* g : {s.low, s.high}) g->removeFromLegend();  // envelopes stay out of the legend
  }
  s.line->setName(name);
  s.line->setPen(QPen(color, 1.6, style));
  QColor band = color;
  band.setAlpha(50);
  s.low->setPen(Qt::NoPen);
  s.high->setPen(Qt::NoPen);
  s.high->setBrush(band);
  s.high->setChannelFillGraph(s.low);
}

void SeriesView::setEmphasis(int i, const Emphasis& e) {
  Series& s = series_[i];
  s.line->setPen(QPen(s.color, e.width, s.style));
  if (!e.inLegend) s.line->removeFromLegend();
  s.right = e.rightAxis;
  for (QCPGraph* g : {s.line, s.low, s.high}) g->setValueAxis(e.rightAxis ? yAxis2 : yAxis);
  if (e.rightAxis) {
    yAxis2->setVisible(true);
    yAxis2->setLabel(s.name);
    yAxis2->setTickLabelColor(s.color), yAxis2->setLabelColor(s.color), yAxis2->setBasePen(QPen(s.color));
  }
  wrapLegend();  // entries came or went since the last resize
  changed_ = true;
}

void SeriesView::defineReference(int i, int of, const QString& name) {
  const QColor color = series_.at(of).color;
  // A solid series' copy is dashed, a dotted one's dash-dotted: apart from the run's and each other.
  const Qt::PenStyle style = series_.at(of).style == Qt::SolidLine ? Qt::DashLine : Qt::DashDotLine;
  defineSeries(i, name, color, style);
  Series& s = series_[i];
  s.reference = true;
  QColor muted = color;
  muted.setAlpha(150);
  s.line->setPen(QPen(muted, 1.3, style));
  muted.setAlpha(25);
  s.high->setBrush(muted);
  for (QCPGraph* g : {s.low, s.high, s.line}) g->setLayer("reference");
  s.line->removeFromLegend();  // setReferenceKey's one entry stands for them all
}

void SeriesView::setReferenceKey(const QString& name) {
  if (name.isEmpty()) {
    if (referenceKey_) removeGraph(referenceKey_);
    referenceKey_ = nullptr;
  } else {
    if (!referenceKey_) {
      referenceKey_ = addGraph();
      referenceKey_->setLayer("reference");
      QColor c = palette().color(QPalette::WindowText);
      c.setAlpha(150);
      referenceKey_->setPen(QPen(c, 1.3, Qt::DashLine));
      if (legend) referenceKey_->addToLegend();
    }
    referenceKey_->setName(name);
  }
  wrapLegend();
}

void SeriesView::removeSeriesFrom(int first) {
  while (series_.size() > std::max(0, first)) {
    const Series s = series_.takeLast();
    for (QCPGraph* g : {s.line, s.low, s.high})
      if (g) removeGraph(g);  // and its legend entry
  }
  changed_ = true;
}

void SeriesView::setLegendShown(bool on) {
  if (on == (legend != nullptr)) return;
  if (!on) return removeLegend();
  restoreLegend();
  legend->setFont(QFont(font().family(), font().pointSize() - 1));
  for (const Series& s : series_)
    if (!s.reference) s.line->addToLegend();
  if (referenceKey_) referenceKey_->addToLegend();
  wrapLegend();
}

void SeriesView::setData(int i, QVector<double> x, QVector<double> y) {
  series_[i].x = std::move(x);
  series_[i].y = std::move(y);
  changed_ = true;
}

void SeriesView::appendData(int i, const QVector<double>& x, const QVector<double>& y) {
  if (x.isEmpty()) return;
  series_[i].x += x;
  series_[i].y += y;
  changed_ = true;
}

void SeriesView::clearData() {
  for (Series& s : series_)
    if (!s.reference) s.x.clear(), s.y.clear();
  changed_ = true;
}

void SeriesView::setEpochMarker(int epoch) {
  marker_->setVisible(epoch >= 0);
  marker_->point1->setCoords(epoch, 0);
  marker_->point2->setCoords(epoch, 1);
  marker_->layer()->replot();  // a full replot instead while the plot has none to build on
}

void SeriesView::setPhases(const Phases& phases, bool live) {
  phases_ = phases;
  livePhases_ = live;
  updatePhaseItems();
  changed_ = true;
}

void SeriesView::updatePhaseItems() {
  // Cleanup under way (started, not yet over) is shaded up to the newest data; so is circuit
  // formation while the run trains (in a finished run that never generalised it is no phase).
  int now = -1;
  for (const Series& s : series_)
    if (!s.x.isEmpty() && !s.reference) now = std::max(now, static_cast<int>(s.x.back()));
  const int circuit = phases_.circuit_formation_end > 0 ? phases_.circuit_formation_end
                                                        : (livePhases_ && phases_.memorisation_end > 0 ? now : -1);
  const int cleanup = phases_.cleanup_end > 0 ? phases_.cleanup_end : (phases_.circuit_formation_end > 0 ? now : -1);
  const int bounds[] = {phases_.first_epoch, phases_.memorisation_end, circuit, cleanup};  // a fork's from its first
  for (int i = 0; i < 3; i++) {
    const bool on = bounds[i + 1] > 0 && bounds[i + 1] > bounds[i];
    phaseRects_[i]->setVisible(on);
    phaseLabels_[i]->setVisible(on);
    if (!on) continue;
    const double x0 = logX_ ? std::max(1, bounds[i]) : bounds[i], x1 = bounds[i + 1];
    phaseRects_[i]->topLeft->setType(QCPItemPosition::ptPlotCoords);
    phaseRects_[i]->topLeft->setTypeY(QCPItemPosition::ptAxisRectRatio);
    phaseRects_[i]->topLeft->setCoords(x0, 0);
    phaseRects_[i]->bottomRight->setType(QCPItemPosition::ptPlotCoords);
    phaseRects_[i]->bottomRight->setTypeY(QCPItemPosition::ptAxisRectRatio);
    phaseRects_[i]->bottomRight->setCoords(x1, 1);
    phaseLabels_[i]->position->setType(QCPItemPosition::ptPlotCoords);
    phaseLabels_[i]->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
    const double mid = logX_ ? std::sqrt(x0 * x1) : (x0 + x1) / 2;
    phaseLabels_[i]->position->setCoords(mid, 0.01);
    // A label only where its phase is wide enough on screen to hold it.
    const double px = std::abs(xAxis->coordToPixel(x1) - xAxis->coordToPixel(x0));
    phaseLabels_[i]->setVisible(px >
                                QFontMetrics(phaseLabels_[i]->font()).horizontalAdvance(phaseLabels_[i]->text()) + 6);
  }
}

void SeriesView::setLogX(bool on) {
  logX_ = on;
  applyScales();
}

void SeriesView::setLogY(bool on) {
  logY_ = on;
  applyScales();
}

void SeriesView::applyScales() {
  applyScale(xAxis, logX_);
  applyScale(yAxis, logY_);
  fitTicksToHeight({yAxis, yAxis2});  // applyScale may have given y a new ticker
  if (logY_)
    yAxis->setNumberFormat("eb"), yAxis->setNumberPrecision(0);
  else
    yAxis->setNumberFormat("gb"), yAxis->setNumberPrecision(3);
}

void SeriesView::setSmoothing(int window) { smoothing_ = std::max(1, window); }

void SeriesView::setFollow(bool on) { follow_ = on; }

void SeriesView::setFixedYRange(double lo, double hi) {
  fixedY_ = QCPRange(lo, std::max(lo, hi));
  if (fixedY_.size() > 0) yAxis->setRange(fixedY_);
}

void SeriesView::rebuildGraph(Series& s) {
  // Points a log axis cannot show (x <= 0 or y <= 0) and NaNs are left out.
  QVector<double> x, y;
  x.reserve(s.x.size());
  y.reserve(s.y.size());
  for (int i = 0; i < s.x.size(); i++) {
    if (std::isnan(s.y[i]) || (logX_ && s.x[i] <= 0) || (logY_ && !s.right && s.y[i] <= 0)) continue;
    x << s.x[i];
    y << s.y[i];
  }
  if (smoothing_ <= 1 || x.size() < 2 * smoothing_) {
    s.line->setData(x, y, true);
    s.low->data()->clear();
    s.high->data()->clear();
    return;
  }
  // Buckets of `smoothing_` points: the mean (geometric on a log axis) as the line, min/max as a band.
  QVector<double> bx, mean, lo, hi;
  for (int i = 0; i < x.size(); i += smoothing_) {
    const int j = std::min<int>(x.size(), i + smoothing_);
    double m = 0, a = y[i], b = y[i];
    for (int k = i; k < j; k++) {
      m += logY_ ? std::log(y[k]) : y[k];
      a = std::min(a, y[k]);
      b = std::max(b, y[k]);
    }
    m /= j - i;
    bx << (x[i] + x[j - 1]) / 2;
    mean << (logY_ ? std::exp(m) : m);
    lo << a;
    hi << b;
  }
  s.line->setData(bx, mean, true);
  s.low->setData(bx, lo, true);
  s.high->setData(bx, hi, true);
}

void SeriesView::refreshIfChanged() {
  if (changed_) refresh();
}

void SeriesView::refresh() {
  changed_ = false;
  for (Series& s : series_) rebuildGraph(s);
  if (follow_) {
    bool found = false, foundRight = false;
    QCPRange xr, yr, yr2;
    for (const Series& s : series_) {
      bool fx = false, fy = false;
      const QCPRange rx = s.line->getKeyRange(fx, logX_ ? QCP::sdPositive : QCP::sdBoth);
      const QCPRange ry = s.line->getValueRange(fy, logY_ && !s.right ? QCP::sdPositive : QCP::sdBoth);
      if (!fx || !fy) continue;
      xr = found || foundRight ? QCPRange(std::min(xr.lower, rx.lower), std::max(xr.upper, rx.upper)) : rx;
      QCPRange& r = s.right ? yr2 : yr;
      r = (s.right ? foundRight : found) ? QCPRange(std::min(r.lower, ry.lower), std::max(r.upper, ry.upper)) : ry;
      (s.right ? foundRight : found) = true;
    }
    if (foundRight) yAxis2->setRange(yr2.lower - 0.05 * yr2.size() - 1e-9, yr2.upper + 0.05 * yr2.size() + 1e-9);
    if (found || foundRight) {
      if (xr.size() <= 0) xr.upper = xr.lower + 1;
      xAxis->setRange(xr);
    }
    if (found) {
      if (logY_)
        yr = QCPRange(yr.lower / 2, yr.upper * 2);
      else
        yr = QCPRange(yr.lower - 0.05 * yr.size() - 1e-9, yr.upper + 0.05 * yr.size() + 1e-9);
      yAxis->setRange(fixedY_.size() > 0 ? fixedY_ : yr);
    }
  }
  updatePhaseItems();
  replot(QCustomPlot::rpQueuedReplot);
}

void SeriesView::addMenuActions(QMenu* menu) {
  QAction* lx = menu->addAction(tr("Log x axis"), this, [this](bool on) { setLogX(on), refresh(); });
  lx->setCheckable(true);
  lx->setChecked(logX_);
  QAction* ly = menu->addAction(tr("Log y axis"), this, [this](bool on) { setLogY(on), refresh(); });
  ly->setCheckable(true);
  ly->setChecked(logY_);
  QMenu* sm = menu->addMenu(tr("Smoothing (min/max band)"));
  for (int w : {1, 5, 20, 100}) {
    QAction* a =
        sm->addAction(w == 1 ? tr("Off") : tr("%1 points").arg(w), this, [this, w] { setSmoothing(w), refresh(); });
    a->setCheckable(true);
    a->setChecked(smoothing_ == w);
  }
  menu->addAction(tr("Fit to data (double-click)"), this, [this] { setFollow(true), refresh(); });
}

void SeriesView::mousePressEvent(QMouseEvent* event) {
  if (event->button() == Qt::LeftButton) follow_ = false;  // a drag pans: stop following
  Figure::mousePressEvent(event);
}

void SeriesView::wheelEvent(QWheelEvent* event) {
  follow_ = false;
  Figure::wheelEvent(event);
  emit userRangeChanged(xAxis->range());
}

void SeriesView::mouseDoubleClickEvent(QMouseEvent* event) {
  setFollow(true);
  refresh();
  emit userRangeChanged(xAxis->range());
  Figure::mouseDoubleClickEvent(event);
}

void SeriesView::mouseMoveEvent(QMouseEvent* event) {
  Figure::mouseMoveEvent(event);
  if (event->buttons() & Qt::LeftButton) {
    emit userRangeChanged(xAxis->range());
    return;
  }
  if (!axisRect()->rect().contains(event->pos())) return QToolTip::hideText();
  // Exact values of every series at the nearest logged epoch.
  const double ex = xAxis->pixelToCoord(event->pos().x());
  QString text;
  for (const Series& s : series_) {
    if (s.x.isEmpty()) continue;
    const auto it = std::lower_bound(s.x.begin(), s.x.end(), ex);
    int i = static_cast<int>(it - s.x.begin());
    if (i == s.x.size() || (i > 0 && ex - s.x[i - 1] < s.x[i] - ex)) i--;
    if (text.isEmpty()) text = tr("epoch %1").arg(s.x[i]);
    text += QStringLiteral("\n%1: %2 (epoch %3)").arg(s.name).arg(s.y[i], 0, 'g', 5).arg(s.x[i]);
  }
  if (!text.isEmpty()) QToolTip::showText(event->globalPosition().toPoint(), text, this);
}

}  // namespace grok
