// grokking: the desktop app. `grokking [RUN.grok] [--screenshot FILE.png]`.
#include <QApplication>
#include <QCommandLineParser>
#include <QScreen>
#include <QTemporaryDir>
#include <QTimer>
#include <cstdio>
#include <memory>

#include "gui_bench.h"
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
      "Train the mainline preset from the window for SECONDS (in 12 rounds, with grokking-cli bench --throughput run "
      "between them) into a temporary file; report the event loop's latency and the throughput "
      "against the CLI's, then exit.",
      "SECONDS");
  parser.addOption(bench);
  const QCommandLineOption scrub("bench-scrub",
                                 "Open the run given, step back STEPS checkpoints from the newest as the Left "
                                 "arrow does, report how long every view takes to redraw, then exit.",
                                 "STEPS");
  parser.addOption(scrub);
  const QCommandLineOption scrubPause("scrub-pause", "With --bench-scrub: wait MS after each step is drawn (default 0).",
                                      "MS", "0");
  parser.addOption(scrubPause);
  parser.process(app);
  grok::MainWindow w;
  w.show();
  std::unique_ptr<grok::ScrubBench> scrub_bench;
  if (parser.isSet(scrub)) {
    const int steps = parser.value(scrub).toInt();
    bool pause_ok = false;
    const int pause = parser.value(scrubPause).toInt(&pause_ok);
    if (steps < 1 || !pause_ok || pause < 0 || parser.positionalArguments().isEmpty()) {
      std::fprintf(stderr, "--bench-scrub: give a number of steps >= 1, a pause >= 0 ms and a run file\n");
      return 2;
    }
    scrub_bench = std::make_unique<grok::ScrubBench>(w, parser.positionalArguments().first(), steps, pause);
    scrub_bench->start();
    return app.exec();
  }
  if (!parser.positionalArguments().isEmpty())
    w.openRun(parser.positionalArguments().first(), parser.isSet(screenshot));
  if (parser.isSet(screenshot)) {
    // Once the check table (the last view) shows the opened checkpoint (or after 20 s): grab
    // what the user would see, then quit.
    auto shoot = [&] {
      const bool ok = w.grab().save(parser.value(screenshot));
      if (!ok) qCritical("cannot write %s", qPrintable(parser.value(screenshot)));
      QApplication::exit(ok ? 0 : 1);
    };
    QObject::connect(&w, &grok::MainWindow::checksShown, &w, [&] { QTimer::singleShot(300, &w, shoot); });
    QTimer::singleShot(parser.positionalArguments().isEmpty() ? 500 : 20000, &w, shoot);
  }
  QTemporaryDir dir;  // outlives the event loop the benchmark runs in
  std::unique_ptr<grok::TrainingBench> training_bench;
  if (parser.isSet(bench)) {
    const int seconds = parser.value(bench).toInt();
    if (seconds < 3) {
      std::fprintf(stderr, "--bench-training: '%s' is not a number of seconds >= 3\n", qPrintable(parser.value(bench)));
      return 2;
    }
    training_bench = std::make_unique<grok::TrainingBench>(
        w, seconds, /*rounds=*/12, QCoreApplication::applicationDirPath() + "/grokking-cli", dir.filePath("bench.grok"));
    training_bench->start();
  }
  return app.exec();
}
