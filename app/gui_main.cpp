// grokking: the desktop app. `grokking [RUN.grok | SWEEP_DIR | RUN.grok RUN.grok...] [--reference BASE.grok]
// [--screenshot FILE.png] [--raise-dock NAME] [--fork E] [--epoch E] [--export-animation OUT.mp4 ...]`: one
// run file opens in the dashboard
// (a .pt/.pth through the import dialog), a sweep
// folder or several run files in the Compare view; --reference draws a baseline under the open
// run's curves; --fork E shows the Fork dialog for checkpoint E.
#include <QApplication>
#include <QCommandLineParser>
#include <QDockWidget>
#include <QPalette>
#include <QScreen>
#include <QSettings>
#include <QStyle>
#include <QTemporaryDir>
#include <QTimer>
#include <cstdio>
#include <memory>
#include <utility>

#include "core/base/version.h"
#include "core/experiments/sweep.h"
#include "core/runtime/process_setup.h"
#include "gui_animation.h"
#include "gui_bench.h"
#include "ui/checkpoint/checkpoint_views.h"
#include "ui/checkpoint/epoch_scrubber.h"
#include "ui/compare/compare_view.h"
#include "ui/plots/figure_export.h"
#include "ui/run/fork_dialog.h"
#include "ui/run/import_dialog.h"
#include "ui/run/run_panel.h"
#include "ui/window/main_window.h"
#include "ui/window/run_viewer.h"

