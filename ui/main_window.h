// The Grokking Lab main window: a dashboard of dockable views over one run, a run panel that
// trains on a worker thread, and one epoch scrubber that moves every view.
//
// Data flows one way: the trainer writes the run file and reports each batch of metrics and each
// committed checkpoint through queued signals; the time series append them; snapshot views read
// checkpoints back from the run file through SnapshotService. The GUI thread never waits on
// training or analysis.
#pragma once

#include <QElapsedTimer>
#include <QMainWindow>
#include <QMap>
#include <QSet>
#include <QString>
#include <QThread>
#include <QTimer>
#include <functional>
#include <map>
#include <optional>
#include <utility>
#include <thread>
#include <vector>

#include "core/analysis/checkpoint_analysis.h"
#include "core/base/config.h"
#include "core/analysis/phases.h"
#include "core/store/run_store.h"
#include "ui/snapshot_service.h"

class QCustomPlot;
class QComboBox;
class QDockWidget;
class QLabel;
class QTableWidget;
class QMenu;

namespace grok {

class EpochScrubber;
class HeatmapView;
class RunPanel;
class SeriesView;
class SpectrumView;
class TrainingWorker;
struct LiveStatus;

// Progress-measure series (run-file names) drawn in the measures view, with their legend names.
inline constexpr std::pair<const char*, const char*> kLossSeries[] = {{"train_loss", "train loss"},
                                                                      {"test_loss", "test loss"},
                                                                      {"restricted_loss_test", "restricted loss"},
                                                                      {"excluded_loss_train", "excluded loss"}};

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;
  // The size the dashboard is laid out for (a 1920x1080 screen less the desktop's panels). The
  // window opens at it, or at most of a smaller screen.
  static QSize designSize() { return {1880, 1040}; }
  // Shows a run file; on failure shows an error dialog (unless `quiet`) and returns false, leaving
  // whatever was shown before.
  bool openRun(const QString& path, bool quiet = false);
  QString lastError() const { return lastError_; }
  bool training() const;
  int liveEpoch() const;  // the newest epoch the worker reported while training

  // Views and controls, for tests and the screenshot script.
  QCustomPlot* lossPlot() const;
  QCustomPlot* accuracyPlot() const;
  SeriesView* measuresView() const { return measuresView_; }
  SpectrumView* weView() const { return weView_; }
  SpectrumView* wlView() const { return wlView_; }
  HeatmapView* neuronView() const { return neuronView_; }
  HeatmapView* attentionView() const { return attentionView_; }
  HeatmapView* logitsView() const { return logitsView_; }
  QTableWidget* checksTable() const { return checks_; }
  EpochScrubber* scrubber() const { return scrubber_; }
  RunPanel* runPanel() const { return panel_; }
  int shownSnapshotEpoch() const { return shownEpoch_; }
  int shownChecksEpoch() const { return shownChecksEpoch_; }
  QString runPath() const { return path_; }
  // Exports the whole dashboard (PNG, SVG or PDF by extension); returns "" or an error.
  QString exportDashboard(const QString& path);
  // Every view into `dir` as PNG and SVG; returns "" or the first error.
  QString exportAllFigures(const QString& dir);

 public slots:
  void startTraining();
  // Continues the open run from its newest checkpoint, to `epochs` if given (> 0), else to its own
  // target; a complete run asks how far to go on.
  void resumeTraining(int epochs = 0);
  void stopTraining();
  void pauseTraining(bool pause);  // the worker sleeps between epochs until continued or stopped

 signals:
  void snapshotShown(int epoch);  // every snapshot view but the check table now shows `epoch`
  void checksShown(int epoch);    // the check table now shows `epoch`
  void trainingFinished(bool completed);

 protected:
  void closeEvent(QCloseEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;
  void showEvent(QShowEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  QDockWidget* addView(const QString& title, const QString& name, QWidget* view, Qt::DockWidgetArea area);
  void buildMenus();
  void clearViews();
  void onMetrics(const QVector<EpochMetrics>& batch, const LiveStatus& status);
  void onCheckpoint(int epoch, const MeasureRecord& m);
  void onFinished(const QString& path, bool completed, const QString& error);
  void onSnapshot(int epoch, ViewSnapshotPtr s, double ms);
  void onEpochChanged(int epoch);
  void addMeasures(const MeasureRecord& m);
  void updatePhases();
  void showSnapshotViews();
  void prefetchNeighbours();
  void showChecks();
  void showNeurons();
  void refreshSeries();
  void setKeySelection(int index);
  void fillMeasures(const KeySelection& sel);
  void rememberRecent(const QString& path);
  void updateRecentMenu();
  void updateStatus();
  void error(const QString& title, const QString& message);

  // Views
  RunPanel* panel_ = nullptr;
  EpochScrubber* scrubber_ = nullptr;
  SeriesView *lossView_ = nullptr, *accView_ = nullptr, *measuresView_ = nullptr, *giniView_ = nullptr,
             *normView_ = nullptr;
  SpectrumView *weView_ = nullptr, *wlView_ = nullptr;
  HeatmapView *neuronView_ = nullptr, *attentionView_ = nullptr, *logitsView_ = nullptr;
  QComboBox* neuronCluster_ = nullptr;
  QComboBox* keySelection_ = nullptr;
  QTableWidget* checks_ = nullptr;
  QLabel* checksNote_ = nullptr;
  QList<SeriesView*> seriesViews_;
  QMap<QString, QWidget*> figures_;  // name -> view, for "export all"
  QMenu* recentMenu_ = nullptr;
  QLabel* statusLabel_ = nullptr;

  // The run shown
  QString path_;
  Config cfg_;
  std::vector<EpochMetrics> metrics_;
  std::map<int, MeasureRecord> measures_;
  Phases phases_;
  ViewSnapshotPtr shown_;
  int shownEpoch_ = -1, shownChecksEpoch_ = -1;
  int scrubDir_ = -1;  // the direction of the last step through the checkpoints
  QString lastError_;
  LiveStatus* live_ = nullptr;
  bool dirty_ = false;
  bool closeAfterStop_ = false;
  std::optional<std::vector<int>> fixedKeys_;  // nullopt: live key sets

  // Threads
  QThread trainThread_;
  std::thread keyThread_;  // fills in missing measures (fillMeasures)
  bool filling_ = false;
  QSet<QString> fillAttempts_;  // "path|key set" filled in this session
  TrainingWorker* worker_ = nullptr;
  SnapshotService* snapshots_ = nullptr;
  QTimer replotTimer_;
  std::function<void()> defaultLayout_;
  QElapsedTimer scrubTimer_;
  QElapsedTimer sinceSnapshot_;  // since the last computed snapshot arrived
  double lastSnapshotMs_ = 0;
  QTimer liveThrottle_;
};

}  // namespace grok
