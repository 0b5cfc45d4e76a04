#include "ui/compare/grok_plot.h"

#include <QMenu>
#include <QToolTip>
#include <algorithm>

namespace grok {

namespace {

QString groupOf(const CompareRun& r, const QString& field) {
  QStringList parts;
  for (const auto& [name, text] : r.varied) {
    const QString n = QString::fromStdString(name);
    if (n != field && n != "seed") parts << n + "=" + QString::fromStdString(text);
  }
  return parts.join(' ');
}

double median(QVector<double> v) {
  std::sort(v.begin(), v.end());
  const int n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

QVector<GrokPoint> grokPoints(const QVector<CompareRun>& runs, const QString& field) {
  const QStringList values = sortedValues(runs, field);
  QVector<double> numbers;
  const bool numeric = numericValues(values, &numbers);
  QStringList groups;
  for (const CompareRun& r : runs)
    if (r.hasData && !groups.contains(groupOf(r, field))) groups << groupOf(r, field);
  QVector<GrokPoint> out;
  for (const QString& g : groups)
    for (int v = 0; v < values.size(); v++) {
      GrokPoint p;
      p.group = g;
      p.value = values[v];
      p.x = numeric ? numbers[v] : v;
      QVector<double> epochs;
      for (const CompareRun& r : runs) {
        if (!r.hasData || r.value(field) != values[v] || groupOf(r, field) != g) continue;
        p.runs++;
        p.rows << r.row;
        p.budget = std::max(p.budget, r.summary.last_epoch);
        if (r.summary.grok_epoch >= 0)
          p.grokked++, epochs << r.summary.grok_epoch;
        else if (r.state != RunState::Complete && r.state != RunState::Failed)
          p.pending++;
      }
      if (p.runs == 0) continue;
      if (!epochs.isEmpty()) {
        p.median = median(epochs);
        p.min = *std::min_element(epochs.begin(), epochs.end());
        p.max = *std::max_element(epochs.begin(), epochs.end());
      }
      out << p;
    }
  return out;
}

GrokPlot::GrokPlot(QWidget* parent) : Figure(tr("Epochs to grok"), parent) {
  setObjectName("compare-epochs-to-grok");
  yAxis->setLabel(tr("epochs to 99 % test accuracy"));
  setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  legend->setVisible(true);
  legend->setFont(QFont(font().family(), font().pointSize() - 1));
  placeLegendBesideTitle();
}

void GrokPlot::setRuns(const QString& field, const QVector<CompareRun>& runs, const ColourScale& scale) {
  field_ = field;
  points_ = grokPoints(runs, field);
  QStringList groups;
  for (const GrokPoint& p : points_)
    if (!groups.contains(p.group)) groups << p.group;
  // A group's colour: the colour-by field's colour when that field is one the groups differ in.
  colours_.clear();
  groupIndex_.clear();
  groupCount_ = groups.size();
  QVector<double> xs;
  for (const GrokPoint& p : points_)
    if (!xs.contains(p.x)) xs << p.x;
  std::sort(xs.begin(), xs.end());
  logX_ = logSpaced(xs);
  for (const GrokPoint& p : points_) {
    const int g = static_cast<int>(groups.indexOf(p.group));
    QColor c = seriesColor(g);
    const QString key = scale.field + "=";
    for (const QString& part : p.group.split(' '))
      if (part.startsWith(key)) c = scale.colour(part.mid(key.size()));
    colours_ << c;
    groupIndex_ << g;
  }
  rebuild();
}

void GrokPlot::rebuild() {
  clearPlottables();
  double lowest = INFINITY, highest = -INFINITY;
  for (const GrokPoint& p : points_) lowest = std::min(lowest, p.x), highest = std::max(highest, p.x);
  if (lowest <= 0) logX_ = false;
  // Each group a little beside the others, so that their error bars do not hide each other.
  drawnX_.clear();
  const double span = highest > lowest ? highest - lowest : 1;
  for (int i = 0; i < points_.size(); i++) {
    const double offset = groupCount_ > 1 ? (groupIndex_[i] - (groupCount_ - 1) / 2.0) / groupCount_ : 0;
    drawnX_ << (logX_ ? points_[i].x * std::pow(1.12, offset) : points_[i].x + 0.04 * span * offset);
  }
  xAxis->setLabel(field_);
  xAxis->setScaleType(logX_ ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
  // Ticks at the values themselves: a grid's few values, read exactly.
  QSharedPointer<QCPAxisTickerText> ticks(new QCPAxisTickerText);
  for (const GrokPoint& p : points_) ticks->addTick(p.x, p.value);
  xAxis->setTicker(ticks);
  applyScale(yAxis, logY_);
  double top = 0, low = INFINITY;
  int budget = 0;
  for (const GrokPoint& p : points_) {
    if (p.grokked) top = std::max(top, p.max), low = std::min(low, p.min);
    budget = std::max(budget, p.budget);
  }
  if (top <= 0) top = std::max(1, budget);
  if (!std::isfinite(low)) low = top / 10;
  neverY_ = logY_ ? top * 1.6 : top * 1.1;
  QStringList groups;
  bool anyNever = false, anyPartial = false;
  for (int i = 0; i < points_.size(); i++)
    if (!groups.contains(points_[i].group)) groups << points_[i].group;
  for (const QString& g : groups) {
    QVector<double> x, y, lo, hi, nx, ny, px, py;
    QColor colour;
    for (int i = 0; i < points_.size(); i++) {
      const GrokPoint& p = points_[i];
      if (p.group != g) continue;
      colour = colours_[i];
      if (p.grokked) x << drawnX_[i], y << p.median, lo << p.median - p.min, hi << p.max - p.median;
      if (p.grokked && p.grokked < p.runs) px << drawnX_[i], py << p.median;
      if (p.never()) nx << drawnX_[i], ny << neverY_;
    }
    QCPGraph* line = addGraph();
    line->setName(g.isEmpty() ? tr("median over seeds") : g);
    line->setPen(QPen(colour, 1.6));
    line->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, colour, colour, 7));
    line->setData(x, y, true);
    auto* bars = new QCPErrorBars(xAxis, yAxis);
    bars->removeFromLegend();
    bars->setDataPlottable(line);
    bars->setData(lo, hi);
    bars->setPen(QPen(colour, 1.2));
    bars->setWhiskerWidth(8);
    if (!px.isEmpty()) {  // a white centre: not every seed grokked (the median is over those that did)
      anyPartial = true;
      QCPGraph* partial = addGraph();
      partial->removeFromLegend();
      partial->setLineStyle(QCPGraph::lsNone);
      partial->setScatterStyle(
          QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(colour, 1.8), palette().brush(QPalette::Base), 8));
      partial->setData(px, py, true);
    }
    if (nx.isEmpty()) continue;
    anyNever = true;
    QCPGraph* never = addGraph();
    never->removeFromLegend();
    never->setLineStyle(QCPGraph::lsNone);
    never->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssTriangle, QPen(colour, 1.8), Qt::NoBrush, 11));
    never->setData(nx, ny, true);
  }
  const QColor fg = palette().color(QPalette::WindowText);
  if (anyPartial) {  // legend entries for the hollow circles and the triangles
    QCPGraph* key = addGraph();
    key->setName(tr("not every seed grokked"));
    key->setLineStyle(QCPGraph::lsNone);
    key->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(fg, 1.5), palette().brush(QPalette::Base), 8));
  }
  if (anyNever) {
    QCPGraph* key = addGraph();
    key->setName(tr("never grokked (at top)"));
    key->setLineStyle(QCPGraph::lsNone);
    key->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssTriangle, QPen(fg, 1.5), Qt::NoBrush, 9));
  }
  // Ranges: every value with room beside it, zero (or below the lowest) to above the triangles.
  if (!drawnX_.isEmpty()) {
    const auto [mn, mx] = std::minmax_element(drawnX_.begin(), drawnX_.end());
    if (logX_)
      xAxis->setRange(*mn / 1.5, *mx * 1.5);
    else {
      const double pad = *mx > *mn ? 0.08 * (*mx - *mn) : std::max(0.5, 0.1 * std::abs(*mx));
      xAxis->setRange(*mn - pad, *mx + pad);
    }
  }
  yAxis->setRange(logY_ ? QCPRange(low / 2, neverY_ * 1.6) : QCPRange(0, neverY_ * 1.08));
  applyPalette();
  setTitle(title());  // wraps the legend beside the title
  replot(QCustomPlot::rpQueuedReplot);
}

