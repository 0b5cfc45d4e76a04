// grokking-cli as a user drives it: exit codes, one-line errors, no file on bad input, and a run
// that survives SIGKILL and Ctrl-C and resumes to exactly the uninterrupted result.
#include <QtTest>

#include <sqlite3.h>
#include <sys/resource.h>

#include <csignal>
#include <functional>

#include "cli_test_util.h"
#include "core/store/run_store.h"
#include "core/training/trainer.h"
#include "test_util.h"

using namespace grok;

namespace {

using Result = test::CliResult;
using test::cli;

void write_file(const QString& path, const QByteArray& bytes) {
  QFile f(path);
  if (!f.open(QIODevice::WriteOnly)) qFatal("cannot write %s", qPrintable(path));
  f.write(bytes);
}

// A small model that trains in milliseconds per epoch.
QString small_config(const test::ScratchDir& dir, int epochs) {
  const QString path = dir.qfile("small.json");
  QFile f(path);
  if (!f.open(QIODevice::WriteOnly)) qFatal("cannot write %s", qPrintable(path));
  f.write(QString(R"({"p": 23, "train_fraction": 0.5, "d_model": 32, "n_heads": 4, "d_head": 8, "d_mlp": 64,
                      "epochs": %1, "checkpoint_interval": 50, "test_interval": 5})")
              .arg(epochs)
              .toUtf8());
  return path;
}

// Reads the child's plain progress lines until one reports checkpoint `epoch`; no sleeping.
void wait_for_checkpoint(QProcess& p, int epoch) {
  const QString want = QString("checkpoint %1/").arg(epoch);
  QString seen;
  while (!seen.contains(want)) {
    if (!p.waitForReadyRead(120000)) qFatal("no checkpoint %d line; got: %s", epoch, qPrintable(seen.right(300)));
    seen += QString::fromUtf8(p.readAllStandardOutput());
  }
}

void expect_same_run(const QString& a, const QString& b) {
  const RunStore sa = RunStore::open(a.toStdString()), sb = RunStore::open(b.toStdString());
  const auto ma = sa.metrics(), mb = sb.metrics();
  QCOMPARE(ma.size(), mb.size());
  for (std::size_t i = 0; i < ma.size(); i++) {
    QCOMPARE(ma[i].epoch, mb[i].epoch);
    QCOMPARE(ma[i].train_loss, mb[i].train_loss);
  }
  const int last = sa.checkpoint_epochs().back();
  const auto wa = sa.load_checkpoint(last), wb = sb.load_checkpoint(last);
  for (std::size_t i = 0; i < wa.size(); i++) QVERIFY2(wa[i].bytes == wb[i].bytes, wa[i].name.c_str());
}

void expect_one_line_error(const Result& r, int code, const QString& phrase) {
  QCOMPARE(r.code, code);
  const QString err = r.err.trimmed();
  QVERIFY2(err.startsWith("error: ") && !err.contains('\n'), qPrintable(err));
  QVERIFY2(err.contains(phrase), qPrintable(err));
}

}  // namespace

