// Run files from others are hostile until checked (issue 23): a checkpoint whose tensors are not
// the run's model family's (a shape that disagrees with the config, a wrapped shape with no data)
// is refused in one line with exit code 2 by `info`, `analyze` and `export-pt`, before anything
// reads its numbers. Before, `info` called such a file fine and `export-pt` wrote past a buffer
// sized from the data while looping over the config.
#include <QElapsedTimer>
#include <QtTest>

#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <string>
#include <vector>

#include "cli_test_util.h"
#include "core/store/filesystem_kind.h"
#include "core/store/run_lock.h"
#include "core/store/run_store.h"
#include "core/training/trainer.h"
#include "run_fuzz.h"
#include "test_util.h"

using namespace grok;

namespace {

// Rewrites one stored tensor's shape and data in place, as a hand-edited or hostile file would.
void rewrite_tensor(const std::string& path, int epoch, const std::string& name, const std::string& shape,
                    std::size_t bytes) {
  sqlite3* db = nullptr;
  QCOMPARE(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  QCOMPARE(
      sqlite3_prepare_v2(db, "UPDATE tensors SET shape = ?, data = ? WHERE epoch = ? AND name = ?", -1, &s, nullptr),
      SQLITE_OK);
  sqlite3_bind_text(s, 1, shape.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_zeroblob(s, 2, static_cast<int>(bytes));  // an empty blob, not NULL, for 0 bytes
  sqlite3_bind_int(s, 3, epoch);
  sqlite3_bind_text(s, 4, name.c_str(), -1, SQLITE_TRANSIENT);
  QCOMPARE(sqlite3_step(s), SQLITE_DONE);
  QCOMPARE(sqlite3_changes(db), 1);
  sqlite3_finalize(s);
  sqlite3_close(db);
}

// Runs `sql` on the file, as a hostile editor would.
void alter(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  QCOMPARE(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  QVERIFY2(rc == SQLITE_OK, err ? err : "?");
  sqlite3_close(db);
}

// The names in a folder, sorted.
QStringList names(const test::ScratchDir& dir) {
  QStringList n = QDir(dir.qfile("")).entryList(QDir::Files | QDir::Dirs | QDir::NoDotAndDotDot | QDir::Hidden);
  n.sort();
  return n;
}

// One line on stderr, exit code 2, containing `what`.
void refused(const test::CliResult& r, const QString& what) {
  QVERIFY2(r.code == 2, qPrintable(QString("exit %1: %2").arg(r.code).arg(r.err)));
  QVERIFY2(r.err.trimmed().count('\n') == 0, qPrintable(r.err));
  QVERIFY2(r.err.contains(what), qPrintable(r.err));
}

}  // namespace

class TestHostileRuns : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void aShapeThatIsNotTheConfigsIsRefused() {
    test::ScratchDir dir;
    const std::string run = dir.file("run.grok");
    test::train_run(test::tiny_config(11, 40, 20, 5), run);  // d_model 16, V = 12
    QCOMPARE(test::cli({"info", QString::fromStdString(run)}).code, 0);
    rewrite_tensor(run, 20, "embed.W_E", "[16, 6]", 16 * 6 * 4);  // bytes consistent with the shape
    const QString why = "checkpoint 20: tensor embed.W_E has shape [16, 6], the transformer's is [16, 12]";
    refused(test::cli({"info", QString::fromStdString(run)}), why);
    refused(test::cli({"analyze", QString::fromStdString(run), "--epoch", "20"}), why);
    const QString pt = dir.qfile("out.pt");
    refused(test::cli({"export-pt", QString::fromStdString(run), "--epoch", "20", "--format", "transformer-lens",
                       "--out", pt}),
            why);
    QVERIFY(!QFile::exists(pt));
    // Every reader refuses the file as info does, whichever checkpoint it was asked for.
    refused(test::cli({"analyze", QString::fromStdString(run), "--epoch", "40"}), why);
  }

  // A resume that cannot load its checkpoint leaves the run as it was: the new target is stored
  // only once the checkpoint has loaded (it used to be stored first).
  void aFailedResumeChangesNothing() {
    test::ScratchDir dir;
    const std::string run = dir.file("run.grok");
    test::train_run(test::tiny_config(11, 40, 20, 5), run);
    rewrite_tensor(run, 40, "embed.W_E", "[16, 6]", 16 * 6 * 4);
    refused(test::cli({"resume", QString::fromStdString(run), "--epochs", "100"}), "embed.W_E");
    QCOMPARE(RunStore::open(run).config().epochs, 40);
  }

  // A schema that is not exactly its format's is refused on open, before any of it runs: a view in
  // place of a table (one that never finishes: `info` used to hang on it), a trigger, a table or a
  // column of its own. Each refusal is one line, exit 2, in well under 5 s.
  void aSchemaOfItsOwnIsRefused_data() {
    QTest::addColumn<QString>("sql");
    QTest::addColumn<QString>("why");
    QTest::newRow("endless view") << "DROP TABLE metrics; CREATE VIEW metrics(epoch, train_loss, train_acc, test_loss, "
                                     "test_acc, lr) AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
                                     "SELECT x, 0, 0, 0, 0, 0 FROM c;"
                                  << "holds a view (metrics)";
    QTest::newRow("trigger") << "CREATE TRIGGER t AFTER INSERT ON metrics BEGIN DELETE FROM tensors; END;"
                             << "holds a trigger (t)";
    QTest::newRow("table") << "CREATE TABLE extra(x);"
                           << "holds a table (extra)";
    QTest::newRow("column") << "ALTER TABLE measures ADD COLUMN note TEXT;"
                            << "its table measures has other columns";
    QTest::newRow("missing") << "DROP TABLE resume_state;"
                             << "its table resume_state is missing";
  }
  void aSchemaOfItsOwnIsRefused() {
    QFETCH(QString, sql);
    QFETCH(QString, why);
    test::ScratchDir dir;
    const std::string run = dir.file("run.grok");
    test::train_run(test::tiny_config(11, 20, 10, 5), run);
    alter(run, sql.toStdString());
    QElapsedTimer t;
    t.start();
    for (const QStringList& args :
         {QStringList{"info", QString::fromStdString(run)}, QStringList{"analyze", QString::fromStdString(run)},
          QStringList{"export-pt", QString::fromStdString(run), "--format", "authors", "--out", dir.qfile("x.pt")}}) {
      t.restart();
      refused(test::cli(args), why);
      QVERIFY2(t.elapsed() < 5000, qPrintable(args.join(' ')));
    }
  }

  // Replacing a run that another process trains (train --force, fork or import over it) is refused
  // in one line: every trainer holds the run's lock. It used to leave that trainer writing into a
  // deleted file. Once the trainer lets go, its lock file is gone and the replace goes through.
  void aRunBeingTrainedIsNotReplaced() {
    test::ScratchDir dir;
    const std::string run = dir.file("run.grok");
    const QString qrun = QString::fromStdString(run);
    test::train_run(test::tiny_config(11, 20, 10, 5), run);
    const QString pt = dir.qfile("run.pt");
    QCOMPARE(test::cli({"export-pt", qrun, "--format", "authors", "--out", pt}).code, 0);
    QVERIFY(QFile::copy(qrun, dir.qfile("parent.grok")));
    {
      const RunStore trainer = RunStore::open(run, RunStore::Mode::Train);  // as a trainer holds it
      QVERIFY(RunLock::is_held(dir.file("run.lock")));
      const QString why = "run.grok: another process is training or writing it (run.lock is held)";
      refused(test::cli({"train", "--preset", "mainline", "--set", "p=11", "--out", qrun, "--force"}), why);
      refused(test::cli({"resume", qrun, "--epochs", "30"}), why);
      refused(test::cli({"fork", dir.qfile("parent.grok"), "--epoch", "10", "--out", qrun, "--force"}), why);
      refused(test::cli({"import", pt, "--out", qrun, "--force"}), why);
      try {
        RunStore::create(run, test::tiny_config(11, 20, 10, 5), true);
        QFAIL("a held run was replaced");
      } catch (const RunFileError& e) {
        QCOMPARE(e.kind(), RunFileError::Kind::Busy);
      }
      QCOMPARE(RunStore::open(run).checkpoint_epochs(), (std::vector<int>{0, 10, 20}));
    }
    QVERIFY(!QFile::exists(dir.qfile("run.lock")));
    QCOMPARE(
        test::cli({"train", "--preset", "mainline", "--set", "p=11", "--set", "epochs=5", "--out", qrun, "--force"})
            .code,
        0);
    QCOMPARE(RunStore::open(run).config().epochs, 5);
  }

  // Reading a run that no process holds writes nothing beside it (no -wal, -shm or lock), and works
  // in a folder nobody may write to. Before, every read left a -wal and a -shm next to the file.
  void readingWritesNothingBesideTheRun() {
    test::ScratchDir dir;
    const std::string run = dir.file("run.grok");
    const QString qrun = QString::fromStdString(run);
    test::train_run(test::tiny_config(11, 20, 10, 5), run);
    const QStringList before = names(dir);
    QCOMPARE(before, QStringList{"run.grok"});
    test::ScratchDir out;
    QCOMPARE(test::cli({"info", qrun}).code, 0);
    QCOMPARE(test::cli({"analyze", qrun, "--epoch", "20"}).code, 0);
    QCOMPARE(test::cli({"export-csv", qrun, "--out", out.qfile("m.csv")}).code, 0);
    QCOMPARE(names(dir), before);
    // A read-only folder (as root, whom permissions do not stop, the reader runs as nobody).
    QCOMPARE(chmod(dir.file("").c_str(), 0555), 0);
    QCOMPARE(chmod(out.file("").c_str(), 0777), 0);
    const auto nobody = [] {
      if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(99);
    };
    const test::CliResult info = test::cli({"info", qrun}, QProcessEnvironment::systemEnvironment(), nobody);
    QVERIFY2(info.code == 0, qPrintable(info.err));
    const test::CliResult csv =
        test::cli({"export-csv", qrun, "--out", out.qfile("n.csv")}, QProcessEnvironment::systemEnvironment(), nobody);
    QVERIFY2(csv.code == 0, qPrintable(csv.err));
    QCOMPARE(chmod(dir.file("").c_str(), 0755), 0);
    QCOMPARE(names(dir), before);
  }

  // export-csv writes beside the old CSV and renames: a disk that fills midway leaves the old file
  // as it was (it used to be truncated before the run was even read) and no temporary file.
  void aFailedCsvExportKeepsTheOldFile() {
    test::ScratchDir dir;
    const std::string run = dir.file("run.grok");
    test::train_run(test::tiny_config(11, 20, 10, 5), run);
    const QString csv = dir.qfile("m.csv");
    QFile old(csv);
    QVERIFY(old.open(QIODevice::WriteOnly) && old.write("keep me\n") == 8);
    old.close();
    const test::CliResult r = test::cli({"export-csv", QString::fromStdString(run), "--out", csv},
                                        QProcessEnvironment::systemEnvironment(), [] {
                                          std::signal(SIGXFSZ, SIG_IGN);
                                          const rlimit tiny{16, 16};
                                          setrlimit(RLIMIT_FSIZE, &tiny);
                                        });
    QVERIFY2(r.code == 1 && r.err.contains("m.csv: cannot write the file (File too large)"), qPrintable(r.err));
    QVERIFY(old.open(QIODevice::ReadOnly));
    QCOMPARE(old.readAll(), QByteArray("keep me\n"));
    QCOMPARE(names(dir), (QStringList{"m.csv", "run.grok"}));
    QCOMPARE(test::cli({"export-csv", QString::fromStdString(run), "--out", csv}).code, 0);
    QVERIFY(QFileInfo(csv).size() > 100);
  }

  // A train or fork that fails before its first checkpoint (here the disk fills at once) leaves
  // nothing at --out, so that the same command run again works (it used to leave a run file
  // without a checkpoint that the rerun refused as existing).
  void aFailedTrainOrForkLeavesNothing() {
    test::ScratchDir dir;
    const std::string parent = dir.file("parent.grok");
    test::train_run(test::tiny_config(11, 20, 10, 5), parent);
    const auto full = [] {
      std::signal(SIGXFSZ, SIG_IGN);
      const rlimit none{0, 0};
      setrlimit(RLIMIT_FSIZE, &none);
    };
    const QStringList train = {"train", "--set", "p=11", "--set", "epochs=10", "--out", dir.qfile("new.grok")};
    const QStringList fork = {"fork",  QString::fromStdString(parent), "--epoch", "10", "--set", "epochs=20",
                              "--out", dir.qfile("forked.grok")};
    QStringList made = {"parent.grok"};
    for (const QStringList& args : {train, fork}) {
      const test::CliResult r = test::cli(args, QProcessEnvironment::systemEnvironment(), full);
      QVERIFY2(r.code == 1 && r.err.trimmed().count('\n') == 0, qPrintable(r.err));
      QVERIFY2(names(dir) == made, qPrintable(names(dir).join(' ')));
      const test::CliResult again = test::cli(args);
      QVERIFY2(again.code == 0, qPrintable(again.err));
      made = names(dir);
    }
    QCOMPARE(names(dir), (QStringList{"forked.grok", "new.grok", "parent.grok"}));
    struct stat st {};
    QCOMPARE(::stat(dir.file("new.grok").c_str(), &st), 0);
    const mode_t mask = ::umask(022);
    ::umask(mask);
    QCOMPARE(st.st_mode & 0777, 0666 & ~mask);  // a new run's usual permissions, not mkstemp's 0600
  }

  // On a network filesystem (statfs reported as NFS here) a run trains in SQLite's rollback journal
  // with every commit synced, never WAL, whose shared memory does not reach other machines; a
  // reader opens it beside the trainer. Where locks are not honoured (a second description does not
  // see the trainer's lock) training is refused in one line naming the filesystem.
  void aNetworkFilesystemTrainsWithoutWal() {
    test::ScratchDir dir;
    const std::string run = dir.file("run.grok"), local = dir.file("local.grok");
    test::train_run(test::tiny_config(11, 20, 10, 5), local);  // on a local disk: WAL
    set_filesystem_for_tests("nfs");
    {
      Trainer t = Trainer::start(test::tiny_config(11, 20, 10, 5), run, false, {1});
      std::atomic<bool> stop{false};
      t.run(stop);
      QCOMPARE(RunStore::open(run).checkpoint_epochs(), (std::vector<int>{0, 10, 20}));  // beside the trainer
      QVERIFY(!QFile::exists(dir.qfile("run.grok-wal")) && !QFile::exists(dir.qfile("run.grok-shm")));
    }
    {
      Trainer t = Trainer::resume(local, 30, {1});  // moved to a network filesystem: switched
      std::atomic<bool> stop{false};
      t.run(stop);
    }
    set_filesystem_for_tests(nullptr);
    for (const std::string& path : {run, local}) {
      sqlite3* db = nullptr;
      QCOMPARE(sqlite3_open(path.c_str(), &db), SQLITE_OK);
      sqlite3_stmt* s = nullptr;
      QCOMPARE(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, nullptr), SQLITE_OK);
      QCOMPARE(sqlite3_step(s), SQLITE_ROW);
      QCOMPARE(QString(reinterpret_cast<const char*>(sqlite3_column_text(s, 0))), QString("delete"));
      sqlite3_finalize(s);
      sqlite3_close(db);
    }
    try {
      check_locks_work(dir.file("nobody.lock"), {"nfs", true});  // as if the trainer's lock were invisible
      QFAIL("a lock nobody sees passed the self-test");
    } catch (const RunFileError& e) {
      QVERIFY2(QString(e.what()).contains("its filesystem (nfs) does not honour POSIX record locks"), e.what());
    }
  }

  // Mutated run files (statements and pages, tests/run_fuzz.h): only RunFileError may come out.
  // scripts/fuzz-interchange.sh runs a million under AddressSanitizer and UndefinedBehaviorSanitizer.
  void fuzzRunReader() {
    const long inputs = std::getenv("GROK_FUZZ_INPUTS") ? std::atol(std::getenv("GROK_FUZZ_INPUTS")) : 3000;
    test::ScratchDir dir;
    QString escaped;
    const runfuzz::FuzzResult r = runfuzz::fuzz_reader(
        inputs, 20261206, dir.file("fuzz.grok"),
        [&](long i, const std::string&, const char* what) { escaped = QString("input %1: %2").arg(i).arg(what); });
    QVERIFY2(escaped.isEmpty(), qPrintable(escaped));
    QCOMPARE(r.inputs, inputs);
    QVERIFY(r.accepted > 0 && r.refused > 0);
    qInfo("fuzz: %ld run files, %ld accepted, %ld refused", r.inputs, r.accepted, r.refused);
  }

  // A config the machine cannot hold is refused before anything is written, naming what it needs
  // and what is free: the memory to train p = 1021 with 4 layers of 16 384 neurons (~1 TB), the
  // disk of ten million checkpoints (~9 TB), for one run and for a sweep.
  void aConfigTheMachineCannotHoldIsRefused() {
    test::ScratchDir dir;
    const QString run = dir.qfile("big.grok");
    refused(test::cli({"train", "--set", "p=1021", "--set", "n_layers=4", "--set", "d_mlp=16384", "--out", run}),
            "of memory to train");
    refused(test::cli({"train", "--set", "epochs=10000000", "--set", "checkpoint_interval=1", "--out", run}),
            "big.grok: this run will write about");
    QCOMPARE(names(dir), QStringList());
    QFile spec(dir.qfile("spec.json"));
    QVERIFY(spec.open(QIODevice::WriteOnly));
    spec.write(R"({"base": {"preset": "mainline", "set": {"epochs": 10000000, "checkpoint_interval": 1}},
                   "grid": {"weight_decay": [1.0, 0.3]}, "seeds": [0]})");
    spec.close();
    refused(test::cli({"sweep", "init", dir.qfile("spec.json"), "--out", dir.qfile("sweep")}),
            "2 runs will write about");
    QCOMPARE(names(dir), QStringList{"spec.json"});
  }