namespace {

// A dark palette after the usual dark desktop themes: light text on dark grey, blue highlight.
QPalette darkPalette() {
  QPalette p;
  const QColor window(45, 45, 48), base(30, 30, 32), text(220, 220, 220), disabled(128, 128, 128);
  p.setColor(QPalette::Window, window);
  p.setColor(QPalette::WindowText, text);
  p.setColor(QPalette::Base, base);
  p.setColor(QPalette::AlternateBase, window);
  p.setColor(QPalette::ToolTipBase, base);
  p.setColor(QPalette::ToolTipText, text);
  p.setColor(QPalette::PlaceholderText, disabled);
  p.setColor(QPalette::Text, text);
  p.setColor(QPalette::Button, window);
  p.setColor(QPalette::ButtonText, text);
  p.setColor(QPalette::BrightText, Qt::red);
  p.setColor(QPalette::Light, window.lighter(150));
  p.setColor(QPalette::Midlight, window.lighter(125));
  p.setColor(QPalette::Mid, window.lighter(170));
  p.setColor(QPalette::Dark, base.darker(150));
  p.setColor(QPalette::Shadow, Qt::black);
  p.setColor(QPalette::Highlight, QColor(42, 130, 218));
  p.setColor(QPalette::HighlightedText, Qt::white);
  p.setColor(QPalette::Link, QColor(90, 160, 240));
  for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
    p.setColor(QPalette::Disabled, role, disabled);
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  grok::set_up_process(argv);
  QApplication app(argc, argv);
  Q_INIT_RESOURCE(grokking);  // the .qrc lives in the static grok_ui library
  QApplication::setApplicationName("Grokking Lab");
  QApplication::setOrganizationName("Grokking Lab");
  QApplication::setApplicationVersion(grok::version());
  QCommandLineParser parser;
  parser.setApplicationDescription(
      "Watch neural networks grok: modular arithmetic, Power et al.'s operations and finite groups, on the "
      "paper's transformer (any attention rate) or the MLPs of Chughtai et al. and Gromov, live as they train "
      "and checkpoint by checkpoint after.");
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addPositionalArgument("run",
                               "A run file (.grok) to open, or a PyTorch checkpoint (.pt, .pth) to import; a sweep "
                               "folder or several run files to compare.");
  const QCommandLineOption reference(
      "reference", "Draw the run BASE (a baseline) under the open run's curves, as File > Overlay reference run does.",
      "BASE");
  parser.addOption(reference);
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
  const QCommandLineOption scrubPause("scrub-pause",
                                      "With --bench-scrub: wait MS after each step is drawn (default 0).", "MS", "0");
  parser.addOption(scrubPause);
  const QCommandLineOption scrubRandom("scrub-random",
                                       "With --bench-scrub: jump to a random checkpoint each step (seeded) instead of "
                                       "stepping back one.");
  parser.addOption(scrubRandom);
  const QCommandLineOption scrubCache("scrub-cache",
                                      "With --bench-scrub: the results cache to use (check tables and neuron "
                                      "frequencies kept between visits); default: a new, empty one.",
                                      "FILE");
  parser.addOption(scrubCache);
  const QCommandLineOption train("train", "Start training PRESET from the window, as Start does.", "PRESET");
  parser.addOption(train);
  const QCommandLineOption out("out", "With --train: the run file to create (default: the run panel's).", "FILE");
  parser.addOption(out);
  const QCommandLineOption shotEpoch(
      "screenshot-epoch", "With --train and --screenshot: shoot once the views show checkpoint E or later.", "E");
  parser.addOption(shotEpoch);
  const QCommandLineOption runSweep("run-sweep",
                                    "With a sweep folder: train it from the Compare view, as Run sweep does.");
  parser.addOption(runSweep);
  const QCommandLineOption shotAfter("screenshot-after",
                                     "With a sweep folder or run files and --screenshot: shoot SECONDS after opening "
                                     "(default: once the runs are read); a sweep running stops first.",
                                     "SECONDS");
  parser.addOption(shotAfter);
  const QCommandLineOption exportFigures(
      "export-figures",
      "With a sweep folder or run files: once the runs are read, write every Compare figure (epochs to grok, phase "
      "diagram, the overlays) into DIR as NAME.png and NAME.svg, as the view's export does, then exit.",
      "DIR");
  parser.addOption(exportFigures);
  const QCommandLineOption grokAgainst(
      "grok-against", "With a sweep folder: the Compare view's \"Epochs to grok against\" field (default: the first).",
      "FIELD");
  parser.addOption(grokAgainst);
  const QCommandLineOption phaseColour(
      "phase-colour",
      "With a sweep folder: what the phase diagram colours by (\"phase with label noise (Doshi et al.)\", or a "
      "per-run figure such as gradient_symmetricity, grok_epoch, final_train_acc).",
      "WHAT");
  parser.addOption(phaseColour);
  const QCommandLineOption raiseDock(
      "raise-dock", "Show the dock NAME on top of its tab group, e.g. numerics (behind the progress measures).",
      "NAME");
  parser.addOption(raiseDock);
  const QCommandLineOption forkAt("fork",
                                  "With a run file: scrub to its checkpoint E and show the Fork dialog, as Run > Fork "
                                  "from here... does; with --screenshot, shoot the dialog and exit.",
                                  "E");
  parser.addOption(forkAt);
  const QCommandLineOption forkSet("fork-set", "With --fork: type VALUE into the dialog's field KEY (repeatable).",
                                   "KEY=VALUE");
  parser.addOption(forkSet);
  const QCommandLineOption epochAt("epoch", "With a run file: scrub to its checkpoint E (the nearest).", "E");
  parser.addOption(epochAt);
  const QCommandLineOption theme("theme", "Use a light or dark palette instead of the system's (light|dark).", "THEME");
  parser.addOption(theme);
  const grok::AnimationOptions animation;
  animation.add(parser);
  parser.process(app);
  if (parser.isSet(theme)) {
    const QString t = parser.value(theme);
    if (t != "light" && t != "dark") {
      std::fprintf(stderr, "--theme: '%s' is not light or dark\n", qPrintable(t));
      return 2;
    }
    QApplication::setStyle("Fusion");  // draws with the palette given; native styles may not
    QApplication::setPalette(t == "dark" ? darkPalette() : QApplication::style()->standardPalette());
  }
  // The benchmarks measure the dashboard as it is made to be seen: the default layout at its
  // full size (whatever the screen; offscreen's is 800x600), with settings of their
  // own, so that a user's saved layout neither changes the numbers nor is changed by them.
  const bool benchmark = parser.isSet(scrub) || parser.isSet(bench);
  QTemporaryDir benchSettings;
  if (benchmark) QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, benchSettings.path());
  grok::MainWindow w;
  if (benchmark || parser.isSet(animation.out)) w.resize(grok::MainWindow::designSize());
  w.show();
  if (parser.isSet(raiseDock)) {
    auto* dock = w.findChild<QDockWidget*>("dock-" + parser.value(raiseDock));
    if (!dock) {
      std::fprintf(stderr, "--raise-dock: no dock '%s'\n", qPrintable(parser.value(raiseDock)));
      return 2;
    }
    dock->show();
    dock->raise();
  }
  std::unique_ptr<grok::ScrubBench> scrub_bench;
  if (parser.isSet(scrub)) {
    const int steps = parser.value(scrub).toInt();
    bool pause_ok = false;
    const int pause = parser.value(scrubPause).toInt(&pause_ok);
    if (steps < 1 || !pause_ok || pause < 0 || parser.positionalArguments().isEmpty()) {
      std::fprintf(stderr, "--bench-scrub: give a number of steps >= 1, a pause >= 0 ms and a run file\n");
      return 2;
    }
    QTemporaryDir empty;  // a cache of no visits: every checkpoint is computed
    w.viewer()->views()->service()->setResultsCache(parser.isSet(scrubCache) ? parser.value(scrubCache)
                                                                             : empty.filePath("results.sqlite"));
    std::printf("results cache: %s\n", parser.isSet(scrubCache) ? qPrintable(parser.value(scrubCache)) : "empty");
    scrub_bench = std::make_unique<grok::ScrubBench>(w, parser.positionalArguments().first(), steps, pause,
                                                     parser.isSet(scrubRandom));
    scrub_bench->start();
    return app.exec();
  }
  QTemporaryDir dir;  // outlives the event loop
  const QStringList args = parser.positionalArguments();
  const bool compare =
      args.size() > 1 || (args.size() == 1 && grok::Sweep::is_sweep_folder(args.first().toStdString()));
  if (compare) {
    if (!w.openCompare(args, parser.isSet(screenshot)) && parser.isSet(screenshot)) {
      std::fprintf(stderr, "error: %s\n", qPrintable(w.lastError()));
      return 2;
    }
  } else if (!args.isEmpty()) {
    // A file the window cannot open: with --screenshot (no one to read a dialog) one line, exit 2,
    // as grokking-cli refuses it.
    if (!w.openRun(args.first(), parser.isSet(screenshot)) && parser.isSet(screenshot)) {
      std::fprintf(stderr, "error: %s\n", qPrintable(w.lastError()));
      return 2;
    }
    if (parser.isSet(epochAt)) w.viewer()->scrubber()->setEpoch(parser.value(epochAt).toInt());
  }
  // A .pt/.pth opens the import dialog; with --screenshot it is what is shot.
  QDialog* importDialog = w.findChild<grok::ImportDialog*>("import-dialog");
  if (parser.isSet(reference) && !w.setReference(parser.value(reference), parser.isSet(screenshot)))
    std::fprintf(stderr, "--reference: %s\n", qPrintable(w.lastError()));
  grok::ForkDialog* forkDialog = nullptr;
  if (parser.isSet(forkAt)) {
    if (compare || w.runPath().isEmpty()) {
      std::fprintf(stderr, "--fork: give a run file to fork\n");
      return 2;
    }
    w.viewer()->scrubber()->setEpoch(parser.value(forkAt).toInt());
    if (!(forkDialog = w.forkFromHere())) return 1;
    for (const QString& kv : parser.values(forkSet)) forkDialog->setField(kv.section('=', 0, 0), kv.section('=', 1));
  }
  if (parser.isSet(train)) {
    if (!w.runPanel()->selectPreset(parser.value(train))) {
      std::fprintf(stderr, "--train: no preset '%s'\n", qPrintable(parser.value(train)));
      return 2;
    }
    if (parser.isSet(out)) w.runPanel()->setField("path", parser.value(out));
    w.startTraining();
    if (!w.training()) {
      std::fprintf(stderr, "--train: %s\n", qPrintable(w.lastError()));
      return 1;
    }
  }
  if (compare && parser.isSet(runSweep)) {
    if (const QString err = w.compare()->startSweep(); !err.isEmpty()) {
      std::fprintf(stderr, "--run-sweep: %s\n", qPrintable(err));
      return 1;
    }
  }
  if (parser.isSet(exportFigures) && compare) {
    QObject::connect(w.compare(), &grok::CompareView::refreshed, &w, [&] {
      static bool done = false;
      if (std::exchange(done, true)) return;
      if (parser.isSet(grokAgainst)) w.compare()->setGrokField(parser.value(grokAgainst));
      if (parser.isSet(phaseColour)) w.compare()->setPhaseColouring(parser.value(phaseColour));
      const QString err = grok::exportWidgets(w.compare()->figures(), parser.value(exportFigures));
      if (!err.isEmpty()) std::fprintf(stderr, "--export-figures: %s\n", qPrintable(err));
      QApplication::exit(err.isEmpty() ? 0 : 1);
    });
  } else if (parser.isSet(screenshot) && (forkDialog || importDialog)) {
    QTimer::singleShot(800, &w, [&] {
      QDialog* d = forkDialog ? static_cast<QDialog*>(forkDialog) : importDialog;
      const bool ok = d->grab().save(parser.value(screenshot));
      if (!ok) qCritical("cannot write %s", qPrintable(parser.value(screenshot)));
      QApplication::exit(ok ? 0 : 1);
    });
  } else if (parser.isSet(screenshot) && compare) {
    // The Compare view (its dock is a window of its own) once its runs are read, or after
    // --screenshot-after seconds; a sweep it trains stops first, committing its runs.
    static bool shot = false;
    auto shoot = [&] {
      if (std::exchange(shot, true)) return;
      const bool ok = w.compareDock()->grab().save(parser.value(screenshot));
      if (!ok) qCritical("cannot write %s", qPrintable(parser.value(screenshot)));
      if (w.compare()->stopBeforeClose([ok] { QApplication::exit(ok ? 0 : 1); })) QApplication::exit(ok ? 0 : 1);
    };
    if (parser.isSet(shotAfter))
      QTimer::singleShot(static_cast<int>(parser.value(shotAfter).toDouble() * 1000), &w, shoot);
    else
      QObject::connect(w.compare(), &grok::CompareView::refreshed, &w, [&] { QTimer::singleShot(800, &w, shoot); });
  } else if (parser.isSet(screenshot)) {
    // Once the check table (the last view to fill) shows the opened checkpoint, or with --train the
    // first checkpoint at or after --screenshot-epoch: grab what the user sees, then quit (a
    // training run stops first, committing its file as a user's Stop does).
    const int at = parser.isSet(train) ? parser.value(shotEpoch).toInt() : -1;
    static bool shot = false;
    auto shoot = [&] {
      if (shot) return;
      shot = true;
      const bool ok = w.grab().save(parser.value(screenshot));
      if (!ok) qCritical("cannot write %s", qPrintable(parser.value(screenshot)));
      if (!w.training()) return QApplication::exit(ok ? 0 : 1);
      QObject::connect(&w, &grok::MainWindow::trainingFinished, &w, [ok] { QApplication::exit(ok ? 0 : 1); });
      w.stopTraining();
    };
    QObject::connect(&w, &grok::MainWindow::checksShown, &w, [&, at](int epoch) {
      if (epoch >= at) QTimer::singleShot(300, &w, shoot);
    });
    if (!parser.isSet(train)) QTimer::singleShot(parser.positionalArguments().isEmpty() ? 500 : 20000, &w, shoot);
    QObject::connect(&w, &grok::MainWindow::trainingFinished, &w, shoot);  // ended before epoch E
  }
  if (parser.isSet(animation.out)) {
    if (compare || parser.isSet(screenshot) || parser.isSet(train))
      return std::fprintf(stderr, "--export-animation: give one run file, without --screenshot or --train\n"), 2;
    // Once the dashboard has its layout (applied after the window is first shown): the frame size
    // defaults to the view's.
    QTimer::singleShot(0, &w, [&] {
      if (const int refused = grok::startAnimationExport(w, parser, animation)) QApplication::exit(refused);
    });
  }
  std::unique_ptr<grok::TrainingBench> training_bench;
  if (parser.isSet(bench)) {
    const int seconds = parser.value(bench).toInt();
    if (seconds < 3) {
      std::fprintf(stderr, "--bench-training: '%s' is not a number of seconds >= 3\n", qPrintable(parser.value(bench)));
      return 2;
    }
    training_bench = std::make_unique<grok::TrainingBench>(w, seconds, /*rounds=*/12,
                                                           QCoreApplication::applicationDirPath() + "/grokking-cli",
                                                           dir.filePath("bench.grok"));
    training_bench->start();
  }
  return app.exec();
}
