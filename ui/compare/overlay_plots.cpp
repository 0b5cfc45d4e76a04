#include "ui/compare/overlay_plots.h"

#include <QMenu>
#include <QSplitter>
#include <QToolTip>
#include <QVBoxLayout>
#include <cmath>

namespace grok {

OverlayFigure::OverlayFigure(const CompareSeriesInfo& info, QWidget* parent)
    : Figure(tr(info.title), parent), info_(info) {
  setObjectName(QString("compare-") + info.name);
  xAxis->setLabel(tr("epoch"));
  yAxis->setLabel(tr(info.yLabel));
  setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  axisRect()->setRangeZoom(Qt::Horizontal | Qt::Vertical);
  legend->setVisible(true);
  legend->setFont(QFont(font().family(), font().pointSize() - 1));
  placeLegendBesideTitle();
  setLogY(info.logY);
}

void OverlayFigure::setRuns(const QVector<CompareRun>& runs, const QSet<int>& rows, const ColourScale& scale) {
  entries_.clear();
  for (const CompareRun& r : runs)
    if (rows.contains(r.row) && r.hasData && !r.curve(info_.id).x.isEmpty())
      entries_[r.row] = {r.describe(), scale.colour(r), r.curve(info_.id)};
  // The legend: the colours' values (at most 8 of them, evenly picked, ends included).
  legendEntries_.clear();
  const int n = scale.values.size();
  for (int k = 0, shown = std::min(n, 8); k < shown; k++) {
    const int i = shown == 1 ? 0 : static_cast<int>(std::lround(double(k) * (n - 1) / (shown - 1)));
    const QString name = scale.field == kRunField ? scale.values[i] : scale.field + "=" + scale.values[i];
    legendEntries_ << qMakePair(name, scale.colour(scale.values[i]));
  }
}

int OverlayFigure::pointCount(int row) const {
  const QCPGraph* g = curves_.value(row, nullptr);
  return g ? g->dataCount() : -1;
}

void OverlayFigure::setLogX(bool on) {
  logX_ = on;
  applyScale(xAxis, on);
}

void OverlayFigure::setLogY(bool on) {
  logY_ = on;
  applyScale(yAxis, on);
  if (on)
    yAxis->setNumberFormat("eb"), yAxis->setNumberPrecision(0);
  else
    yAxis->setNumberFormat("gb"), yAxis->setNumberPrecision(3);
}

void OverlayFigure::rebuild() {
  clearGraphs();
  curves_.clear();
  for (const auto& [name, colour] : legendEntries_) {
    QCPGraph* g = addGraph();  // no data: a legend entry only
    g->setName(name);
    g->setPen(QPen(colour, 2.5));
  }
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    const Curve& c = it->data;
    // Points a log axis cannot show (x <= 0 or y <= 0) and NaNs are left out.
    QVector<double> x, y;
    x.reserve(c.x.size());
    y.reserve(c.y.size());
    for (int i = 0; i < c.x.size(); i++) {
      if (std::isnan(c.y[i]) || (logX_ && c.x[i] <= 0) || (logY_ && c.y[i] <= 0)) continue;
      x << c.x[i];
      y << c.y[i];
    }
    QCPGraph* g = addGraph();
    g->setName(it->name);
    g->removeFromLegend();
    QColor colour = it->colour;
    colour.setAlpha(210);
    g->setPen(QPen(colour, 1.4));
    g->setData(x, y, true);
    curves_[it.key()] = g;
  }
  if (follow_) fitRanges();
  setTitle(title());  // wraps the new legend entries beside the title
  replot(QCustomPlot::rpQueuedReplot);
}

void OverlayFigure::fitRanges() {
  bool found = false;
  QCPRange xr, yr;
  for (QCPGraph* g : curves_) {
    bool fx = false, fy = false;
    const QCPRange rx = g->getKeyRange(fx, logX_ ? QCP::sdPositive : QCP::sdBoth);
    const QCPRange ry = g->getValueRange(fy, logY_ ? QCP::sdPositive : QCP::sdBoth);
    if (!fx || !fy) continue;
    xr = found ? QCPRange(std::min(xr.lower, rx.lower), std::max(xr.upper, rx.upper)) : rx;
    yr = found ? QCPRange(std::min(yr.lower, ry.lower), std::max(yr.upper, ry.upper)) : ry;
    found = true;
  }
  if (!found) return;
  if (xr.size() <= 0) xr.upper = xr.lower + 1;
  xAxis->setRange(xr);
  yAxis->setRange(logY_ ? QCPRange(yr.lower / 1.5, yr.upper * 1.5)
                        : QCPRange(yr.lower - 0.05 * yr.size() - 1e-9, yr.upper + 0.05 * yr.size() + 1e-9));
}

