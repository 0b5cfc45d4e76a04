// grokking: the desktop app. `grokking [RUN.grok] [--screenshot FILE.png]`.
#include <QApplication>
#include <QCommandLineParser>
#include <QScreen>
#include <QTimer>

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
  parser.process(app);
  grok::MainWindow w;
  w.show();
  if (!parser.positionalArguments().isEmpty()) w.openRun(parser.positionalArguments().first(), parser.isSet(screenshot));
  if (parser.isSet(screenshot)) {
    // After the first paint: grab what the user would see, then quit.
    QTimer::singleShot(300, &w, [&] {
      const bool ok = w.grab().save(parser.value(screenshot));
      if (!ok) qCritical("cannot write %s", qPrintable(parser.value(screenshot)));
      QApplication::exit(ok ? 0 : 1);
    });
  }
  return app.exec();
}
