// Every file of the hostile corpus (tests/hostile_corpus.py: shape and dtype mismatches, wrapped
// shapes, views, triggers, an endless view, deep JSON, memo string bombs, deflate bombs, hostile
// sweep manifests, ...) is refused by each program that reads it: info, analyze, export-pt and the
// window's open for run files, resume for a damaged resume state, import and the window's open for
// .pt files, sweep status and the window for sweep folders. Each refusal is one line on stderr,
// exit 2, within 5 s and 512 MiB of peak memory, measured for each child process (wait4). A sweep
// holding one hostile run reports that run failed and goes on (exit 0).
//
// scripts/hostile-corpus.sh runs the same corpus through builds under ASan and UBSan.
#include <QtTest>

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "cli_test_util.h"
#include "test_util.h"

extern char** environ;

using namespace grok;
namespace fs = std::filesystem;

namespace {

struct Measured {
  int code = -1;  // 128 + signal when killed
  QString err;
  double seconds = 0;
  long peak_kib = 0;  // the child's maximum resident set
};

// Runs `argv` to the end with stderr captured (stdout to /dev/null): exit code, time, peak memory.
Measured measure(const QStringList& args) {
  std::vector<std::string> words;
  for (const QString& a : args) words.push_back(a.toStdString());
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  const std::string err_path = (fs::temp_directory_path() / ("corpus-err-" + std::to_string(::getpid()))).string();
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = -1;
  Measured m;
  if (posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ) != 0) return m;
  posix_spawn_file_actions_destroy(&fa);
  int status = 0;
  rusage use{};
  while (wait4(pid, &status, 0, &use) < 0 && errno == EINTR) {
  }
  m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  m.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  m.peak_kib = use.ru_maxrss;
  QFile f(QString::fromStdString(err_path));
  if (f.open(QIODevice::ReadOnly)) m.err = QString::fromUtf8(f.readAll());
  fs::remove(err_path);
  return m;
}

QString describe(const QStringList& args, const Measured& m) {
  return QString("%1: exit %2, %3 s, %4 MiB: %5")
      .arg(args.join(' '))
      .arg(m.code)
      .arg(m.seconds, 0, 'f', 2)
      .arg(m.peak_kib / 1024)
      .arg(m.err.trimmed());
}

}  // namespace

class TestHostileCorpus : public QObject {
  Q_OBJECT
  test::ScratchDir dir_;
  QString corpus_;
  double slowest_ = 0;
  long largest_kib_ = 0;
  QString slowest_what_, largest_what_;
  int refusals_ = 0;

  void rows(const QString& pattern, QDir::Filters kind) {
    QTest::addColumn<QString>("name");
    for (const QString& name : QDir(corpus_).entryList({pattern}, kind, QDir::Name))
      QTest::newRow(qPrintable(name)) << name;
  }

  // One line, exit `code`, in bounds.
  void expect(const QStringList& args, int code) {
    const Measured m = measure(args);
    if (m.seconds > slowest_) slowest_ = m.seconds, slowest_what_ = args.mid(1).join(' ');
    if (m.peak_kib > largest_kib_) largest_kib_ = m.peak_kib, largest_what_ = args.mid(1).join(' ');
    refusals_++;
    QVERIFY2(m.code == code, qPrintable(describe(args, m)));
    if (code != 0)
      QVERIFY2(m.err.trimmed().count('\n') == 0 && m.err.startsWith("error: "), qPrintable(describe(args, m)));
    if (std::getenv("GROK_CORPUS_SANITIZED")) return;  // scripts/hostile-corpus.sh: the sanitizers' own cost
    QVERIFY2(m.seconds < 5, qPrintable(describe(args, m)));
    QVERIFY2(m.peak_kib < 512 * 1024, qPrintable(describe(args, m)));
  }

