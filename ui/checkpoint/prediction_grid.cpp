#include "ui/checkpoint/prediction_grid.h"

#include <QMenu>
#include <QPaintEngine>
#include <algorithm>
#include <cmath>

#include "ui/checkpoint/axis_order.h"

namespace grok {

namespace {

// Red (wrong) to blue (right) through pale shades at 0, with a step at 0: the hue says right or
// wrong, the depth the margin (RdBu, readable by colour-blind readers).
QCPColorGradient rightWrong() {
  QCPColorGradient g;
  g.setColorStops({{0.0, QColor(103, 0, 31)},
                   {0.25, QColor(214, 96, 77)},
                   {0.4999, QColor(253, 219, 199)},
                   {0.5, QColor(209, 229, 240)},
                   {0.75, QColor(67, 147, 195)},
                   {1.0, QColor(5, 48, 97)}});
  g.setLevelCount(350);
  return g;
}

QString percent(int right, int of) { return of > 0 ? QString::number(100.0 * right / of, 'f', 1) + " %" : "-"; }

// A graph of marks that stay put while the user scrubs (the training pairs: thousands of them, 7 200
// on S5): drawn once into an image and blitted at every later replot, where drawing each antialiased
// disc again cost ~5 ms of the GUI thread a scrub step. Vector output (SVG, PDF) and scaled
// painters (a PNG at print scale) draw the marks themselves, as QCPGraph does.
class CachedMarks : public QCPGraph {
 public:
  using QCPGraph::QCPGraph;

 protected:
  void drawScatterPlot(QCPPainter* painter, const QVector<QPointF>& scatters,
                       const QCPScatterStyle& style) const override {
    if (scatters.isEmpty() || painter->paintEngine()->type() != QPaintEngine::Raster ||
        painter->transform().type() > QTransform::TxTranslate)
      return QCPGraph::drawScatterPlot(painter, scatters, style);
    const qreal dpr = painter->device()->devicePixelRatioF();
    // What the image depends on: the marks' positions, their style, the resolution and the
    // translation's subpixel phase (the antialiasing).
    quint64 key = 1469598103934665603ull;
    auto mix = [&key](quint64 x) { key = (key ^ x) * 1099511628211ull; };
    for (const QPointF& pt : scatters) mix(qHash(pt.x())), mix(qHash(pt.y()));
    mix(qHash(style.size())), mix(style.shape()), mix(style.pen().color().rgba()), mix(style.brush().color().rgba());
    mix(qHash(dpr)), mix(painter->testRenderHint(QPainter::Antialiasing));
    mix(qHash(painter->transform().dx() - std::floor(painter->transform().dx())));
    mix(qHash(painter->transform().dy() - std::floor(painter->transform().dy())));
    if (key != key_ || image_.isNull()) {
      double x0 = scatters[0].x(), x1 = x0, y0 = scatters[0].y(), y1 = y0;  // (QRectF's union skips points)
      for (const QPointF& pt : scatters)
        x0 = std::min(x0, pt.x()), x1 = std::max(x1, pt.x()), y0 = std::min(y0, pt.y()), y1 = std::max(y1, pt.y());
      const double margin = style.size() + 2;
      const QRect area =
          QRectF(QPointF(x0, y0), QPointF(x1, y1)).adjusted(-margin, -margin, margin, margin).toAlignedRect();
      image_ = QImage(area.size() * dpr, QImage::Format_ARGB32_Premultiplied);
      image_.setDevicePixelRatio(dpr);
      image_.fill(Qt::transparent);
      QCPPainter p(&image_);
      p.setRenderHint(QPainter::Antialiasing, painter->testRenderHint(QPainter::Antialiasing));
      p.translate(-area.topLeft());
      style.applyTo(&p, pen());
      for (const QPointF& pt : scatters) style.drawShape(&p, pt);
      p.end();
      origin_ = area.topLeft();
      key_ = key;
    }
    painter->drawImage(origin_, image_);
  }

