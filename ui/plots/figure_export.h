// Figure export: PNG (at a scale factor, for print resolution), SVG (vector, QSvgGenerator) and PDF
// (vector, QPdfWriter), for one figure or any widget (the whole dashboard). The format follows the
// file's extension. The image is made in memory and then written with every write checked, so a
// file that cannot be created or written in full (a full disk) is an error, not a silent success.
//
//   QString err = exportWidget(window, "dashboard.pdf", 1.0);  // "" or a one-line error
//
// Threading: GUI thread only (it paints widgets).
#pragma once

#include <QImage>
#include <QMap>
#include <QString>

class QWidget;

namespace grok {

QString exportWidget(QWidget* widget, const QString& path, double png_scale = 2.0);
// `widget` drawn as exportWidget draws it (plots as vectors) into an image of `size`: a plot laid
// out afresh at that size; any other widget scaled uniformly to fit and centred on the window
// colour. The frames of an animation.
QImage renderWidget(QWidget* widget, QSize size);
// Every widget into `dir` (created if missing) as <name>.png (at twice its size) and <name>.svg;
// "" or the first error.
QString exportWidgets(const QMap<QString, QWidget*>& widgets, const QString& dir);

}  // namespace grok