 private Q_SLOTS:
  void initTestCase() {
    // The window's children headless and quiet: Qt's own warnings about the offscreen platform are
    // not the one line a refusal prints.
    qputenv("QT_QPA_PLATFORM", "offscreen");
    qputenv("QT_LOGGING_RULES", "*.warning=false");
    QVERIFY(QDir().mkpath(dir_.qfile("xdg")));
    QFile::setPermissions(dir_.qfile("xdg"), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    qputenv("XDG_RUNTIME_DIR", dir_.qfile("xdg").toUtf8());
    const std::string seed = dir_.file("seed.grok");
    test::train_run(test::tiny_config(11, 40, 20, 5), seed);
    QCOMPARE(test::cli(
                 {"export-pt", dir_.qfile("seed.grok"), "--all", "--format", "authors", "--out", dir_.qfile("seed.pt")})
                 .code,
             0);
    QFile spec(dir_.qfile("spec.json"));
    QVERIFY(spec.open(QIODevice::WriteOnly));
    spec.write(R"({"base": {"preset": "mainline", "set": {"p": 11, "train_fraction": 0.5, "d_model": 16, "n_heads": 2,
      "d_head": 8, "d_mlp": 32, "epochs": 40, "checkpoint_interval": 20, "test_interval": 5}},
      "grid": {"weight_decay": [1.0, 0.3]}, "seeds": [0]})");
    spec.close();
    QCOMPARE(test::cli({"sweep", "init", dir_.qfile("spec.json"), "--out", dir_.qfile("sweep")}).code, 0);
    corpus_ = dir_.qfile("corpus");
    QProcess py;
    py.start("python3", {GROK_SOURCE_DIR "/tests/hostile_corpus.py", dir_.qfile("seed.grok"), dir_.qfile("seed.pt"),
                         corpus_, dir_.qfile("sweep")});
    QVERIFY(py.waitForFinished(120000));
    QVERIFY2(py.exitCode() == 0, py.readAllStandardError().constData());
    qInfo("%d hostile inputs", static_cast<int>(QString(py.readAllStandardOutput()).trimmed().count('\n') + 1));
  }

  // One row a file: QtTest's 5-minute watchdog counts each row alone.
  void runFilesAreRefused_data() { rows("*.grok", QDir::Files); }
  void runFilesAreRefused() {
    QFETCH(QString, name);
    const QString file = corpus_ + "/" + name, out = dir_.qfile("out");
    if (name.startsWith("resume_")) {  // the resume state is read by resume alone
      QVERIFY(QFile::copy(file, dir_.qfile("copy.grok")));
      expect({GROKKING_CLI, "resume", dir_.qfile("copy.grok"), "--epochs", "41"}, 2);
      QVERIFY(QFile::remove(dir_.qfile("copy.grok")));
      return;
    }
    expect({GROKKING_CLI, "info", file}, 2);
    expect({GROKKING_CLI, "analyze", file}, 2);
    expect({GROKKING_CLI, "export-pt", file, "--all", "--format", "authors", "--out", out + ".pt"}, 2);
    expect({GROKKING_GUI, file, "--screenshot", out + ".png"}, 2);
    QVERIFY(!QFile::exists(out + ".pt") && !QFile::exists(out + ".png"));
  }

  void checkpointFilesAreRefused_data() { rows("*.pt", QDir::Files); }
  void checkpointFilesAreRefused() {
    QFETCH(QString, name);
    const QString file = corpus_ + "/" + name, out = dir_.qfile("imported");
    expect({GROKKING_CLI, "import", file, "--out", out + ".grok"}, 2);
    expect({GROKKING_GUI, file, "--screenshot", out + ".png"}, 2);
    QVERIFY(!QFile::exists(out + ".grok") && !QFile::exists(out + ".png"));
  }

  // A hostile manifest is refused; a hostile run inside a sweep is that run's failure, reported.
  void sweepFoldersAreRefused_data() { rows("sweep_*", QDir::Dirs); }
  void sweepFoldersAreRefused() {
    QFETCH(QString, name);
    const QString folder = corpus_ + "/" + name;
    if (name.startsWith("sweep_run_")) {
      expect({GROKKING_CLI, "sweep", "status", folder}, 0);
      const test::CliResult r = test::cli({"sweep", "status", folder});
      QVERIFY2(r.out.contains(" failed"), qPrintable(name + ":\n" + r.out));
      return;
    }
    expect({GROKKING_CLI, "sweep", "status", folder}, 2);
    expect({GROKKING_GUI, folder, "--screenshot", dir_.qfile("sweep.png")}, 2);
  }

  void cleanupTestCase() {
    qInfo("%d refusals; slowest %.2f s (%s); largest %ld MiB (%s)", refusals_, slowest_, qPrintable(slowest_what_),
          largest_kib_ / 1024, qPrintable(largest_what_));
  }
};

QTEST_GUILESS_MAIN(TestHostileCorpus)
#include "test_hostile_corpus.moc"
