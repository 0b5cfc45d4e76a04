// `grokking-cli bench --throughput --load N` as a user runs it: both figures side by side, and no
// busy process left behind, whether the benchmark ends normally or is killed.
#include <QtTest>

#include <signal.h>

#include <cerrno>
#include <fstream>
#include <string>

#include "test_util.h"

namespace {

// A model that times in milliseconds: p = 23, narrow MLP.
const QStringList kTiny = {"bench", "--throughput", "--set", "p=23", "--set", "d_mlp=64", "--set", "d_model=32"};

// The pids the benchmark names in "busy processes started (pid 123 456)".
QList<pid_t> busy_pids(const QString& out) {
  QList<pid_t> pids;
  const auto m = QRegularExpression(R"(busy processes started \(pid([ 0-9]+)\))").match(out);
  for (const QString& s : m.captured(1).split(' ', Qt::SkipEmptyParts)) pids << static_cast<pid_t>(s.toInt());
  return pids;
}

// Neither running nor runnable: gone, or a zombie its new parent has not reaped yet.
bool not_busy(pid_t pid) {
  if (kill(pid, 0) != 0 && errno == ESRCH) return true;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
}

}  // namespace

class TestBenchLoad : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void printsBothFiguresAndReapsItsLoad() {
    QProcess p;
    p.start(GROKKING_CLI, kTiny + QStringList{"--load", "1", "--repeats", "3"});
    QVERIFY(p.waitForFinished(300000));
    const QString out = QString::fromUtf8(p.readAllStandardOutput());
    QCOMPARE(p.exitCode(), 0);
    const auto m =
        QRegularExpression(R"(training throughput\s+([0-9.]+) epochs/s\s+([0-9.]+) epochs/s\s+\((\d+) % of alone\))")
            .match(out);
    QVERIFY2(m.hasMatch(), qPrintable(out));
    QVERIFY(m.captured(1).toDouble() > 0 && m.captured(2).toDouble() > 0);
    QVERIFY2(out.contains("beside 1 busy process"), qPrintable(out));
    const QList<pid_t> pids = busy_pids(out);
    QCOMPARE(pids.size(), 1);
    // The benchmark has killed and reaped its child before it printed the figures: the pid is gone.
    for (const pid_t pid : pids) QVERIFY2(kill(pid, 0) != 0 && errno == ESRCH, qPrintable(QString::number(pid)));
  }

  void killedBenchmarkLeavesNoLoad() {
    QProcess p;
    // Long enough that the measurement beside the load is still under way when the pids appear.
    p.start(GROKKING_CLI, kTiny + QStringList{"--load", "2", "--repeats", "2000"});
    QVERIFY(p.waitForStarted());
    QString out;
    while (busy_pids(out).isEmpty()) {
      QVERIFY2(p.waitForReadyRead(120000), qPrintable(out));
      out += QString::fromUtf8(p.readAllStandardOutput());
    }
    const QList<pid_t> pids = busy_pids(out);
    QCOMPARE(pids.size(), 2);
    for (const pid_t pid : pids) QVERIFY(!not_busy(pid));  // spinning while it measures
    p.kill();  // SIGKILL: no destructor runs; the children die with their parent
    QVERIFY(p.waitForFinished(60000));
    for (const pid_t pid : pids) QTRY_VERIFY_WITH_TIMEOUT(not_busy(pid), 10000);
  }

  void loadGoesWithThroughput() {
    QProcess p;
    p.start(GROKKING_CLI, {"bench", "--load", "1"});
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 2);
    QVERIFY(QString::fromUtf8(p.readAllStandardError()).contains("add --throughput"));
  }
};

GROK_TEST_MAIN(TestBenchLoad, QCoreApplication)
#include "test_bench_load.moc"