QString GrokPlot::hoverText(const QPointF& pos) const {
  double best = 14;
  QString text;
  for (int i = 0; i < points_.size(); i++) {
    const GrokPoint& p = points_[i];
    if (!p.grokked && !p.never()) continue;
    const double y = p.grokked ? p.median : neverY_;
    const double d = std::hypot(xAxis->coordToPixel(drawnX_[i]) - pos.x(), yAxis->coordToPixel(y) - pos.y());
    if (d >= best) continue;
    best = d;
    const QString setting = (p.group.isEmpty() ? QString() : p.group + " ") + field_ + "=" + p.value;
    text = p.grokked ? tr("%1\nmedian %2 epochs [%3, %4]\n%5 of %6 runs grokked")
                           .arg(setting)
                           .arg(p.median)
                           .arg(p.min)
                           .arg(p.max)
                           .arg(p.grokked)
                           .arg(p.runs)
                     : tr("%1\nnever grokked: %2 runs, up to epoch %3").arg(setting).arg(p.runs).arg(p.budget);
  }
  return text;
}

void GrokPlot::mouseMoveEvent(QMouseEvent* event) {
  Figure::mouseMoveEvent(event);
  if (event->buttons()) return;
  const QString text = hoverText(event->position());
  if (text.isEmpty()) return QToolTip::hideText();
  QToolTip::showText(event->globalPosition().toPoint(), text, this);
}

void GrokPlot::addMenuActions(QMenu* menu) {
  QAction* lx = menu->addAction(tr("Log x axis"), this, [this](bool on) { logX_ = on, rebuild(); });
  lx->setCheckable(true);
  lx->setChecked(logX_);
  QAction* ly = menu->addAction(tr("Log y axis"), this, [this](bool on) { logY_ = on, rebuild(); });
  ly->setCheckable(true);
  ly->setChecked(logY_);
}

}  // namespace grok
