// grokking-cli sweep and compare as a user drives them: a bad spec creates nothing, a sweep of
// tiny runs trains two at a time, survives SIGKILL and Ctrl-C and continues, status and summary
// read it, compare reads any run files.
#include <QtTest>

#include <csignal>
#include <filesystem>

#include "cli_test_util.h"
#include "core/experiments/sweep.h"
#include "core/store/run_store.h"
#include "test_util.h"

using namespace grok;

namespace {

using Result = test::CliResult;
using test::cli;

QString write_spec(const test::ScratchDir& dir, const QString& name, int epochs, const QString& grid) {
  const QString path = dir.qfile(name);
  QFile f(path);
  if (!f.open(QIODevice::WriteOnly)) qFatal("cannot write %s", qPrintable(path));
  f.write(QString("{\"base\": {\"set\": {\"p\": 11, \"d_model\": 32, \"n_heads\": 2, \"d_head\": 16, \"d_mlp\": 64, "
                  "\"epochs\": %1, \"checkpoint_interval\": 20, \"test_interval\": 5}}, %2}")
              .arg(epochs)
              .arg(grid)
              .toUtf8());
  return path;
}

// Reads the child's output until it holds `want`; no sleeping.
QString wait_for_output(QProcess& p, const QString& want) {
  QString seen;
  while (!seen.contains(want)) {
    if (!p.waitForReadyRead(120000)) qFatal("no \"%s\"; got: %s", qPrintable(want), qPrintable(seen.right(300)));
    seen += QString::fromUtf8(p.readAllStandardOutput());
  }
  return seen;
}

// The newest checkpoint of a run file another process is writing (-1 before the first).
int newest_checkpoint(const std::string& path) {
  if (!std::filesystem::exists(path)) return -1;
  try {
    const auto ck = RunStore::open(path).checkpoint_epochs();
    return ck.empty() ? -1 : ck.back();
  } catch (const RunFileError&) {
    return -1;  // still being created
  }
}

}  // namespace

