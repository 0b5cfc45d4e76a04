#include "ui/plots/figure.h"

#include <QContextMenuEvent>
#include <QMenu>

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
  // Room under the text: drawText clips to the element, and would cut the underscore of "W_E".
  titleElement_->setMinimumSize(0, QFontMetrics(titleElement_->font()).height() + 4);
  setMinimumSize(220, 130);
  setNoAntialiasingOnDrag(true);
  setPlottingHint(QCP::phFastPolylines, true);
  applyPalette();
}

void Figure::setTitle(const QString& title) {
  title_ = title;
  titleElement_->setText(title);
  wrapLegend();
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
  if (!legendRow_ || !legend || legend->itemCount() == 0) return;
  // The most entries per line that leave the title its room (at least one entry per line).
  const int available = width() - QFontMetrics(titleElement_->font()).horizontalAdvance(title_) - 24;
  for (int perLine = legend->itemCount(); perLine >= 1; perLine--) {
    legend->setWrap(perLine);
    legend->setFillOrder(QCPLayoutGrid::foColumnsFirst, true);
    if (legend->minimumOuterSizeHint().width() <= available) break;
  }
}

void Figure::paintEvent(QPaintEvent* event) {
  QCustomPlot::paintEvent(event);
  emit painted();
}

void Figure::resizeEvent(QResizeEvent* event) {
  wrapLegend();
  QCustomPlot::resizeEvent(event);
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
