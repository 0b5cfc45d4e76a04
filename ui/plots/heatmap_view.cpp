#include "ui/plots/heatmap_view.h"

#include <QFontMetrics>

#include <algorithm>
#include <cmath>

namespace grok {

QCPColorGradient viridis() {
  QCPColorGradient g;
  g.setColorStops({{0.0, QColor(68, 1, 84)},
                   {0.25, QColor(59, 82, 139)},
                   {0.5, QColor(33, 145, 140)},
                   {0.75, QColor(94, 201, 98)},
                   {1.0, QColor(253, 231, 37)}});
  return g;
}

HeatmapView::HeatmapView(const QString& title, const QString& xLabel, const QString& yLabel, QWidget* parent)
    : Figure(title, parent), xLabel_(xLabel), yLabel_(yLabel) {
  plotLayout()->remove(plotLayout()->element(1, 0));  // the default axis rect
  plotLayout()->simplify();
  grid_ = new QCPLayoutGrid;
  grid_->setAutoMargins(QCP::msNone);  // updateLayout sets them
  auto* body = new QCPLayoutGrid;      // the grid, and under it the line that labels a grid's axes
  plotLayout()->addElement(1, 0, body);
  body->addElement(0, 0, grid_);
  footer_ = new QCPTextElement(this, QString(), QFont(font().family(), font().pointSize() - 1));
  footer_->setTextColor(palette().color(QPalette::WindowText));
  footer_->setTextFlags(Qt::AlignCenter);
  body->addElement(1, 0, footer_);
  body->setRowStretchFactor(1, 0.01);
  body->setRowSpacing(0);
  scale_ = new QCPColorScale(this);
  scale_->setType(QCPAxis::atRight);
  plotLayout()->addElement(1, 1, scale_);
  scale_->setGradient(viridis());
  styleAxisRect(scale_->axis()->axisRect());
  scale_->setVisible(false);  // no maps yet: an empty colour bar reads as a broken glyph
}

bool HeatmapView::hasData() const {
  for (const QCPColorMap* m : maps_)
    if (m->data()->keySize() > 0 && m->data()->valueSize() > 0) return true;
  return false;
}

void HeatmapView::ensureGrid(int n) {
  if (rects_.size() == n) return;
  // A different number of maps: rebuild the grid (removing an axis rect removes its colour map).
  for (int i = grid_->elementCount() - 1; i >= 0; i--)
    if (grid_->elementAt(i)) grid_->removeAt(i);
  grid_->simplify();
  rects_.clear();
  maps_.clear();
  captions_.clear();
  captionText_.clear();
  const int gc = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(n))));
  for (int i = 0; i < n; i++) {
    auto* cell = new QCPLayoutGrid;
    grid_->addElement(i / gc, i % gc, cell);
    auto* caption = new QCPTextElement(this, QString(), QFont(font().family(), font().pointSize() - 1));
    caption->setTextColor(palette().color(QPalette::WindowText));
    // No minimum width from the text: a long caption ("#199 standard x sign 97%") would widen its
    // column and narrow the others' maps. It is elided to its cell instead (updateLayout).
    caption->setMinimumSize(1, 0);
    auto* rect = new QCPAxisRect(this);
    rect->setupFullAxesBox(true);
    rect->setMinimumSize(60, 60);
    cell->addElement(0, 0, caption);
    cell->addElement(1, 0, rect);
    cell->setRowStretchFactor(0, 0.01);
    styleAxisRect(rect);
    auto* map = new QCPColorMap(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
    map->setColorScale(scale_);
    map->setInterpolate(false);
    // In a grid, no tick labels: room for the maps.
    if (n > 1)
      for (QCPAxis* ax : rect->axes()) ax->setTickLabels(false), ax->setTicks(false);
    rects_ << rect;
    maps_ << map;
    captions_ << caption;
    captionText_ << QString();
  }
  labelAxes();
}

void HeatmapView::labelAxes() {
  const int n = static_cast<int>(rects_.size());
  for (QCPAxisRect* r : rects_) {
    r->axis(QCPAxis::atBottom)->setLabel(n == 1 ? xLabel_ : QString());
    r->axis(QCPAxis::atLeft)->setLabel(n == 1 ? yLabel_ : QString());
  }
  const bool grid = n > 1 && !(xLabel_.isEmpty() && yLabel_.isEmpty());
  footer_->setText(grid ? tr("rows: %1\ncolumns: %2").arg(yLabel_, xLabel_) : QString());
  // Without text the line takes no height.
  footer_->setMaximumSize(QWIDGETSIZE_MAX, grid ? QWIDGETSIZE_MAX : 0);
}

QString HeatmapView::footer() const { return footer_->text(); }