class TestCliSweep : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void badSpecCreatesNothing() {
    test::ScratchDir dir;
    const QString spec = write_spec(dir, "bad.json", 100, "\"grid\": {\"train_fraction\": [0.5, 2]}");
    const Result r = cli({"sweep", "init", spec, "--out", dir.qfile("s")});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("grid.train_fraction[1]: train_fraction:"), qPrintable(r.err));
    QCOMPARE(r.err.count('\n'), 1);
    QCOMPARE(QDir(dir.qfile("")).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden),
             QStringList{"bad.json"});
    QCOMPARE(cli({"sweep", "status", dir.qfile("nope")}).code, 2);
    QCOMPARE(cli({"sweep", "frobnicate"}).code, 2);
    QCOMPARE(cli({"sweep", "run", "--help"}).code, 0);
  }

  // Two at a time, one thread each; killed with SIGKILL mid-run and run again, the sweep continues
  // from the run's checkpoint; then status, summary and compare read it.
  void runsTwoAtATimeAndSurvivesAKill() {
    test::ScratchDir dir;
    const QString spec =
        write_spec(dir, "s.json", 400, "\"grid\": {\"train_fraction\": [0.4, 0.6]}, \"seeds\": [0, 1]");
    const QString sweep = dir.qfile("s");
    Result r = cli({"sweep", "init", spec, "--out", sweep});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains("4 runs, varying train_fraction, seed"), qPrintable(r.out));
    QVERIFY(cli({"sweep", "init", spec, "--out", sweep}).out.contains("nothing changed"));
    const Sweep s = Sweep::open(sweep.toStdString());

    QProcess p;
    p.start(GROKKING_CLI, {"sweep", "run", sweep, "--jobs", "2"});
    wait_for_output(p, "run 1 (train_fraction=0.4 seed=1) started at epoch 0 of 400, 1 thread");
    QVERIFY(QTest::qWaitFor([&] { return newest_checkpoint(s.run_path(0)) >= 100; }, 120000));
    ::kill(static_cast<pid_t>(p.processId()), SIGKILL);
    QVERIFY(p.waitForFinished());
    const SweepRunStatus killed = s.status(0);
    QVERIFY2(killed.epoch >= 100 && killed.epoch < 400, qPrintable(QString::number(killed.epoch)));
    QCOMPARE(killed.state, RunState::Pending);  // the kernel released the dead runner's lock

    r = cli({"sweep", "status", sweep});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains(QRegularExpression(QString("pending +%1/400").arg(killed.epoch))), qPrintable(r.out));

    r = cli({"sweep", "run", sweep, "--jobs", "2"});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains(
                 QString("run 0 (train_fraction=0.4 seed=0) started at epoch %1 of 400, 1 thread").arg(killed.epoch)),
             qPrintable(r.out));
    QVERIFY(r.out.contains("sweep " + sweep + ": 4 of 4 runs complete"));
    for (const SweepRun& run : s.runs()) {
      QCOMPARE(s.status(run.index).state, RunState::Complete);
      QCOMPARE(RunStore::open(s.run_path(run.index)).meta("threads"), std::string("1"));
    }
    // Nothing left to do.
    r = cli({"sweep", "run", sweep});
    QCOMPARE(r.code, 0);
    QVERIFY(!r.out.contains("started"));

    r = cli({"sweep", "status", sweep});
    QVERIFY2(r.out.contains("4 runs: 4 complete, 0 running, 0 pending, 0 failed"), qPrintable(r.out));
    r = cli({"sweep", "summary", sweep, "--csv", dir.qfile("s.csv")});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains("over seeds: median [min, max]"), qPrintable(r.out));
    QFile csv(dir.qfile("s.csv"));
    QVERIFY(csv.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(csv.readAll()).trimmed().split('\n');
    QCOMPARE(lines.size(), 5);
    QVERIFY(lines[0].startsWith("file,train_fraction,seed,complete,last_epoch,stopped_early_at,phase"));
    QVERIFY2(lines[4].contains(",0.6,1,1,400,,"), qPrintable(lines[4]));

    // compare: any run files; the columns are the fields that differ.
    r = cli({"compare", QString::fromStdString(s.run_path(0)), QString::fromStdString(s.run_path(3))});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.startsWith("run      train_fraction  seed"), qPrintable(r.out));
    QCOMPARE(cli({"compare", sweep, "--csv", "-"}).out.trimmed().split('\n').size(), 5);
    QCOMPARE(cli({"compare", dir.qfile("missing.grok")}).code, 2);
  }

  // Ctrl-C: every running run commits a checkpoint, exit 130; run again, it completes.
  void ctrlCStopsEveryRunWithACheckpoint() {
    test::ScratchDir dir;
    const QString spec = write_spec(dir, "s.json", 100000, "\"seeds\": [0, 1]");
    const QString sweep = dir.qfile("s");
    QCOMPARE(cli({"sweep", "init", spec, "--out", sweep}).code, 0);
    const Sweep s = Sweep::open(sweep.toStdString());
    QProcess p;
    p.start(GROKKING_CLI, {"sweep", "run", sweep, "--jobs", "2"});
    wait_for_output(p, "started at epoch 0 of 100000");
    QVERIFY(QTest::qWaitFor([&] { return newest_checkpoint(s.run_path(1)) >= 20; }, 120000));
    ::kill(static_cast<pid_t>(p.processId()), SIGINT);
    QVERIFY(p.waitForFinished(120000));
    QCOMPARE(p.exitCode(), 130);
    const QString out = QString::fromUtf8(p.readAllStandardOutput());
    QVERIFY2(out.contains("continue with: grokking-cli sweep run"), qPrintable(out));
    for (int i : {0, 1}) {
      const SweepRunStatus st = s.status(i);
      QVERIFY2(st.state == RunState::Pending, st.error.c_str());
      QVERIFY(st.epoch > 0);
      // The checkpoint holds the weights after the last update: every epoch trained is kept (the
      // metrics of the checkpoint's own epoch are computed when it resumes).
      QCOMPARE(RunStore::open(s.run_path(i)).last_metrics()->epoch, st.epoch - 1);
    }
  }
};

GROK_TEST_MAIN(TestCliSweep, QCoreApplication)
#include "test_cli_sweep.moc"