QString OverlayFigure::hoverText(const QPointF& pos) const {
  // The run whose curve passes nearest the pointer (within 30 pixels), at its nearest point.
  const double key = xAxis->pixelToCoord(pos.x());
  double best = 30;
  QString text;
  for (auto it = curves_.begin(); it != curves_.end(); ++it) {
    const QSharedPointer<QCPGraphDataContainer> d = it.value()->data();
    if (d->isEmpty()) continue;
    auto at = d->findBegin(key, false);
    for (auto j : {at, at == d->constBegin() ? at : at - 1}) {
      if (j == d->constEnd()) continue;
      const double dist = std::hypot(xAxis->coordToPixel(j->key) - pos.x(), yAxis->coordToPixel(j->value) - pos.y());
      if (dist >= best) continue;
      best = dist;
      text = tr("%1\n%2 %3 at epoch %4").arg(entries_[it.key()].name, title()).arg(j->value, 0, 'g', 5).arg(j->key);
    }
  }
  return text;
}

void OverlayFigure::mouseMoveEvent(QMouseEvent* event) {
  Figure::mouseMoveEvent(event);
  if (event->buttons() & Qt::LeftButton) return emit userRangeChanged(xAxis->range());
  const QString text = axisRect()->rect().contains(event->pos()) ? hoverText(event->position()) : QString();
  if (text.isEmpty()) return QToolTip::hideText();
  QToolTip::showText(event->globalPosition().toPoint(), text, this);
}

void OverlayFigure::mousePressEvent(QMouseEvent* event) {
  if (event->button() == Qt::LeftButton) follow_ = false;  // a drag pans: stop following
  Figure::mousePressEvent(event);
}

void OverlayFigure::wheelEvent(QWheelEvent* event) {
  follow_ = false;
  Figure::wheelEvent(event);
  emit userRangeChanged(xAxis->range());
}

void OverlayFigure::mouseDoubleClickEvent(QMouseEvent* event) {
  follow_ = true;
  rebuild();
  emit userRangeChanged(xAxis->range());
  Figure::mouseDoubleClickEvent(event);
}

void OverlayFigure::addMenuActions(QMenu* menu) {
  QAction* lx = menu->addAction(tr("Log x axis (every overlay)"), this, [this](bool on) { emit logXRequested(on); });
  lx->setCheckable(true);
  lx->setChecked(logX_);
  QAction* ly = menu->addAction(tr("Log y axis"), this, [this](bool on) { setLogY(on), rebuild(); });
  ly->setCheckable(true);
  ly->setChecked(logY_);
  menu->addAction(tr("Fit to data (double-click)"), this, [this] { follow_ = true, rebuild(); });
}

OverlayPlots::OverlayPlots(QWidget* parent) : QWidget(parent) {
  split_ = new QSplitter(Qt::Vertical, this);
  split_->setChildrenCollapsible(false);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(split_);
  for (const CompareSeriesInfo& info : compareSeries()) {
    auto* f = new OverlayFigure(info);
    f->setVisible(false);
    split_->addWidget(f);
    figures_ << f;
    connect(f, &OverlayFigure::logXRequested, this, &OverlayPlots::setLogX);
    // Linked on the epoch axis: a zoom or pan in one moves every overlay.
    connect(f, &OverlayFigure::userRangeChanged, this, [this, f](const QCPRange& r) {
      for (OverlayFigure* o : figures_)
        if (o != f) o->setFollow(f->follows()), o->xAxis->setRange(r), o->replot(QCustomPlot::rpQueuedReplot);
    });
  }
  setShown({CompareSeries::TestLoss, CompareSeries::TestAccuracy});
}

void OverlayPlots::setShown(const QList<CompareSeries>& shown) {
  shown_ = shown;
  for (OverlayFigure* f : figures_) {
    const bool on = shown.contains(f->series());
    if (on && f->isHidden()) f->rebuild();
    f->setVisible(on);
  }
}

void OverlayPlots::setRuns(const QVector<CompareRun>& runs, const QSet<int>& rows, const ColourScale& scale) {
  for (OverlayFigure* f : figures_) {
    f->setRuns(runs, rows, scale);
    if (!f->isHidden()) f->rebuild();  // hidden ones when shown
  }
}

void OverlayPlots::setLogX(bool on) {
  if (on == logX_) return;
  logX_ = on;
  for (OverlayFigure* f : figures_) f->setLogX(on), f->rebuild();
  emit logXChanged(on);
}

void OverlayPlots::fitAll() {
  for (OverlayFigure* f : figures_) f->setFollow(true), f->rebuild();
}

}  // namespace grok