class TestCli : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void helpEverywhere() {
    QVERIFY(cli({"--help"}).out.contains("usage: grokking-cli"));
    for (const char* cmd : {"train", "resume", "info", "analyze", "export-csv", "bench", "presets"}) {
      const Result r = cli({cmd, "--help"});
      QCOMPARE(r.code, 0);
      QVERIFY2(r.out.contains("usage: grokking-cli"), cmd);
    }
    QCOMPARE(cli({}).code, 2);
    expect_one_line_error(cli({"fly"}), 2, "unknown command");
  }

  void presetsAreListed() {
    const Result r = cli({"presets"});
    QCOMPARE(r.code, 0);
    for (const char* p : {"mainline", "quick", "no-weight-decay", "dropout", "two-layer", "subtract"})
      QVERIFY2(r.out.contains(p), p);
  }

  void badInputIsOneLineAndNoFile_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("phrase");
    QTest::newRow("even p") << QStringList{"--set", "p=100"} << "p: got 100 (allowed: odd integer 3..1021)";
    QTest::newRow("unknown key") << QStringList{"--set", "learning_rate=1"} << "learning_rate: unknown key";
    QTest::newRow("fraction") << QStringList{"--set", "train_fraction=1.5"} << "train_fraction: got 1.5";
    QTest::newRow("heads") << QStringList{"--set", "n_heads=3"} << "d_model: 128 is not divisible by n_heads=3";
    QTest::newRow("preset") << QStringList{"--preset", "fast"} << "preset: unknown name \"fast\"";
    QTest::newRow("threads") << QStringList{"--threads", "zero"} << "--threads: expected an integer";
    QTest::newRow("option") << QStringList{"--epochs", "5"} << "unknown option --epochs";
  }
  void badInputIsOneLineAndNoFile() {
    QFETCH(QStringList, args);
    QFETCH(QString, phrase);
    test::ScratchDir dir;
    const QString out = dir.qfile("bad.grok");
    expect_one_line_error(cli(QStringList{"train"} + args + QStringList{"--out", out}), 2, phrase);
    QVERIFY(!QFile::exists(out));
  }

  void refusesExistingOutput() {
    test::ScratchDir dir;
    const QString out = dir.qfile("keep.grok");
    write_file(out, "precious");
    expect_one_line_error(cli({"train", "--config", small_config(dir, 10), "--out", out}), 2, "file exists");
    QFile g(out);
    QVERIFY(g.open(QIODevice::ReadOnly));
    QCOMPARE(g.readAll(), QByteArray("precious"));
    g.close();
    QCOMPARE(cli({"train", "--config", small_config(dir, 10), "--out", out, "--force", "--threads", "1"}).code, 0);
  }

  void trainInfoExport() {
    test::ScratchDir dir;
    const QString run = dir.qfile("run.grok");
    const Result t = cli({"train", "--config", small_config(dir, 100), "--out", run, "--threads", "1"});
    QCOMPARE(t.code, 0);
    QVERIFY(t.out.contains("checkpoint 100/100"));  // plain lines when stdout is not a TTY
    QVERIFY(t.out.contains("done: 100 epochs"));
    const Result info = cli({"info", run});
    QCOMPARE(info.code, 0);
    QVERIFY2(info.out.contains("complete at epoch 100 of 100"), qPrintable(info.out));
    QVERIFY(info.out.contains("checkpoints   3, epochs 0..100"));
    QVERIFY(info.out.contains("kernels       version " + QString::number(kKernelVersion) + "\n"));
    QVERIFY(!info.out.contains("view results"));  // none: the window did not train it
    RunStore::open(run.toStdString(), RunStore::Mode::ReadWrite).store_view_results(100, "k", {1});
    QVERIFY(cli({"info", run}).out.contains("view results  1 ("));
    const QString csv = dir.qfile("m.csv");
    QCOMPARE(cli({"export-csv", run, "--out", csv}).code, 0);
    QFile f(csv);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(f.readAll()).trimmed().split('\n');
    QCOMPARE(lines.size(), 102);
    QCOMPARE(
        lines[0],
        QString("epoch,train_loss,train_acc,test_loss,test_acc,lr,train_acc_true,corrupted_acc,corrupted_acc_true"));
    const QStringList row = lines[2].split(',');
    QCOMPARE(row.size(), 9);
    QCOMPARE(row[6], row[2]);  // train_acc_true: train_acc, no label noise
    QCOMPARE(row[7], QString());
    QCOMPARE(cli({"resume", run}).code, 0);  // already complete: says so
  }

  void survivesSigkillAndResumesExactly() {
    test::ScratchDir dir;
    const QString cfg = small_config(dir, 1500);
    const QString full = dir.qfile("full.grok"), killed = dir.qfile("killed.grok");
    QCOMPARE(cli({"train", "--config", cfg, "--out", full, "--threads", "1"}).code, 0);

    QProcess p;
    p.start(GROKKING_CLI, {"train", "--config", cfg, "--out", killed, "--threads", "1"});
    QVERIFY(p.waitForStarted());
    wait_for_checkpoint(p, 400);
    ::kill(static_cast<pid_t>(p.processId()), SIGKILL);
    QVERIFY(p.waitForFinished());
    QCOMPARE(p.exitStatus(), QProcess::CrashExit);

    const Result info = cli({"info", killed});
    QCOMPARE(info.code, 0);
    QVERIFY2(info.out.contains("resumable"), qPrintable(info.out));
    {
      const RunStore s = RunStore::open(killed.toStdString());
      const auto ck = s.checkpoint_epochs();
      QVERIFY(ck.back() >= 400 && ck.back() < 1500);
      for (int e = 0; e <= 400; e += 50) QVERIFY(std::find(ck.begin(), ck.end(), e) != ck.end());
    }
    const Result r = cli({"resume", killed, "--threads", "1"});
    QCOMPARE(r.code, 0);
    expect_same_run(full, killed);
  }

  void ctrlCCommitsAndStops() {
    test::ScratchDir dir;
    const QString run = dir.qfile("int.grok");
    QProcess p;
    p.start(GROKKING_CLI, {"train", "--config", small_config(dir, 100000), "--out", run, "--threads", "1"});
    QVERIFY(p.waitForStarted());
    wait_for_checkpoint(p, 200);
    ::kill(static_cast<pid_t>(p.processId()), SIGINT);
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QCOMPARE(p.exitCode(), 130);
    const QString out = QString::fromUtf8(p.readAllStandardOutput());
    QRegularExpression re("stopped: checkpoint committed at epoch (\\d+)");
    const auto m = re.match(out);
    QVERIFY2(m.hasMatch(), qPrintable(out.right(300)));
    const RunStore s = RunStore::open(run.toStdString());
    QCOMPARE(s.checkpoint_epochs().back(), m.captured(1).toInt());
    QCOMPARE(s.load_resume_state()->epoch, m.captured(1).toInt());
  }

  void analyzeReportsAndValidates() {
    test::ScratchDir dir;
    const QString run = dir.qfile("a.grok");
    QCOMPARE(cli({"train", "--config", small_config(dir, 100), "--out", run, "--threads", "1"}).code, 0);
    const Result text = cli({"analyze", run});
    QCOMPARE(text.code, 0);
    for (const char* line : {"checkpoint", "key freqs", "Gini", "restricted", "excluded", "neurons"})
      QVERIFY2(text.out.contains(line), line);
    const Result json = cli({"analyze", run, "--epoch", "50", "--key-freqs", "3,5", "--json"});
    QCOMPARE(json.code, 0);
    const QJsonObject o = QJsonDocument::fromJson(json.out.toUtf8()).object();
    QCOMPARE(o["epoch"].toInt(), 50);
    QCOMPARE(o["key_freqs_used"].toArray().size(), 2);
    QCOMPARE(o["wl_fourier_norms"].toArray().size(), 23);
    QCOMPARE(o["neuron_fve"].toArray().size(), 64);
    expect_one_line_error(cli({"analyze", run, "--key-freqs", "3,12"}), 2, "\"12\" is not a frequency of Z_23");
    // --all fills the measures table once, for every checkpoint (0, 50, 100), and only once.
    const Result all = cli({"analyze", run, "--all", "--key-freqs", "final"});
    QCOMPARE(all.code, 0);
    QVERIFY2(all.out.contains("of 3 checkpoints"), qPrintable(all.out));
    QVERIFY(cli({"analyze", run, "--all", "--key-freqs", "final"}).out.contains("of 0 checkpoints"));
    const auto stored = RunStore::open(run.toStdString()).load_measures(KeySelection::Final);
    QCOMPARE(stored.size(), std::size_t(3));
    QVERIFY(stored[2].values.count("restricted_loss_test") && stored[2].values.count("gini_wl"));
    expect_one_line_error(cli({"analyze", run, "--epoch", "7"}), 2, "no checkpoint at epoch 7");
  }

  void damagedFilesAreRefused() {
    test::ScratchDir dir;
    const QString bad = dir.qfile("bad.grok");
    write_file(bad, "this is not a run");
    for (const char* cmd : {"info", "export-csv", "resume", "analyze"})
      expect_one_line_error(cli({cmd, bad}), 2, "not a Grokking Lab run file");
    expect_one_line_error(cli({"info", dir.qfile("missing.grok")}), 2, "no such file");
  }

  // One version string, the CMake project's: --version prints it and every new run stores it.
  void versionIsTheProjects() {
    const Result v = cli({"--version"});
    QCOMPARE(v.code, 0);
    QCOMPARE(v.out, QString("grokking-cli (Grokking Lab) " GROK_PROJECT_VERSION "\n"));
    QVERIFY(cli({"--help"}).out.contains("grokking-cli --version"));
    test::ScratchDir dir;
    const QString run = dir.qfile("v.grok");
    QCOMPARE(cli({"train", "--config", small_config(dir, 1), "--out", run, "--threads", "1"}).code, 0);
    QCOMPARE(RunStore::open(run.toStdString()).meta("app_version"), std::string(GROK_PROJECT_VERSION));
    QVERIFY(cli({"info", run}).out.contains("Grokking Lab " GROK_PROJECT_VERSION ", LibTorch"));
  }

  // The exit code follows the kind of run file problem: 1 when the machine fails while writing
  // (I/O error, disk full), 2 for a file that cannot be used as asked.
  void exitCodesByKind() {
    test::ScratchDir dir;
    const QString run = dir.qfile("run.grok"), cfg = small_config(dir, 50);
    QCOMPARE(cli({"train", "--config", cfg, "--out", run, "--threads", "1"}).code, 0);
    QFile in(run);
    QVERIFY(in.open(QIODevice::ReadOnly));
    const QByteArray bytes = in.readAll();
    write_file(dir.qfile("cut.grok"), bytes.left(1000));
    write_file(dir.qfile("newer.grok"), bytes);
    sqlite3* db = nullptr;
    QCOMPARE(sqlite3_open(dir.file("newer.grok").c_str(), &db), SQLITE_OK);
    QCOMPARE(sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
    write_file(dir.qfile("empty.grok"), bytes);
    test::remove_checkpoints(dir.file("empty.grok"));

    expect_one_line_error(cli({"info", dir.qfile("missing.grok")}), 2, "no such file");
    expect_one_line_error(cli({"info", cfg}), 2, "not a Grokking Lab run file");
    expect_one_line_error(cli({"info", dir.qfile("cut.grok")}), 2, "damaged run file");
    expect_one_line_error(cli({"info", dir.qfile("newer.grok")}), 2, "written by a newer Grokking Lab");
    expect_one_line_error(cli({"train", "--config", cfg, "--out", run}), 2, "file exists");
    expect_one_line_error(cli({"train", "--config", cfg, "--out", "/nonexistent-dir/r.grok"}), 2, "cannot write");
    expect_one_line_error(cli({"analyze", dir.qfile("empty.grok")}), 2, "holds no checkpoint");
    expect_one_line_error(cli({"resume", dir.qfile("empty.grok")}), 2, "holds no checkpoint");
    // A file size limit (ulimit -f 0): the first write fails with EFBIG, an I/O error.
    const Result io =
        cli({"train", "--config", cfg, "--out", dir.qfile("io.grok")}, QProcessEnvironment::systemEnvironment(), [] {
          std::signal(SIGXFSZ, SIG_IGN);
          const rlimit none{0, 0};
          setrlimit(RLIMIT_FSIZE, &none);
        });
    expect_one_line_error(io, 1, "I/O error");
    // Another program holds the write lock past the busy timeout (5 s).
    QCOMPARE(sqlite3_open(run.toStdString().c_str(), &db), SQLITE_OK);
    QCOMPARE(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
    expect_one_line_error(cli({"resume", run, "--epochs", "100", "--threads", "1"}), 2, "database is locked");
    sqlite3_close(db);
  }

  void benchRuns() {
    const Result r = cli({"bench", "--set", "p=23", "--repeats", "3", "--threads", "1"});
    QCOMPARE(r.code, 0);
    for (const char* line : {"training step (fast path)", "test evaluation (fast path)", "training step (plain path)",
                             "ceiling", "threads 1"})
      QVERIFY2(r.out.contains(line), line);
    // Which arithmetic the numbers are of (trainer.h).
    QVERIFY(r.out.contains("training kernel version " + QString::number(kKernelVersion) + "\n"));
    // Any task: one of Power's polynomials has a step, a floor and a ratio, and no views to time.
    const Result poly = cli({"bench", "--set", "task=x2+xy+y2+x", "--set", "p=23", "--repeats", "2", "--threads", "1"});
    QCOMPARE(poly.code, 0);
    QVERIFY2(poly.out.contains("x the floor)") && poly.out.contains("analysis: none to time ("), qPrintable(poly.out));
  }

  // OpenBLAS's kernel family, as the bench's BLAS line names it: never the SSE3 "Prescott"
  // fallback on a CPU with AVX2 (core/runtime/blas_kernels.h), and what the user forces when they do.
  void openblasKernels() {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove("OPENBLAS_CORETYPE");
    const QStringList args = {"bench", "--set", "p=11", "--repeats", "1", "--threads", "1"};
    const Result r = cli(args, env);
    QCOMPARE(r.code, 0);
    // scripts/setup.sh installs OpenBLAS and selects it as libblas.so.3 (the reference BLAS trains ~20x slower).
    QVERIFY2(r.out.contains("kernels)"), qPrintable("BLAS is not OpenBLAS: " + r.out.section('\n', 0, 0)));
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
      QVERIFY2(!r.out.contains("(Prescott kernels)"), qPrintable(r.out));
    env.insert("OPENBLAS_CORETYPE", "Prescott");  // the user's choice wins, even a slow one
    const Result forced = cli(args, env);
    QCOMPARE(forced.code, 0);
    QVERIFY2(forced.out.contains("(Prescott kernels)"), qPrintable(forced.out));
  }
};

GROK_TEST_MAIN(TestCli, QCoreApplication)
#include "test_cli.moc"
