// grokking: the desktop app. `grokking [RUN.grok]`.
#include <QApplication>
#include <QCommandLineParser>

#include "ui/main_window.h"

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setApplicationName("Grokking Lab");
  QApplication::setOrganizationName("Grokking Lab");
  QApplication::setApplicationVersion("0.1.0");
  QCommandLineParser parser;
  parser.setApplicationDescription("Watch a neural network grok modular addition.");
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addPositionalArgument("run", "A run file (.grok) to open.");
  parser.process(app);
  grok::MainWindow w;
  w.show();
  if (!parser.positionalArguments().isEmpty()) w.openRun(parser.positionalArguments().first());
  return app.exec();
}