void HeatmapView::setAxisLabels(const QString& xLabel, const QString& yLabel) {
  if (xLabel == xLabel_ && yLabel == yLabel_) return;
  xLabel_ = xLabel, yLabel_ = yLabel;
  labelAxes();
  replot(QCustomPlot::rpQueuedReplot);
}

void HeatmapView::updateLayout() {
  grid_->setMargins(QMargins());
  for (QCPAxisRect* r : rects_) r->setAutoMargins(QCP::msAll);
  Figure::updateLayout();
  if (rects_.isEmpty()) return;
  // Only the outer cells carry axis labels, so their automatic margins are wider: give every cell
  // the widest, and every map the same size.
  QMargins m;
  for (const QCPAxisRect* r : rects_) {
    const QMargins q = r->margins();
    m = QMargins(std::max(m.left(), q.left()), std::max(m.top(), q.top()), std::max(m.right(), q.right()),
                 std::max(m.bottom(), q.bottom()));
  }
  for (QCPAxisRect* r : rects_) r->setAutoMargins(QCP::msNone), r->setMargins(m);
  Figure::updateLayout();
  const QRect r = rects_.front()->rect();  // every cell has the same size now
  if (r.width() <= 0 || r.height() <= 0) return;
  const int cols = grid_->columnCount(), rows = grid_->rowCount();
  const double w = r.width(), h = r.height(), want = h * cellAspect_;
  if (w > want) {
    const int spare = static_cast<int>((w - want) * cols);
    grid_->setMargins(QMargins(spare / 2, 0, spare - spare / 2, 0));
  } else {
    const int spare = static_cast<int>((h - w / cellAspect_) * rows);
    grid_->setMargins(QMargins(0, spare / 2, 0, spare - spare / 2));
  }
  Figure::updateLayout();
  // Each caption elided to its cell's width (a little beyond its map's: the cell's margins).
  for (int i = 0; i < captions_.size(); i++) {
    const QFontMetrics fm(captions_[i]->font());
    captions_[i]->setText(fm.elidedText(captionText_[i], Qt::ElideRight, captions_[i]->outerRect().width()));
  }
}

void HeatmapView::clear() {
  for (QCPColorMap* m : maps_) m->data()->clear();
  for (QCPTextElement* c : captions_) c->setText(QString());
  for (QString& t : captionText_) t.clear();
  scale_->setVisible(false);
  replot(QCustomPlot::rpQueuedReplot);
}

void HeatmapView::setMaps(const std::vector<std::vector<float>>& maps, int rows, int cols, const QStringList& captions,
                          const QString& scaleLabel, bool symmetric) {
  const int n = static_cast<int>(maps.size());
  ensureGrid(n);
  scale_->setVisible(n > 0);
  cellAspect_ = rows > 0 && cols > 0 ? static_cast<double>(cols) / rows : 1.0;
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& m : maps)
    for (float v : m) lo = std::min<double>(lo, v), hi = std::max<double>(hi, v);
  if (symmetric) hi = std::max(std::abs(lo), std::abs(hi)), lo = -hi;
  if (!(hi > lo)) hi = lo + 1;
  if (fixed_) lo = fixed_->second.lower, hi = fixed_->second.upper;
  for (int i = 0; i < n; i++) {
    QCPColorMapData* d = maps_[i]->data();
    d->setSize(cols, rows);
    d->setRange(QCPRange(0, cols - 1), QCPRange(0, rows - 1));
    for (int y = 0; y < rows; y++)
      for (int x = 0; x < cols; x++) d->setCell(x, y, maps[i][static_cast<std::size_t>(y) * cols + x]);
    maps_[i]->setDataRange(QCPRange(lo, hi));
    rects_[i]->axis(QCPAxis::atBottom)->setRange(-0.5, cols - 0.5);
    rects_[i]->axis(QCPAxis::atLeft)->setRange(-0.5, rows - 0.5);
    captionText_[i] = i < captions.size() ? captions[i] : QString();
    captions_[i]->setText(captionText_[i]);
  }
  scale_->setGradient(fixed_ ? fixed_->first : symmetric ? QCPColorGradient(QCPColorGradient::gpPolar) : viridis());
  scale_->setDataRange(QCPRange(lo, hi));
  scale_->axis()->setLabel(scaleLabel);
  replot(QCustomPlot::rpQueuedReplot);
}

void HeatmapView::setFixedScale(const QCPColorGradient& gradient, QCPRange range) {
  fixed_.emplace(gradient, range);
  fixed_->first.setNanHandling(QCPColorGradient::nhTransparent);
}

double HeatmapView::valueAt(int i, int x, int y) const { return maps_.at(i)->data()->cell(x, y); }

QSize HeatmapView::mapSize(int i) const {
  const QCPColorMapData* d = maps_.at(i)->data();
  return QSize(d->keySize(), d->valueSize());
}

QString HeatmapView::caption(int i) const { return captionText_.at(i); }

}  // namespace grok
