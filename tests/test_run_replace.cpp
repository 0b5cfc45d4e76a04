// Overwriting a run (`train --force`, the GUI's "Replace?") never loses the old run before the new
// one is in place: a failure, or a kill at any step, leaves one whole run at the path, and readers
// that hold the old run keep reading it (core/store/internal/run_replace.h).
#include <QtTest>

#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>

#include "core/store/run_store.h"
#include "core/training/trainer.h"
#include "test_util.h"

using namespace grok;
namespace fs = std::filesystem;

namespace {

using test::tiny_config;

// What a reader of a run sees, compared whole.
struct RunView {
  std::vector<int> epochs;
  std::vector<std::vector<unsigned char>> tensors;  // every checkpoint's tensors, in order
  std::vector<double> train_loss;
  int resume_epoch = -1;
  std::uint64_t seed = 0;
  std::string note;  // meta "note" (note_in_wal)
  bool operator==(const RunView& o) const {
    return epochs == o.epochs && tensors == o.tensors && train_loss == o.train_loss && resume_epoch == o.resume_epoch &&
           seed == o.seed && note == o.note;
  }
};

RunView view(const RunStore& s) {
  RunView v;
  v.epochs = s.checkpoint_epochs();
  for (int e : v.epochs)
    for (const auto& a : s.load_checkpoint(e)) v.tensors.push_back(a.bytes);
  for (const auto& m : s.metrics()) v.train_loss.push_back(m.train_loss);
  const auto resume = s.load_resume_state();
  v.resume_epoch = resume ? resume->epoch : -1;
  v.seed = s.config().seed;
  v.note = s.meta("note");
  s.verify();
  return v;
}

RunView view(const std::string& path) { return view(RunStore::open(path)); }

// The files in `dir` other than the run, its -wal and -shm.
QStringList strays(const test::ScratchDir& dir) {
  QStringList out;
  for (const auto& f : fs::directory_iterator(dir.file(""))) {
    const QString name = QString::fromStdString(f.path().filename().string());
    // run.lock: a trainer's lock file (run_lock.h), left by a killed one; it holds no run.
    if (!QStringList{"run.grok", "run.grok-wal", "run.grok-shm", "run.lock"}.contains(name)) out << name;
  }
  return out;
}

// Commits meta "note" into the run's -wal and leaves it there (no checkpoint on close), as a run
// whose writer was killed, or whose readers kept the WAL alive, has commits in its WAL only.
void note_in_wal(const std::string& path) {
  sqlite3* db = nullptr;
  QCOMPARE(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  QCOMPARE(sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr), SQLITE_OK);
  QCOMPARE(sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr), SQLITE_OK);  // at rest: DELETE
  QCOMPARE(sqlite3_exec(db, "INSERT INTO meta(key, value) VALUES('note', 'in the WAL')", nullptr, nullptr, nullptr),
           SQLITE_OK);
  sqlite3_close(db);
  QVERIFY(fs::file_size(path + "-wal") > 0);
}

Config new_config() {
  Config c = tiny_config(11, 30);
  c.seed = 99;  // tells the new run from the old
  return c;
}

int g_kill_at = -1;

// A child process overwrites `path` with a run of new_config() whose first checkpoint holds
// `weights` and resumes with `optimizer` (any state of the right shapes), and is killed (SIGKILL) right after create
// (kill_at -1) or at a step of the replacement (0, 1, 2: RunStore's test hook). The parent holds no SQLite connection
// across fork.
void overwrite_and_die(const std::string& path, const std::vector<NamedArray>& weights,
                       const std::vector<NamedArray>& optimizer, int kill_at) {
  const pid_t pid = fork();
  if (pid == 0) {
    g_kill_at = kill_at;
    set_replace_step_hook_for_tests([](int step) {
      if (step == g_kill_at) raise(SIGKILL);
    });
    RunStore s = RunStore::create(path, new_config(), true);
    if (kill_at < 0) raise(SIGKILL);
    EpochMetrics m;
    m.train_loss = 2.5;
    s.commit_checkpoint(0, weights, {m}, ResumeState{0, 0, optimizer});
    _exit(3);  // not reached: the hook kills
  }
  int status = 0;
  QCOMPARE(waitpid(pid, &status, 0), pid);
  QVERIFY2(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "the child was not killed where asked");
}

}  // namespace

