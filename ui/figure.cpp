#include "ui/figure.h"

#include <QContextMenuEvent>
#include <QMenu>

#include "ui/figure_export.h"

namespace grok {

QColor seriesColor(int i) {
  static const QColor c[] = {{31, 119, 180}, {255, 127, 14},  {44, 160, 44},   {214, 39, 40},  {148, 103, 189},
                             {140, 86, 75},  {227, 119, 194}, {127, 127, 127}, {188, 189, 34}, {23, 190, 207}};
  return c[((i % 10) + 10) % 10];
}

Figure::Figure(const QString& title, QWidget* parent) : QCustomPlot(parent), title_(title) {
  plotLayout()->insertRow(0);
  titleElement_ = new QCPTextElement(this, title, QFont(font().family(), font().pointSize() + 1, QFont::Bold));
  plotLayout()->addElement(0, 0, titleElement_);
  setMinimumSize(220, 130);
  setNoAntialiasingOnDrag(true);
  setPlottingHint(QCP::phFastPolylines, true);
  applyPalette();
}

void Figure::setTitle(const QString& title) {
  title_ = title;
  titleElement_->setText(title);
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
    legend->setBrush(pal.brush(QPalette::Base));
    legend->setTextColor(pal.color(QPalette::WindowText));
    legend->setBorderPen(QPen(pal.color(QPalette::Mid)));
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
  menu.addAction(tr("Export figure..."), this, [this] { exportFigureDialog(this, this); });
  menu.exec(event->globalPos());
}

}  // namespace grok
