// Figure export: PNG (at a scale factor, for print resolution), SVG (vector, QSvgGenerator) and PDF
// (vector, QPdfWriter), for one figure or any widget (the whole dashboard). The format follows the
// file's extension. Returns an empty string on success, else a one-line error.
#pragma once

#include <QString>

class QWidget;

namespace grok {

QString exportWidget(QWidget* widget, const QString& path, double png_scale = 2.0);
// Asks for a file name (remembering the folder) and exports; errors go to a message box.
void exportFigureDialog(QWidget* widget, QWidget* parent);

}  // namespace grok
