// grokking: the desktop app. `grokking [RUN.grok] [--screenshot FILE.png]`.
#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QScreen>
#include <QTemporaryDir>
#include <QTimer>
#include <algorithm>
#include <cstdio>
#include <vector>

#include "ui/epoch_scrubber.h"
#include "ui/run_panel.h"

#include "ui/main_window.h"

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  Q_INIT_RESOURCE(grokking);  // the .qrc lives in the static grok_ui library
  QApplication::setApplicationName("Grokking Lab");
  QApplication::setOrganizationName("Grokking Lab");
  QApplication::setApplicationVersion("0.1.0");
  QCommandLineParser parser;
  parser.setApplicationDescription("Watch a neural network grok modular addition.");
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addPositionalArgument("run", "A run file (.grok) to open.");
  const QCommandLineOption screenshot("screenshot", "Render the window to FILE (PNG) and exit.", "FILE");
  parser.addOption(screenshot);
  const QCommandLineOption bench(
      "bench-training",
      "Train the mainline preset from the window for SECONDS into a temporary file and report the "
      "event loop's latency and the training throughput, then exit.",
      "SECONDS");
  parser.addOption(bench);
  parser.process(app);
  grok::MainWindow w;
  w.show();
  if (!parser.positionalArguments().isEmpty())
    w.openRun(parser.positionalArguments().first(), parser.isSet(screenshot));
  if (parser.isSet(screenshot)) {
    // Once the snapshot views show the opened checkpoint (or after 20 s): grab what the user would
    // see, then quit.
    auto shoot = [&] {
      const bool ok = w.grab().save(parser.value(screenshot));
      if (!ok) qCritical("cannot write %s", qPrintable(parser.value(screenshot)));
      QApplication::exit(ok ? 0 : 1);
    };
    QObject::connect(&w, &grok::MainWindow::snapshotShown, &w, [&] { QTimer::singleShot(300, &w, shoot); });
    QTimer::singleShot(parser.positionalArguments().isEmpty() ? 500 : 20000, &w, shoot);
  }
  QTemporaryDir dir;  // outlives the event loop the benchmark runs in
  if (parser.isSet(bench)) {
    // Event-loop latency: a 10 ms timer's lateness while training runs on the worker thread.
    const int seconds = parser.value(bench).toInt();
    w.runPanel()->selectPreset("mainline");
    w.runPanel()->setField("path", dir.filePath("bench.grok"));
    static std::vector<double> late;
    static QElapsedTimer clock;
    static qint64 last = 0, first_ms = 0;
    static int first_epoch = -1;
    static QTimer tick;
    tick.setTimerType(Qt::PreciseTimer);
    QObject::connect(&tick, &QTimer::timeout, &w, [&] {
      const qint64 now = clock.nsecsElapsed();
      if (last) late.push_back((now - last) / 1e6 - 10.0);
      last = now;
      const int e = w.scrubber()->checkpoints().empty() ? -1 : w.scrubber()->checkpoints().back();
      if (first_epoch < 0 && e >= 100) first_epoch = e, first_ms = clock.elapsed();  // after warm-up
      if (clock.elapsed() > seconds * 1000) {
        tick.stop();
        const int end_epoch = e;
        const double eps = (end_epoch - first_epoch) / ((clock.elapsed() - first_ms) / 1000.0);
        std::sort(late.begin(), late.end());
        std::printf("event loop: %zu ticks, lateness p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", late.size(),
                    late[late.size() / 2], late[late.size() * 99 / 100], late.back());
        std::printf("training in the GUI: %.1f epochs/s (checkpoints %d..%d)\n", eps, first_epoch, end_epoch);
        std::fflush(stdout);
        if (!w.training()) return QApplication::exit(1);
        QObject::connect(&w, &grok::MainWindow::trainingFinished, &app, [] { QApplication::exit(0); });
        w.stopTraining();
      }
    });
    clock.start();
    tick.start(10);
    w.startTraining();
    if (!w.training()) std::fprintf(stderr, "cannot start: %s\n", qPrintable(w.lastError()));
  }
  return app.exec();
}