  // `grokking-cli --help` lists the exit codes, and each run-file error kind with its code.
  void helpListsTheExitCodes() {
    const test::CliResult r = test::cli({"--help"});
    QCOMPARE(r.code, 0);
    for (const char* line :
         {"\n  0    done\n", "\n  1    the machine or the filesystem failed", "\n  2    the input or",
          "\n  130  interrupted", "damaged 2,", "busy 2,", "disk full 1,", "I/O error 1,"})
      QVERIFY2(r.out.contains(line), line);
  }

  void aWrappedShapeIsRefused() {
    test::ScratchDir dir;
    const std::string run = dir.file("run.grok");
    test::train_run(test::tiny_config(11, 20, 20, 5), run);
    // 2^30 x 2^30 x 2^30 x 16 floats: the product wraps to 0 in 64 bits, as the empty data's size.
    rewrite_tensor(run, 20, "unembed.W_U", "[1073741824, 1073741824, 1073741824, 16]", 0);
    refused(test::cli({"info", QString::fromStdString(run)}), "tensor unembed.W_U of checkpoint 20 has a bad shape");
    refused(test::cli({"analyze", QString::fromStdString(run), "--epoch", "20"}),
            "tensor unembed.W_U of checkpoint 20 has a bad shape");
  }
};

QTEST_GUILESS_MAIN(TestHostileRuns)
#include "test_hostile_runs.moc"
