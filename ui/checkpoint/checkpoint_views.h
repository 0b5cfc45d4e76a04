// The views of one checkpoint: the prediction grid, the W_E and W_L spectra, the neuron and attention panels (each with
// a layer picker for a deeper model), the logits'
// 2D Fourier norms and the check table, with the snapshot service (ui/checkpoint/snapshot_service.h)
// that computes what they draw. show(epoch) asks for a checkpoint; the views change when its
// snapshot arrives, and the check table a little later.
//
//   CheckpointViews v(scrubber, turns);
//   v.setRun("run.grok", std::nullopt);   // live key sets
//   connect(scrubber, &EpochScrubber::epochChanged, &v, &CheckpointViews::show);
//
// While training (setLive), following the newest checkpoint is throttled so that the analysis
// keeps near 1 % of training's time, and nothing is computed ahead; a user's scrub is served at
// once. Threading: GUI thread only; the service computes on its own thread.
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>
#include <memory>
#include <optional>
#include <vector>

#include "ui/checkpoint/snapshot_service.h"

namespace grok {

class AnalysisTurns;
class AttentionPanel;
class CheckTableView;
class EpochScrubber;
class HeatmapView;
class IprHistogram;
class NeuronPanel;
class PredictionGrid;
class SpectrumView;

class CheckpointViews : public QObject {
  Q_OBJECT
 public:
  // `scrubber`: the epoch the views are to show, and the checkpoints to compute ahead.
  CheckpointViews(EpochScrubber* scrubber, std::shared_ptr<AnalysisTurns> turns, QObject* parent = nullptr);

  SpectrumView* weView() const { return we_; }
  SpectrumView* wlView() const { return wl_; }
  NeuronPanel* neurons() const { return neurons_; }
  AttentionPanel* attention() const { return attention_; }
  HeatmapView* attentionView() const;
  HeatmapView* logitsView() const { return logits_; }
  IprHistogram* iprView() const { return ipr_; }  // docked under the Mechanism view's curves
  CheckTableView* checks() const { return checks_; }
  PredictionGrid* predictions() const { return predictions_; }  // every task's, with or without a group
  SnapshotService* service() const { return service_; }         // for the benchmarks (its results cache)
  int shownEpoch() const { return shownEpoch_; }
  int shownChecksEpoch() const { return shownChecksEpoch_; }

  // The run and key set the views are computed from (nullopt: each checkpoint's own); clears them.
  void setRun(const QString& path, const std::optional<std::vector<int>>& keys);
  void clear();
  // Why the views are empty for the whole run (a task without a group); "" takes it away.
  void setNotice(const QString& text);
  void setLive(bool training);

 public slots:
  void show(int epoch);

 signals:
  void snapshotShown(int epoch);  // every view but the check table now shows `epoch`
  void checksShown(int epoch);    // the check table now shows `epoch`
  void message(const QString& text, int timeoutMs);

 private:
  bool eventFilter(QObject* watched, QEvent* event) override;
  void onSnapshot(int epoch, ViewSnapshotPtr v, double computeMs);
  void drawSnapshot();
  void drawLogitNorms();  // the 2D logits view, from shown_ (empty until its norms come)
  // The 2D logits view is out of sight (its dock behind another's tab in a window on screen): its
  // norms are left to completeLogitNorms (snapshot_service.h), asked for once the user rests on a
  // checkpoint, or at once when the view comes into sight. Told to the service before each request.
  bool logitNormsLater() const;
  void prefetchNeighbours();
  bool adjacent(int a, int b) const;   // neighbouring checkpoints of the scrubber
  static constexpr int kRestMs = 150;  // after a jump, the neighbours are prefetched once the user rests this long

  EpochScrubber* scrubber_;
  SnapshotService* service_;
  SpectrumView *we_, *wl_;
  NeuronPanel* neurons_;
  AttentionPanel* attention_;
  HeatmapView* logits_;
  IprHistogram* ipr_;
  CheckTableView* checks_;
  PredictionGrid* predictions_;
  ViewSnapshotPtr shown_;
  int shownEpoch_ = -1, shownChecksEpoch_ = -1;
  int scrubDir_ = -1;     // the direction of the last step through the checkpoints
  bool stepped_ = false;  // the last move was to a neighbouring checkpoint (not a jump)
  QTimer prefetchLater_;  // after a jump: the neighbours once the user rests
  QTimer normsLater_;     // the out-of-sight 2D logits view's norms once the user rests
  bool live_ = false;
  QElapsedTimer scrubTimer_;
  QElapsedTimer sinceSnapshot_;  // since the last computed snapshot arrived
  double lastSnapshotMs_ = 0;
  QTimer liveThrottle_;
};

}  // namespace grok
