#include "ui/figure_export.h"

#include <qcustomplot.h>
#include <QFileDialog>
#include <QFileInfo>
#include <QMessageBox>
#include <QPainter>
#include <QPdfWriter>
#include <QSettings>
#include <QSvgGenerator>

namespace grok {

namespace {

// Vector output of a widget tree: QCustomPlots draw themselves as vectors through their own
// QCPPainter (a plain render() would rasterise their cached buffer); other widgets render as is.
void paintVector(QWidget* widget, QPainter& painter) {
  const QList<QCustomPlot*> plots = widget->findChildren<QCustomPlot*>();
  if (!qobject_cast<QCustomPlot*>(widget)) {
    // Everything but the plots (labels, tables, frames), which would otherwise land in an SVG as
    // embedded bitmaps.
    QRegion rest(QRect(QPoint(), widget->size()));
    for (QCustomPlot* p : plots)
      if (p->isVisible()) rest -= QRect(p->mapTo(widget, QPoint()), p->size());
    widget->render(&painter, QPoint(), rest, QWidget::DrawChildren);
  }
  auto draw = [&](QCustomPlot* plot) {
    if (!plot->isVisible()) return;
    const QPoint at = plot == widget ? QPoint() : plot->mapTo(widget, QPoint());
    painter.save();
    painter.translate(at);
    painter.fillRect(QRect(QPoint(), plot->size()), plot->palette().brush(QPalette::Base));
    plot->toPainter(static_cast<QCPPainter*>(&painter), plot->width(), plot->height());
    painter.restore();
  };
  if (auto* self = qobject_cast<QCustomPlot*>(widget)) draw(self);
  for (QCustomPlot* p : plots) draw(p);
}

}  // namespace

QString exportWidget(QWidget* widget, const QString& path, double png_scale) {
  const QString ext = QFileInfo(path).suffix().toLower();
  const QSize size = widget->size();
  if (size.isEmpty()) return QObject::tr("%1: the view has no size (is it hidden?)").arg(path);
  if (ext == "png" || ext == "jpg") {
    QImage image(size * png_scale, QImage::Format_ARGB32);
    image.setDevicePixelRatio(png_scale);
    image.fill(widget->palette().color(QPalette::Window));
    QCPPainter painter(&image);
    painter.setRenderHint(QPainter::Antialiasing);
    paintVector(widget, painter);
    painter.end();
    if (!image.save(path)) return QObject::tr("%1: cannot write the file").arg(path);
    return {};
  }
  if (ext == "svg") {
    QSvgGenerator svg;
    svg.setFileName(path);
    svg.setSize(size);
    svg.setViewBox(QRect(QPoint(), size));
    svg.setTitle(widget->windowTitle());
    svg.setDescription(QObject::tr("Exported from Grokking Lab"));
    QCPPainter painter;
    if (!painter.begin(&svg)) return QObject::tr("%1: cannot write the file").arg(path);
    paintVector(widget, painter);
    painter.end();
    return QFileInfo(path).size() > 0 ? QString() : QObject::tr("%1: cannot write the file").arg(path);
  }
  if (ext == "pdf") {
    QPdfWriter pdf(path);
    pdf.setResolution(96);
    pdf.setPageSize(QPageSize(QSizeF(size), QPageSize::Point));
    pdf.setPageMargins(QMarginsF());
    pdf.setTitle(widget->windowTitle());
    pdf.setCreator("Grokking Lab");
    QCPPainter painter;
    if (!painter.begin(&pdf)) return QObject::tr("%1: cannot write the file").arg(path);
    const double s = pdf.width() / static_cast<double>(size.width());
    painter.scale(s, s);
    paintVector(widget, painter);
    painter.end();
    return {};
  }
  return QObject::tr("%1: unknown format \"%2\" (allowed: png, svg, pdf)").arg(path, ext);
}

void exportFigureDialog(QWidget* widget, QWidget* parent) {
  QSettings settings;
  const QString dir = settings.value("export/dir").toString();
  const QString name = widget->objectName().isEmpty() ? QStringLiteral("figure") : widget->objectName();
  const QString path = QFileDialog::getSaveFileName(parent, QObject::tr("Export"), dir + "/" + name + ".png",
                                                    QObject::tr("PNG image (*.png);;SVG vector (*.svg);;PDF (*.pdf)"));
  if (path.isEmpty()) return;
  settings.setValue("export/dir", QFileInfo(path).absolutePath());
  const QString err = exportWidget(widget, path, settings.value("export/png_scale", 2.0).toDouble());
  if (!err.isEmpty()) QMessageBox::critical(parent, QObject::tr("Export failed"), err);
}

}  // namespace grok
