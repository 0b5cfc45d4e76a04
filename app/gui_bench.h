// `grokking --bench-training SECONDS`: the GUI's two performance targets while it trains the
// mainline preset from the window.
//   - Event-loop latency: how late a 10 ms timer fires on the GUI thread while training runs.
//   - Throughput against `grokking-cli bench`: training from the window is measured in rounds,
//     and between rounds (training paused) `grokking-cli bench` runs next to it. This machine's
//     speed drifts by up to ~40 % over tens of seconds (a shared virtual machine), so only
//     interleaved measurements can be compared; each round's ratio is printed.
//
// `grokking RUN --bench-scrub STEPS [--scrub-pause MS]`: steps the scrubber back STEPS checkpoints
// from the newest, as the Left arrow does, and times each step until every view is redrawn: the
// time-series markers, the snapshot views (spectra, heatmaps) and the check table. With a pause
// (a person looking at each checkpoint) the views compute the next checkpoints ahead.
#pragma once

#include <cstdint>

#include <QElapsedTimer>
#include <QObject>
#include <QProcess>
#include <QSet>
#include <QString>
#include <QTimer>
#include <vector>

class QCustomPlot;

namespace grok {

class MainWindow;

class TrainingBench : public QObject {
  Q_OBJECT

 public:
  // `seconds`: training time in the window, split over `rounds`; `cli`: the grokking-cli binary.
  TrainingBench(MainWindow& window, int seconds, int rounds, QString cli, QString runPath);
  void start();  // exits the application with 0 when done, 1 on failure

 private:
  void onTick();
  void beginRound();
  void endRound();
  void onCliFinished(int exitCode, QProcess::ExitStatus status);
  void report();
  void fail(const QString& why);

  MainWindow& w_;
  const int roundMs_, rounds_;
  const QString cli_, runPath_;
  QTimer tick_;
  QElapsedTimer clock_;
  QProcess process_;
  qint64 lastTickNs_ = 0;
  bool measuring_ = false;  // a round of training in the window is under way
  qint64 roundStartMs_ = 0;
  int roundStartEpoch_ = 0;
  std::vector<double> lateness_;        // ms, during training rounds only
  std::vector<double> gui_, cli_rate_;  // epochs/s per round
};

class ScrubBench : public QObject {
  Q_OBJECT

 public:
  // `random`: each step jumps to a checkpoint drawn at random (seeded, never the one shown)
  // instead of stepping back one, as a user clicking along the scrubber does.
  ScrubBench(MainWindow& window, QString runPath, int steps, int pauseMs, bool random = false);
  void start();  // exits the application with 0 when done, 1 on failure

 private:
  // The views a snapshot redraws (spectra, heatmaps, prediction grid); the visible ones are timed.
  std::vector<QCustomPlot*> snapshotViews() const;
  void step();
  void onPainted(QCustomPlot* plot);
  void onSnapshot(int epoch);
  void onChecks(int epoch);
  void finishStep();
  void report();

  MainWindow& w_;
  const QString runPath_;
  const int steps_, pauseMs_;
  const bool random_;
  std::uint64_t rng_ = 0x9e3779b97f4a7c15ull;  // the jumps' seed: the same targets every run
  QElapsedTimer clock_;
  int target_ = -1;  // the epoch this step moves to
  bool stepping_ = false, markerDone_ = false, viewsShown_ = false, checksDone_ = false;
  QSet<QCustomPlot*> toRedraw_;   // snapshot views still to redraw this step
  QSet<QCustomPlot*> replotted_;  // ... of which replotting or replotted, not yet painted
  double viewsMs_ = 0;
  std::vector<double> marker_, computed_, views_, checks_;  // ms per step
};

}  // namespace grok