class TestRunReplace : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  // The new run fails at its first commit (a file size limit, as a full disk): the old run stays,
  // whole, and no temporary file is left.
  void failedReplacementKeepsTheOldRun() {
    test::ScratchDir dir;
    const std::string path = dir.file("run.grok");
    test::train_run(tiny_config(), path);
    note_in_wal(path);
    const RunView old = view(path);
    QCOMPARE(old.epochs.size(), std::size_t(7));
    QCOMPARE(old.note, std::string("in the WAL"));
    {
      Trainer t = Trainer::start(new_config(), path, true, {1});
      t.limit_file_size(1);  // no page more than it has
      std::atomic<bool> stop{false};
      try {
        t.run(stop);
        QFAIL("the first commit did not fail");
      } catch (const RunFileError& e) {
        QCOMPARE(e.kind(), RunFileError::Kind::DiskFull);
        QVERIFY2(QString(e.what()).startsWith(QString::fromStdString(path) + ": disk full"), e.what());
      }
      QVERIFY(view(path) == old);  // while the failed trainer lives
    }
    QVERIFY(view(path) == old);
    QCOMPARE(strays(dir), QStringList());
    Trainer r = Trainer::resume(path, std::nullopt, {1});  // and it resumes
    QCOMPARE(r.epoch(), 60);
  }

  // Readers that opened the old run, before the overwrite or while the new run has not yet
  // committed, read all of it afterwards; a reader opening the path afterwards reads the new run.
  void readersKeepTheOldRun() {
    test::ScratchDir dir;
    const std::string path = dir.file("run.grok");
    test::train_run(tiny_config(), path);
    note_in_wal(path);
    const RunStore before = RunStore::open(path);
    const RunView old = view(before);
    Trainer t = Trainer::start(new_config(), path, true, {1});
    const RunStore during = RunStore::open(path);  // the path still holds the old run
    QVERIFY(view(during) == old);
    std::atomic<bool> stop{false};
    t.run(stop);
    QVERIFY(view(before) == old);
    QVERIFY(view(during) == old);
    const RunView now = view(path);
    QCOMPARE(now.epochs, (std::vector<int>{0, 10, 20, 30}));
    QCOMPARE(now.seed, std::uint64_t(99));
    QCOMPARE(strays(dir), QStringList());
  }

  // The same for a reader in another process, which holds its own locks on the old files.
  void readerInAnotherProcessKeepsTheOldRun() {
    test::ScratchDir dir;
    const std::string path = dir.file("run.grok");
    test::train_run(tiny_config(), path);
    note_in_wal(path);
    const RunView old = view(path);
    int ready[2], go[2];
    QCOMPARE(pipe(ready), 0);
    QCOMPARE(pipe(go), 0);
    const pid_t pid = fork();
    if (pid == 0) {  // the reader: opens the run, waits for the overwrite, reads it all again
      int code = 1;
      try {
        const RunStore s = RunStore::open(path);
        code = view(s) == old ? 2 : 3;
        char c = 0;
        if (write(ready[1], &c, 1) == 1 && read(go[0], &c, 1) == 1) code = view(s) == old ? 0 : 4;
      } catch (...) {
        code = 5;
      }
      _exit(code);
    }
    char c = 0;
    QCOMPARE(read(ready[0], &c, 1), ssize_t(1));
    test::train_run(new_config(), path);
    QCOMPARE(view(path).seed, std::uint64_t(99));
    QCOMPARE(write(go[1], &c, 1), ssize_t(1));
    int status = 0;
    QCOMPARE(waitpid(pid, &status, 0), pid);
    QVERIFY(WIFEXITED(status));
    QCOMPARE(WEXITSTATUS(status), 0);
    for (int fd : {ready[0], ready[1], go[0], go[1]}) close(fd);
    QCOMPARE(view(path).seed, std::uint64_t(99));
  }

  // A kill anywhere leaves one whole run at the path: the old one up to the rename, the new one
  // (with its first checkpoint, resumable) from it on. Only the hidden temporary file of a killed
  // process can stay behind; the run never reads it.
  void killedReplacementLeavesOneWholeRun_data() {
    QTest::addColumn<int>("kill_at");
    QTest::newRow("after create") << -1;
    QTest::newRow("new file closed") << 0;
    QTest::newRow("old -wal/-shm removed") << 1;
    QTest::newRow("renamed") << 2;
  }
  void killedReplacementLeavesOneWholeRun() {
    QFETCH(int, kill_at);
    test::ScratchDir dir;
    const std::string path = dir.file("run.grok");
    test::train_run(tiny_config(), path);
    note_in_wal(path);  // the old run's last commit is in its WAL only
    const RunView old = view(path);
    QCOMPARE(old.note, std::string("in the WAL"));
    std::vector<NamedArray> weights, optimizer;
    {
      const RunStore s = RunStore::open(path);
      weights = s.load_checkpoint(0);
      optimizer = s.load_resume_state()->optimizer;
    }
    overwrite_and_die(path, weights, optimizer, kill_at);
    const QStringList left = strays(dir);
    if (kill_at < 2) {
      QVERIFY(view(path) == old);
      QVERIFY(!left.isEmpty());  // the temporary file (with its -wal and -shm if killed while open)
      for (const QString& f : left) QVERIFY2(f.startsWith(".run.grok.new-"), qPrintable(left.join(' ')));
      QCOMPARE(Trainer::resume(path, std::nullopt, {1}).epoch(), 60);
    } else {
      QCOMPARE(left, QStringList());
      const RunView now = view(path);
      QCOMPARE(now.epochs, std::vector<int>{0});
      QCOMPARE(now.seed, std::uint64_t(99));
      Trainer r = Trainer::resume(path, std::nullopt, {1});
      std::atomic<bool> stop{false};
      r.run(stop);
      QCOMPARE(view(path).epochs, (std::vector<int>{0, 10, 20, 30}));
    }
  }

  // Another connection keeps a read transaction open on the old run past the busy timeout (5 s):
  // its WAL cannot be moved into its file, so the replacement gives up and the old run stays.
  void oldRunInUseIsNotReplaced() {
    test::ScratchDir dir;
    const std::string path = dir.file("run.grok");
    test::train_run(tiny_config(), path);
    note_in_wal(path);
    const RunView old = view(path);
    sqlite3* db = nullptr;
    QCOMPARE(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    QCOMPARE(sqlite3_exec(db, "BEGIN; SELECT COUNT(*) FROM meta;", nullptr, nullptr, nullptr), SQLITE_OK);
    {
      Trainer t = Trainer::start(new_config(), path, true, {1});
      std::atomic<bool> stop{false};
      try {
        t.run(stop);
        QFAIL("replaced a run another connection was reading");
      } catch (const RunFileError& e) {
        QCOMPARE(e.kind(), RunFileError::Kind::Busy);
      }
    }
    sqlite3_close(db);
    QVERIFY(view(path) == old);
    QCOMPARE(strays(dir), QStringList());
  }

  // A reader kept open between uses (the window's scrubber) is told to open the path again once
  // what it reads may not be what the path holds: after a write, while a writer has it open, when
  // another file is put at the path (even one of the same size and time). A file read in place
  // as immutable (WAL mode, nothing beside it) is never kept: SQLite would not see a write to it.
  void keptReaderKnowsWhenToOpenAgain() {
    test::ScratchDir dir;
    const std::string path = dir.file("run.grok");
    test::train_run(tiny_config(), path);
    const RunStore kept = RunStore::open(path);
    QVERIFY(kept.still_at_rest());
    QVERIFY(kept.still_at_rest());  // asking changes nothing
    {
      RunStore writer = RunStore::open(path, RunStore::Mode::ReadWrite);
      QVERIFY(!writer.still_at_rest());
      QVERIFY(!kept.still_at_rest());  // its -wal and -shm beside the file
      const RunStore during = RunStore::open(path);
      QVERIFY(!during.still_at_rest());
      writer.set_meta("note", "written");
    }
    QVERIFY(!kept.still_at_rest());  // at rest again, but written
    const RunStore again = RunStore::open(path);
    QVERIFY(again.still_at_rest());
    QCOMPARE(again.meta("note"), std::string("written"));
    {
      const RunStore trainer = RunStore::open(path, RunStore::Mode::Train);  // its lock alone
      QVERIFY(!again.still_at_rest());
    }
    const RunStore before_swap = RunStore::open(path);
    QVERIFY(before_swap.still_at_rest());
    const std::string twin = dir.file("twin.grok");
    fs::copy_file(path, twin);
    fs::last_write_time(twin, fs::last_write_time(path));
    QCOMPARE(fs::file_size(twin), fs::file_size(path));
    fs::rename(twin, path);
    QVERIFY(!before_swap.still_at_rest());
    QVERIFY(RunStore::open(path).still_at_rest());

    sqlite3* db = nullptr;  // WAL mode; its last connection closes, leaving nothing beside the file
    QCOMPARE(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    QCOMPARE(sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
    QVERIFY(!fs::exists(path + "-wal") && !fs::exists(path + "-shm"));
    const RunStore in_place = RunStore::open(path);
    QCOMPARE(in_place.meta("note"), std::string("written"));
    QVERIFY(!in_place.still_at_rest());
  }

  // The replacement keeps the old file's permissions (its temporary file starts private).
  void replacementKeepsPermissions() {
    test::ScratchDir dir;
    const std::string path = dir.file("run.grok");
    test::train_run(tiny_config(11, 10), path);
    QCOMPARE(chmod(path.c_str(), 0640), 0);
    test::train_run(new_config(), path);
    struct stat st {};
    QCOMPARE(stat(path.c_str(), &st), 0);
    QCOMPARE(st.st_mode & 0777, 0640u);
    QCOMPARE(view(path).seed, std::uint64_t(99));
  }
};

GROK_TEST_APPLESS_MAIN(TestRunReplace)
#include "test_run_replace.moc"
