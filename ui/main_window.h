// The Grokking Lab main window. For now: the dashboard's frame (one titled plot per view) and
// File > Open, which loads a run file's loss curves through core's RunStore. Live training, the
// epoch scrubber and the analysis views fill these panels next.
#pragma once

#include <QMainWindow>
#include <QString>

class QCustomPlot;

namespace grok {

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(QWidget* parent = nullptr);
  // Shows the run's metrics; on failure shows an error dialog (unless `quiet`) and returns false.
  bool openRun(const QString& path, bool quiet = false);
  QString lastError() const { return lastError_; }
  QCustomPlot* lossPlot() const { return lossPlot_; }
  QCustomPlot* accuracyPlot() const { return accPlot_; }

 private:
  void chooseRun();
  QCustomPlot* addPanel(const QString& title, const QString& xLabel, const QString& yLabel);
  QCustomPlot* addPlaceholder(const QString& title, const QString& note);

  QCustomPlot* lossPlot_ = nullptr;
  QCustomPlot* accPlot_ = nullptr;
  QString lastError_;
};

}  // namespace grok
