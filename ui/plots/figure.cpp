#include "ui/plots/figure.h"

#include <QContextMenuEvent>
#include <QMenu>
#include <QPainter>
#include <algorithm>
#include <cmath>

namespace grok {

QColor seriesColor(int i) {
  static const QColor c[] = {{31, 119, 180}, {255, 127, 14},  {44, 160, 44},   {214, 39, 40},  {148, 103, 189},
                             {140, 86, 75},  {227, 119, 194}, {127, 127, 127}, {188, 189, 34}, {23, 190, 207}};
  return c[((i % 10) + 10) % 10];
}

Figure::Figure(const QString& title, QWidget* parent) : QCustomPlot(parent), title_(title) {
  plotLayout()->insertRow(0);
  header_ = new QCPLayoutGrid;  // the title, and the legend beside it (placeLegendBesideTitle)
  plotLayout()->addElement(0, 0, header_);
  titleElement_ = new QCPTextElement(this, title, QFont(font().family(), font().pointSize() + 1, QFont::Bold));
  header_->addElement(0, 0, titleElement_);
  fitTitle();
  setMinimumSize(220, 130);
  setNoAntialiasingOnDrag(true);
  setPlottingHint(QCP::phFastPolylines, true);
  applyPalette();
  connect(this, &QCustomPlot::afterLayout, this, [this] {
    // Turned category labels or a wrapped axis label need their own margin: a new layout, which
    // emits afterLayout again and then finds both fitted.
    if (fitCategoryLabels() | fitAxisLabel()) updateLayout();
    fitToLayout();
  });
}

bool Figure::fitCategoryLabels() {
  if (!xAxis) return false;  // a figure without the default axis rect (the heatmaps)
  const auto text = xAxis->ticker().dynamicCast<QCPAxisTickerText>();
  if (!text) return false;
  const QFontMetrics fm(xAxis->tickLabelFont());
  int widest = 0;
  double gap = INFINITY, previous = NAN;
  for (auto it = text->ticks().constBegin(); it != text->ticks().constEnd(); ++it) {
    if (it.value().contains('\n')) return false;  // a view that breaks its labels into lines has fitted them
    widest = std::max(widest, fm.horizontalAdvance(it.value()));
    const double px = xAxis->coordToPixel(it.key());
    if (!std::isnan(previous)) gap = std::min(gap, std::abs(px - previous));
    previous = px;
  }
  const double rotation = widest > gap ? -40 : 0;  // neighbours would overlap
  if (xAxis->tickLabelRotation() == rotation) return false;
  xAxis->setTickLabelRotation(rotation);
  return true;
}

namespace {

// `text` broken at spaces into lines no wider than `room` pixels (a word wider than that keeps its line).
QString wrapped(const QString& text, const QFontMetrics& fm, int room) {
  if (fm.horizontalAdvance(text) <= room) return text;
  QString out, line;
  for (const QString& word : text.split(' ', Qt::SkipEmptyParts)) {
    const QString longer = line.isEmpty() ? word : line + ' ' + word;
    if (!line.isEmpty() && fm.horizontalAdvance(longer) > room) {
      out += (out.isEmpty() ? "" : "\n") + line;
      line = word;
    } else {
      line = longer;
    }
  }
  return out + (out.isEmpty() ? "" : "\n") + line;
}

}  // namespace

bool Figure::fitAxisLabel() {
  if (!xAxis || xAxis->label().isEmpty()) return false;
  QString full = xAxis->label();
  full.replace('\n', ' ');  // as the view set it: one line
  // The figure's width, not the axis rect's: a wrapped label changes the rect (a heatmap keeps its
  // cells square), and wrapping to the rect could then go back and forth without end.
  const int room = std::max(120, (viewport().width() > 0 ? viewport().width() : width()) - 80);
  const QString fitted = wrapped(full, QFontMetrics(xAxis->labelFont()), room);
  if (fitted == xAxis->label()) return false;
  xAxis->setLabel(fitted);
  return true;
}

void Figure::setTitle(const QString& title) {
  title_ = title;
  wrapLegend();
}

void Figure::fitTitle() {
  const int legendWidth = legendRow_ && legend && legend->visible() ? legend->minimumOuterSizeHint().width() : 0;
  const QFontMetrics fm(titleElement_->font());
  const QString text = wrapped(title_, fm, std::max(80, width() - legendWidth - 16));
  titleElement_->setText(text);
  // Room under the text: drawText clips to the element, and would cut the underscore of "W_E".
  titleElement_->setMinimumSize(0, fm.height() * static_cast<int>(text.count('\n') + 1) + 4);
}

void Figure::placeLegendBesideTitle() {
  if (!legend || legendRow_) return;
  axisRect()->insetLayout()->take(legend);
  header_->addElement(0, 1, legend);
  header_->setColumnStretchFactor(1, 0.001);  // as wide as its entries, no more
  legend->setAutoMargins(QCP::msNone);
  legend->setMargins(QMargins(0, 2, 6, 0));
  legendRow_ = true;
  applyPalette();
  wrapLegend();
}

void Figure::removeLegend() {
  if (!legend || !legend->layout()) return;
  QCPLayout* holder = legend->layout();  // the title row, or the axis rect's inset layout
  holder->remove(legend);                // deletes it; QCustomPlot sets `legend` to null
  holder->simplify();
  legendRow_ = false;
}

void Figure::restoreLegend() {
  if (legend) return;
  legend = new QCPLegend;  // as QCustomPlot makes its own: in the axis rect, then moved to the title row
  axisRect()->insetLayout()->addElement(legend, Qt::AlignRight | Qt::AlignTop);
  legend->setLayer("legend");
  legend->setVisible(true);
  placeLegendBesideTitle();
}

void Figure::wrapLegend() {
  wrapLegendEntries();
  fitTitle();  // the title's room is what the legend leaves
}

void Figure::wrapLegendEntries() {
  if (!legendRow_ || !legend || legend->itemCount() == 0) return;
  // The most entries per line that leave the title its room (at least one entry per line); a title
  // wider than 60 % of the figure wraps (fitTitle) rather than stacking the legend's entries.
  const int titleWidth = QFontMetrics(titleElement_->font()).horizontalAdvance(title_);
  const int available = width() - std::min(titleWidth, width() * 3 / 5) - 24;
  for (int perLine = legend->itemCount(); perLine >= 1; perLine--) {
    legend->setWrap(perLine);
    legend->setFillOrder(QCPLayoutGrid::foColumnsFirst, true);
    if (legend->minimumOuterSizeHint().width() <= available) break;
  }
}

namespace {

class LogTicker : public QCPAxisTickerLog {
 protected:
  QString getTickLabel(double tick, const QLocale& locale, QChar formatChar, int precision) override {
    const double e = std::log10(std::abs(tick));
    if (tick > 0 && std::abs(e - std::round(e)) < 1e-9)
      return QCPAxisTickerLog::getTickLabel(tick, locale, formatChar, precision);
    return locale.toString(tick, 'g', 3);
  }
};

}  // namespace

void applyScale(QCPAxis* axis, bool log) {
  axis->setScaleType(log ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
  if (log)
    axis->setTicker(QSharedPointer<QCPAxisTicker>(new LogTicker));
  else
    axis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
}

void Figure::setEmptyText(const QString& text) {
  emptyText_ = text;
  update();
}

bool Figure::hasData() const {
  for (int i = 0; i < plottableCount(); i++)
    if (QCPPlottableInterface1D* d = const_cast<Figure*>(this)->plottable(i)->interface1D(); d && d->dataCount() > 0)
      return true;  // QCustomPlot has no const plottable(i)
  return false;
}

void Figure::setNotice(const QString& text) {
  notice_ = text;
  update();
}

void Figure::paintEvent(QPaintEvent* event) {
  QCustomPlot::paintEvent(event);
  const QString line = !notice_.isEmpty() ? notice_ : !emptyText_.isEmpty() && !hasData() ? emptyText_ : QString();
  if (!line.isEmpty()) {  // over the plot area (the whole figure where there is none), wrapped
    QPainter painter(this);
    const QRect area = (axisRectCount() > 0 ? axisRect()->rect() : rect()).adjusted(8, 8, -8, -8);
    QColor back = palette().color(QPalette::Base);
    back.setAlpha(225);
    const QRect box = painter.boundingRect(area, Qt::AlignCenter | Qt::TextWordWrap, line);
    painter.fillRect(box.adjusted(-6, -4, 6, 4), back);
    painter.setPen(palette().color(QPalette::WindowText));
    painter.drawText(area, Qt::AlignCenter | Qt::TextWordWrap, line);
  }
  emit painted();
}

void Figure::resizeEvent(QResizeEvent* event) {
  wrapLegend();
  fitTickCount();
  QCustomPlot::resizeEvent(event);
}

void Figure::fitTicksToHeight(const QList<QCPAxis*>& axes) {
  heightTicked_ = axes;
  fitTickCount();
}

void Figure::fitTickCount() {
  for (QCPAxis* a : heightTicked_) a->ticker()->setTickCount(std::clamp(height() / 50, 2, 5));
}

void Figure::styleAxisRect(QCPAxisRect* rect) {
  const QPalette pal = palette();
  const QColor fg = pal.color(QPalette::WindowText);
  QColor grid = fg;
  grid.setAlpha(40);
  for (QCPAxis* ax : rect->axes()) {
    ax->setBasePen(QPen(fg));
    ax->setTickPen(QPen(fg));
    ax->setSubTickPen(QPen(fg));
    ax->setTickLabelColor(fg);
    ax->setLabelColor(fg);
    ax->grid()->setPen(QPen(grid, 1, Qt::DotLine));
  }
}

void Figure::applyPalette() {
  const QPalette pal = palette();
  setBackground(pal.brush(QPalette::Base));
  titleElement_->setTextColor(pal.color(QPalette::WindowText));
  for (QCPAxisRect* r : axisRects()) styleAxisRect(r);
  if (legend) {  // null once a view has removed it from its layout (QCustomPlot::legendRemoved)
    legend->setBrush(legendRow_ ? QBrush(Qt::NoBrush) : pal.brush(QPalette::Base));  // in its row: no box
    legend->setTextColor(pal.color(QPalette::WindowText));
    legend->setBorderPen(legendRow_ ? QPen(Qt::NoPen) : QPen(pal.color(QPalette::Mid)));
  }
}

void Figure::changeEvent(QEvent* event) {
  if (event->type() == QEvent::PaletteChange) {
    applyPalette();
    replot();
  }
  QCustomPlot::changeEvent(event);
}

void Figure::contextMenuEvent(QContextMenuEvent* event) {
  QMenu menu(this);
  addMenuActions(&menu);
  if (!menu.isEmpty()) menu.addSeparator();
  menu.addAction(tr("Export figure..."), this, [this] { emit exportRequested(this); });
  menu.exec(event->globalPos());
}

}  // namespace grok
