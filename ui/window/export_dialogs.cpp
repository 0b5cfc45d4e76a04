#include "ui/window/export_dialogs.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QSettings>
#include <QStandardPaths>

#include "core/store/metrics_csv.h"
#include "ui/plots/figure_export.h"
#include "ui/window/main_window.h"

namespace grok {

namespace {
const char* const kImageFilter = "PNG image (*.png);;SVG vector (*.svg);;PDF (*.pdf)";
}  // namespace

QString exportStartDir(const QString& lastExportDir, const QString& runPath) {
  if (!lastExportDir.isEmpty() && QFileInfo(lastExportDir).isDir()) return lastExportDir;
  if (!runPath.isEmpty() && QFileInfo(QFileInfo(runPath).absolutePath()).isDir())
    return QFileInfo(runPath).absolutePath();
  const QString docs = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
  return QFileInfo(docs).isDir() ? docs : QDir::homePath();
}

QString exportMetricsCsv(const QString& runPath, const QString& csvPath, std::pair<int, int> epochs) {
  if (runPath.isEmpty()) return QObject::tr("%1: no run is open").arg(csvPath);
  try {
    write_metrics_csv_file(RunStore::open(runPath.toStdString()), csvPath.toStdString(), epochs.first, epochs.second);
  } catch (const std::exception& e) {
    return QString::fromStdString(e.what());
  }
  return {};
}

ExportDialogs::ExportDialogs(MainWindow* window) : QObject(window), window_(window) {}

QString ExportDialogs::startDir() const {
  return exportStartDir(QSettings().value("export/dir").toString(), window_->runPath());
}

void ExportDialogs::remember(const QString& dir) { QSettings().setValue("export/dir", dir); }

QString ExportDialogs::askFile(const QString& title, const QString& name, const QString& filter) {
  const QString path = QFileDialog::getSaveFileName(window_, title, startDir() + "/" + name, filter);
  if (!path.isEmpty()) remember(QFileInfo(path).absolutePath());
  return path;
}

void ExportDialogs::figure(QWidget* view) {
  const QString name = view->objectName().isEmpty() ? QStringLiteral("figure") : view->objectName();
  const QString path = askFile(tr("Export"), name + ".png", tr(kImageFilter));
  if (path.isEmpty()) return;
  const QString err = exportWidget(view, path, QSettings().value("export/png_scale", 2.0).toDouble());
  if (!err.isEmpty()) return emit failed(tr("Export failed"), err);
  emit exported(tr("Exported %1").arg(path));
}

void ExportDialogs::addActions(QMenu* file, const QMap<QString, QWidget*>& figures) {
  file->addAction(tr("&Export dashboard..."), QKeySequence(Qt::CTRL | Qt::Key_E), this, [this] {
    const QString p = askFile(tr("Export dashboard"), "dashboard.png", tr(kImageFilter));
    if (p.isEmpty()) return;
    const QString err = window_->exportDashboard(p);
    if (!err.isEmpty()) return emit failed(tr("Export failed"), err);
    emit exported(tr("Exported %1").arg(p));
  });
  file->addAction(tr("Export &all figures..."), this, [this, n = figures.size()] {
    const QString d = QFileDialog::getExistingDirectory(window_, tr("Export all figures to"), startDir());
    if (d.isEmpty()) return;
    remember(d);
    const QString err = window_->exportAllFigures(d);
    if (!err.isEmpty()) return emit failed(tr("Export failed"), err);
    emit exported(tr("Exported %1 figures to %2").arg(n).arg(d));
  });
  QMenu* one = file->addMenu(tr("Export &figure"));
  for (auto it = figures.begin(); it != figures.end(); ++it)
    one->addAction(it.key(), this, [this, w = it.value()] { figure(w); });
  file->addAction(tr("Export metrics as &CSV (visible epochs)..."), this, [this] {
    const QString p = askFile(tr("Export metrics"), "metrics.csv", tr("CSV (*.csv)"));
    if (p.isEmpty()) return;
    const QString err = window_->exportMetricsCsv(p);
    if (!err.isEmpty()) return emit failed(tr("Export failed"), err);
    emit exported(tr("Exported %1").arg(p));
  });
}

}  // namespace grok