 private:
  mutable QImage image_;
  mutable QPoint origin_;
  mutable quint64 key_ = 0;
};

}  // namespace

QString predictionSummary(const PairPredictions& p) {
  QString s =
      QObject::tr("right: train %1, test %2").arg(percent(p.train_right, p.train), percent(p.test_right, p.test));
  if (p.corrupted > 0) s += QObject::tr(", noisy %1").arg(percent(p.corrupted_right, p.corrupted));
  return s;
}

PredictionGrid::PredictionGrid(QWidget* parent)
    : HeatmapView(QObject::tr("Every pair: right or wrong"), "b", "a", parent) {
  setObjectName("prediction-grid");
  setFixedScale(rightWrong(), QCPRange(-kMarginScale, kMarginScale));
  setEmptyText(
      tr("Every pair (a, b) at the scrubbed checkpoint: blue where the model answers right, red where "
         "wrong; dots mark the training pairs. Train a run or open one to see the test pairs turn blue."));
}

void PredictionGrid::clear() {
  shown_.reset();
  epoch_ = -1;
  if (train_) train_->data()->clear(), corrupted_->data()->clear();
  HeatmapView::clear();
}

void PredictionGrid::setMarksTrainingPairs(bool on) {
  markTrain_ = on;
  if (train_) train_->setVisible(on), corrupted_->setVisible(on), replot(QCustomPlot::rpQueuedReplot);
}

void PredictionGrid::addMenuActions(QMenu* menu) {
  QAction* a = menu->addAction(tr("Mark the training pairs"), this, [this](bool on) { setMarksTrainingPairs(on); });
  a->setCheckable(true);
  a->setChecked(markTrain_);
  menu->addSeparator();
}

void PredictionGrid::setPredictions(int epoch, std::shared_ptr<const PairPredictions> predictions,
                                    const OperationGroup& group) {
  shown_ = std::move(predictions);
  group_ = group;
  epoch_ = epoch;
  draw();
}

void PredictionGrid::draw() {
  if (!shown_) return;
  const PairPredictions& pr = *shown_;
  const int p = pr.p;
  AxisTokens t;
  if (group_.n > 0) {
    const AxisOrder order = savedAxisOrder(group_);
    t = axisTokens(group_, order);
    setAxisLabels(axisLabel(group_, order, 'b'), axisLabel(group_, order, 'a'));
  } else {
    for (int i = 0; i < p; i++) t.rows.push_back(i), t.cols.push_back(i);
    setAxisLabels("b", "a");
  }
  const std::vector<float> map =
      gatherMap(t, [&](int a, int b) { return pr.margin[static_cast<std::size_t>(a) * p + b]; });
  setMaps({map}, p, p, {tr("epoch %1\n%2").arg(epoch_).arg(predictionSummary(pr))}, tr("true answer's margin"));
  if (!train_) {
    QCPAxisRect* r = mapRect(0);
    train_ = new CachedMarks(r->axis(QCPAxis::atBottom), r->axis(QCPAxis::atLeft));
    corrupted_ = new CachedMarks(r->axis(QCPAxis::atBottom), r->axis(QCPAxis::atLeft));
    for (QCPGraph* g : {train_, corrupted_}) g->setLineStyle(QCPGraph::lsNone), g->removeFromLegend();
    train_->setName(tr("training pair"));
    corrupted_->setName(tr("training pair, noisy label"));
  }
  // Small enough not to hide the colour of a cell at p = 113 in a dock (~3 px a cell).
  const double size = std::clamp(300.0 / p, 1.5, 5.0);
  train_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, QColor(255, 255, 255, 190), size));
  corrupted_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCross, QColor(255, 210, 0), 2 * size));
  QVector<double> tx, ty, cx, cy;
  for (int y = 0; y < p; y++)
    for (int x = 0; x < p; x++) {
      const PairKind k = pr.kind[static_cast<std::size_t>(t.rows[y]) * p + t.cols[x]];
      if (k == PairKind::Train) tx << x, ty << y;
      if (k == PairKind::Corrupted) cx << x, cy << y;
    }
  train_->setData(tx, ty);  // sorted by key (x) here: a graph draws only the keys in view
  corrupted_->setData(cx, cy);
  setMarksTrainingPairs(markTrain_);
  replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace grok
