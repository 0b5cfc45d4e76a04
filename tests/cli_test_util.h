// Running grokking-cli from a test as a user would: its exit code and both output streams.
#pragma once

#include <QProcess>
#include <QProcessEnvironment>
#include <QStringList>
#include <functional>

namespace grok::test {

struct CliResult {
  int code = -1;  // -1: the process crashed
  QString out, err;
};

// grokking-cli `args` to the end (5 minutes at most); `in_child` runs in the child before it
// starts (resource limits).
inline CliResult cli(const QStringList& args, const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment(),
                     const std::function<void()>& in_child = {}) {
  QProcess p;
  p.setProcessEnvironment(env);
  if (in_child) p.setChildProcessModifier(in_child);
  p.start(GROKKING_CLI, args);
  if (!p.waitForFinished(300000)) qFatal("grokking-cli did not finish: %s", qPrintable(args.join(' ')));
  return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
          QString::fromUtf8(p.readAllStandardError())};
}

}  // namespace grok::test
