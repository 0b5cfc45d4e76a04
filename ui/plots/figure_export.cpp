#include "ui/plots/figure_export.h"

#include <qcustomplot.h>
#include <QBuffer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QPainter>
#include <QPdfWriter>
#include <QSvgGenerator>
#include <algorithm>

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

// `bytes` into `path`, every step checked: "" or "<path>: cannot write the file (<reason>)".
QString writeFile(const QString& path, const QByteArray& bytes) {
  QFile f(path);
  const auto fail = [&] { return QObject::tr("%1: cannot write the file (%2)").arg(path, f.errorString()); };
  if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) return fail();
  // A full disk shows only when the buffer goes out: flush before calling it written.
  if (f.write(bytes) != bytes.size() || !f.flush()) return fail();
  f.close();
  if (f.error() != QFileDevice::NoError) return fail();
  return {};
}

}  // namespace

QString exportWidget(QWidget* widget, const QString& path, double png_scale) {
  const QString ext = QFileInfo(path).suffix().toLower();
  const QSize size = widget->size();
  if (size.isEmpty()) return QObject::tr("%1: the view has no size (is it hidden?)").arg(path);
  QByteArray bytes;
  QBuffer out(&bytes);
  out.open(QIODevice::WriteOnly);
  if (ext == "png" || ext == "jpg") {
    QImage image(size * png_scale, QImage::Format_ARGB32);
    image.setDevicePixelRatio(png_scale);
    image.fill(widget->palette().color(QPalette::Window));
    QCPPainter painter(&image);
    painter.setRenderHint(QPainter::Antialiasing);
    paintVector(widget, painter);
    painter.end();
    if (!image.save(&out, ext == "png" ? "PNG" : "JPG")) return QObject::tr("%1: cannot encode the image").arg(path);
  } else if (ext == "svg") {
    QSvgGenerator svg;
    svg.setOutputDevice(&out);
    svg.setSize(size);
    svg.setViewBox(QRect(QPoint(), size));
    svg.setTitle(widget->windowTitle());
    svg.setDescription(QObject::tr("Exported from Grokking Lab"));
    QCPPainter painter;
    if (!painter.begin(&svg)) return QObject::tr("%1: cannot draw the SVG").arg(path);
    paintVector(widget, painter);
    painter.end();
  } else if (ext == "pdf") {
    QPdfWriter pdf(&out);
    pdf.setResolution(96);
    pdf.setPageSize(QPageSize(QSizeF(size), QPageSize::Point));
    pdf.setPageMargins(QMarginsF());
    pdf.setTitle(widget->windowTitle());
    pdf.setCreator("Grokking Lab");
    QCPPainter painter;
    if (!painter.begin(&pdf)) return QObject::tr("%1: cannot draw the PDF").arg(path);
    const double s = pdf.width() / static_cast<double>(size.width());
    painter.scale(s, s);
    paintVector(widget, painter);
    painter.end();
  } else {
    return QObject::tr("%1: unknown format \"%2\" (allowed: png, svg, pdf)").arg(path, ext);
  }
  if (bytes.isEmpty()) return QObject::tr("%1: nothing was drawn").arg(path);
  return writeFile(path, bytes);
}

QImage renderWidget(QWidget* widget, QSize size) {
  QImage image(size, QImage::Format_RGB32);
  image.fill(widget->palette().color(QPalette::Window));
  if (auto* plot = qobject_cast<QCustomPlot*>(widget)) {  // one plot: laid out afresh at the size asked
    image.fill(plot->palette().color(QPalette::Base));
    QCPPainter painter(&image);
    painter.setRenderHint(QPainter::Antialiasing);
    plot->toPainter(&painter, size.width(), size.height());
    painter.end();
    plot->replot(QCustomPlot::rpQueuedReplot);  // its own layout back, for the screen
    return image;
  }
  const QSize w = widget->size();
  if (w.isEmpty() || size.isEmpty()) return image;
  const double s = std::min(size.width() / double(w.width()), size.height() / double(w.height()));
  QCPPainter painter(&image);
  painter.setRenderHint(QPainter::Antialiasing);
  painter.translate((size.width() - s * w.width()) / 2, (size.height() - s * w.height()) / 2);
  painter.scale(s, s);
  paintVector(widget, painter);
  painter.end();
  return image;
}

QString exportWidgets(const QMap<QString, QWidget*>& widgets, const QString& dir) {
  if (!QDir().mkpath(dir)) return dir + ": cannot create the folder";
  for (auto it = widgets.begin(); it != widgets.end(); ++it)
    for (const char* ext : {"png", "svg"})
      if (const QString err = exportWidget(it.value(), dir + "/" + it.key() + "." + ext, 2.0); !err.isEmpty())
        return err;
  return {};
}

}  // namespace grok
