// The window's export menu entries: the dashboard, every figure, one figure and the metrics as CSV,
// each through a file dialog that opens where the user is likely to want the file, with a clear
// error when a write fails.
//
//   ExportDialogs exports(window);
//   exports.addActions(fileMenu, figures);
//   exportStartDir("", "/runs/mainline.grok");  // "/runs": no export yet, the run's folder
//
// Threading: GUI thread only.
#pragma once

#include <QMap>
#include <QObject>
#include <QString>
#include <utility>

class QMenu;
class QWidget;

namespace grok {

class MainWindow;

// Where an export dialog opens: the folder of the last export once the user has exported (while
// it exists), else the folder of the run shown, else the user's documents (never "/").
QString exportStartDir(const QString& lastExportDir, const QString& runPath);

// The run's metrics for the epochs in `epochs` into `csvPath`, as `grokking-cli export-csv` writes
// them (core/store/metrics_csv.h). Returns "" or a one-line error naming the file and the problem.
QString exportMetricsCsv(const QString& runPath, const QString& csvPath, std::pair<int, int> epochs);

class ExportDialogs : public QObject {
  Q_OBJECT
 public:
  explicit ExportDialogs(MainWindow* window);
  void addActions(QMenu* file, const QMap<QString, QWidget*>& figures);
  QString startDir() const;  // exportStartDir() of the settings' last export and the run shown
  void figure(QWidget* view);

 signals:
  void failed(const QString& title, const QString& message);
  void exported(const QString& message);

 private:
  // A save dialog at startDir() with `name` proposed; "" if cancelled. Remembers the folder.
  QString askFile(const QString& title, const QString& name, const QString& filter);
  void remember(const QString& dir);
  MainWindow* window_;
};

}  // namespace grok
