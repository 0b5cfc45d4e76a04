#include "gui_bench.h"

#include <QApplication>
#include <QRegularExpression>
#include <algorithm>
#include <cstdio>

#include "ui/checkpoint/epoch_scrubber.h"
#include "ui/plots/figure.h"
#include "ui/plots/heatmap_view.h"
#include "ui/plots/spectrum_view.h"
#include "ui/run/run_panel.h"
#include "ui/window/main_window.h"
#include "ui/window/run_viewer.h"

namespace grok {

namespace {
constexpr int kTickMs = 10;
constexpr int kWarmupEpochs = 50;  // dataset, allocator and thread pools settle first

void printStats(const char* what, std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  std::printf("%-34s p50 %6.1f ms, p90 %6.1f ms, max %6.1f ms\n", what, ms[ms.size() / 2], ms[ms.size() * 9 / 10],
              ms.back());
}
}  // namespace

TrainingBench::TrainingBench(MainWindow& window, int seconds, int rounds, QString cli, QString runPath)
    : w_(window),
      roundMs_(seconds * 1000 / rounds),
      rounds_(rounds),
      cli_(std::move(cli)),
      runPath_(std::move(runPath)) {
  tick_.setTimerType(Qt::PreciseTimer);
  tick_.setInterval(kTickMs);
  connect(&tick_, &QTimer::timeout, this, &TrainingBench::onTick);
  connect(&process_, &QProcess::finished, this, &TrainingBench::onCliFinished);
  process_.setProcessChannelMode(QProcess::MergedChannels);
}

void TrainingBench::start() {
  w_.runPanel()->selectPreset("mainline");
  w_.runPanel()->setField("path", runPath_);
  w_.startTraining();
  if (!w_.training()) return fail("cannot start: " + w_.lastError());
  clock_.start();
  tick_.start();
}

void TrainingBench::onTick() {
  const qint64 now = clock_.nsecsElapsed();
  if (measuring_ && lastTickNs_) lateness_.push_back((now - lastTickNs_) / 1e6 - kTickMs);
  lastTickNs_ = now;
  if (!w_.training()) return fail("training ended before the benchmark did");
  if (gui_.empty() && !measuring_ && process_.state() == QProcess::NotRunning && w_.liveEpoch() >= kWarmupEpochs)
    beginRound();
  if (measuring_ && clock_.elapsed() - roundStartMs_ >= roundMs_) endRound();
}

void TrainingBench::beginRound() {
  measuring_ = true;
  roundStartMs_ = clock_.elapsed();
  roundStartEpoch_ = w_.liveEpoch();
}

void TrainingBench::endRound() {
  measuring_ = false;
  lastTickNs_ = 0;
  const double seconds = (clock_.elapsed() - roundStartMs_) / 1000.0;
  gui_.push_back((w_.liveEpoch() - roundStartEpoch_) / seconds);
  w_.pauseTraining(true);
  // The worker stops at the end of its epoch and a live snapshot may still be finishing: give
  // both a second so that the CLI measures an idle machine, as it would on its own.
  QTimer::singleShot(1000, this, [this] { process_.start(cli_, {"bench", "--throughput", "--repeats", "30"}); });
}

void TrainingBench::onCliFinished(int exitCode, QProcess::ExitStatus status) {
  const QString out = QString::fromLocal8Bit(process_.readAll());
  const auto m = QRegularExpression(R"(training throughput\s+([0-9.]+) epochs/s)").match(out);
  if (status != QProcess::NormalExit || exitCode != 0 || !m.hasMatch())
    return fail(cli_ + " bench failed: " + out.trimmed().section('\n', -1));
  cli_rate_.push_back(m.captured(1).toDouble());
  std::printf("round %zu: GUI %.1f epochs/s, grokking-cli bench %.1f epochs/s, ratio %.0f %%\n", gui_.size(),
              gui_.back(), cli_rate_.back(), 100 * gui_.back() / cli_rate_.back());
  std::fflush(stdout);
  if (static_cast<int>(gui_.size()) == rounds_) return report();
  w_.pauseTraining(false);
  beginRound();
}

void TrainingBench::report() {
  tick_.stop();
  std::sort(lateness_.begin(), lateness_.end());
  if (lateness_.empty()) return fail("no timer ticks measured");
  std::printf("event loop while training: %zu ticks, lateness p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
              lateness_.size(), lateness_[lateness_.size() / 2], lateness_[lateness_.size() * 99 / 100],
              lateness_.back());
  double gui = 0, cli = 0;
  std::vector<double> ratios;
  for (size_t i = 0; i < gui_.size(); i++)
    gui += gui_[i], cli += cli_rate_[i], ratios.push_back(gui_[i] / cli_rate_[i]);
  std::sort(ratios.begin(), ratios.end());
  std::printf(
      "training throughput in the GUI: %.1f epochs/s against grokking-cli bench's %.1f: %.0f %% overall, "
      "median round %.0f %% (min %.0f %%, max %.0f %%)\n",
      gui / gui_.size(), cli / cli_rate_.size(), 100 * gui / cli, 100 * ratios[ratios.size() / 2], 100 * ratios.front(),
      100 * ratios.back());
  std::fflush(stdout);
  connect(&w_, &MainWindow::trainingFinished, qApp, [] { QApplication::exit(0); });
  w_.stopTraining();
}

void TrainingBench::fail(const QString& why) {
  tick_.stop();
  std::fprintf(stderr, "bench-training: %s\n", qPrintable(why));
  QApplication::exit(1);
}

ScrubBench::ScrubBench(MainWindow& window, QString runPath, int steps, int pauseMs, bool random)
    : w_(window), runPath_(std::move(runPath)), steps_(steps), pauseMs_(pauseMs), random_(random) {}

void ScrubBench::start() {
  // A view counts as redrawn once painted on screen after its replot; the marker, whose layer is
  // redrawn alone, at the loss plot's first paint after the step.
  const RunViewer* v = w_.viewer();
  std::vector<QCustomPlot*> plots = snapshotViews();
  plots.push_back(v->lossPlot());
  for (QCustomPlot* plot : plots) {
    connect(plot, &QCustomPlot::beforeReplot, this, [this, plot] {  // the paint may come within the replot
      if (stepping_ && viewsShown_ && toRedraw_.contains(plot)) replotted_.insert(plot);
    });
    connect(qobject_cast<Figure*>(plot), &Figure::painted, this, [this, plot] { onPainted(plot); });
  }
  connect(&w_, &MainWindow::snapshotShown, this, &ScrubBench::onSnapshot);
  connect(&w_, &MainWindow::checksShown, this, &ScrubBench::onChecks);
  if (!w_.openRun(runPath_, true)) {
    std::fprintf(stderr, "bench-scrub: %s\n", qPrintable(w_.lastError()));
    QApplication::exit(1);
  }
  // The first step follows the newest checkpoint's check table (see onChecks).
}

std::vector<QCustomPlot*> ScrubBench::snapshotViews() const {
  const RunViewer* v = w_.viewer();
  return {v->weView(),        v->wlView(),     v->neuronView(),
          v->attentionView(), v->logitsView(), qobject_cast<QCustomPlot*>(v->figures().value("prediction-grid"))};
}

void ScrubBench::step() {
  const RunViewer* v = w_.viewer();
  const std::vector<int>& e = v->scrubber()->checkpoints();
  if (static_cast<int>(views_.size()) == steps_ || (!random_ && v->scrubber()->epoch() == e.front()) || e.size() < 2)
    return report();
  stepping_ = true;
  markerDone_ = viewsShown_ = checksDone_ = false;
  toRedraw_.clear();
  for (QCustomPlot* plot : snapshotViews())
    if (plot->isVisible() && !plot->visibleRegion().isEmpty()) toRedraw_.insert(plot);  // one hidden is not painted
  replotted_.clear();
  // A cached checkpoint is shown from within step(): know where it goes first.
  if (random_) {
    do {
      rng_ = rng_ * 6364136223846793005ull + 1442695040888963407ull;  // Knuth's MMIX LCG
      target_ = e[static_cast<std::size_t>((rng_ >> 33) % e.size())];
    } while (target_ == v->scrubber()->epoch());
    clock_.start();
    v->scrubber()->setEpoch(target_);  // a click on the scrubber
    return;
  }
  target_ = *(std::lower_bound(e.begin(), e.end(), v->scrubber()->epoch()) - 1);
  clock_.start();
  v->scrubber()->step(-1);  // what the Left arrow does
}

void ScrubBench::onPainted(QCustomPlot* plot) {
  if (!stepping_) return;
  if (plot == w_.viewer()->lossPlot() && !markerDone_) {
    markerDone_ = true;
    marker_.push_back(clock_.nsecsElapsed() / 1e6);
  } else if (replotted_.contains(plot) && toRedraw_.remove(plot) && toRedraw_.isEmpty()) {
    viewsMs_ = clock_.nsecsElapsed() / 1e6;
  }
  finishStep();
}

void ScrubBench::onSnapshot(int epoch) {
  if (!stepping_ || epoch != target_ || viewsShown_) return;
  viewsShown_ = true;
  computed_.push_back(clock_.nsecsElapsed() / 1e6);
}

void ScrubBench::onChecks(int epoch) {
  if (!stepping_) {
    if (views_.empty() && epoch == w_.viewer()->scrubber()->epoch()) QTimer::singleShot(0, this, &ScrubBench::step);
    return;
  }
  if (epoch != target_) return;
  checksDone_ = true;
  checks_.push_back(clock_.nsecsElapsed() / 1e6);
  finishStep();
}

void ScrubBench::finishStep() {
  if (!markerDone_ || !viewsShown_ || !toRedraw_.isEmpty() || !checksDone_) return;
  stepping_ = false;
  views_.push_back(viewsMs_);
  QTimer::singleShot(pauseMs_, this, &ScrubBench::step);
}

void ScrubBench::report() {
  if (views_.empty()) {
    std::fprintf(stderr, "bench-scrub: the run has a single checkpoint\n");
    return QApplication::exit(1);
  }
  std::printf("%zu %s from epoch %d, %d ms between a step's check table and the next step\n", views_.size(),
              random_ ? "jumps to random checkpoints" : "steps back", w_.viewer()->scrubber()->checkpoints().back(),
              pauseMs_);
  printStats("time-series markers redrawn", marker_);
  printStats("snapshot computed (data handed over)", computed_);
  printStats("spectra and heatmaps redrawn", views_);
  printStats("check table shown", checks_);
  std::fflush(stdout);
  QApplication::exit(0);
}

}  // namespace grok
