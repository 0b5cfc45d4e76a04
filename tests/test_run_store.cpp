// The run file under abuse: damaged, truncated, foreign and newer files are refused with one line
// and never crash; a full disk mid-run keeps every earlier checkpoint; nothing is overwritten
// without being asked.
#include <QtTest>

#include <sqlite3.h>

#include <atomic>
#include <cmath>
#include <fstream>
#include <random>

#include "core/store/run_store.h"
#include "core/training/trainer.h"
#include "test_util.h"

using namespace grok;

namespace {

using test::tiny_config;

void make_run(const std::string& path, const Config& c = tiny_config()) { test::train_run(c, path); }

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_all(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

// Reads everything a viewer or resume would read. Returns "" or the RunFileError's message; any
// other exception fails the test.
std::string read_everything(const std::string& path) {
  try {
    const RunStore s = RunStore::open(path);
    (void)s.all_meta();
    (void)s.metrics();
    for (int e : s.checkpoint_epochs()) (void)s.load_checkpoint(e);
    (void)s.load_resume_state();
    s.verify();
    return "";
  } catch (const RunFileError& e) {
    return e.what();
  }
}

void expect_refused(const std::string& path, const QString& phrase) {
  const QString msg = QString::fromStdString(read_everything(path));
  QVERIFY2(!msg.isEmpty(), "damaged file was accepted");
  QVERIFY2(msg.contains(phrase), qPrintable(msg));
  QVERIFY2(!msg.contains('\n'), "error must be one line");
}

}  // namespace

class TestRunStore : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void roundTrip() {
    test::ScratchDir dir;
    const std::string path = dir.file("run.grok");
    make_run(path);
    const RunStore s = RunStore::open(path);
    QCOMPARE(s.schema_version(), kRunSchemaVersion);
    QCOMPARE(s.meta("format"), std::string("grokking-lab-run"));
    QCOMPARE(config_to_string(s.config()), config_to_string(tiny_config()));
    QCOMPARE(s.checkpoint_epochs(), (std::vector<int>{0, 10, 20, 30, 40, 50, 60}));
    const auto m = s.metrics();
    QCOMPARE(m.size(), std::size_t(61));
    QVERIFY(!std::isnan(m[5].test_loss));  // test_interval 5
    QVERIFY(std::isnan(m[6].test_loss));   // stored as NULL
    const auto w = s.load_checkpoint(60);
    QCOMPARE(w.front().name, std::string("embed.W_E"));
    QCOMPARE(w.front().shape, (std::vector<std::int64_t>{16, 12}));
    const auto r = s.load_resume_state();
    QVERIFY(r.has_value());
    QCOMPARE(r->epoch, 60);
    QCOMPARE(r->optimizer_steps, 60L);
    QCOMPARE(r->optimizer.size(), 2 * w.size());
    QVERIFY(read_everything(path).empty());
  }

  void mainlineCheckpointIsUnderOneMegabyte() {
    test::ScratchDir dir;
    Config c;  // mainline shapes, one epoch
    c.epochs = 1;
    make_run(dir.file("m.grok"), c);
    const RunStore s = RunStore::open(dir.file("m.grok"));
    const auto bytes = s.checkpoint_bytes(1);
    QVERIFY2(bytes <= 1'000'000, qPrintable(QString::number(bytes)));
    QCOMPARE(s.checkpoint_epochs(), (std::vector<int>{0, 1}));
  }

  void refusesToOverwrite() {
    test::ScratchDir dir;
    const std::string path = dir.file("run.grok");
    make_run(path);
    const std::string before = read_all(path);
    try {
      Trainer::start(tiny_config(), path, false);
      QFAIL("overwrote an existing run");
    } catch (const RunFileError& e) {
      QVERIFY(QString(e.what()).contains("file exists"));
    }
    QVERIFY(read_all(path) == before);
  }

  void unwritablePathIsAClearError() {
    try {
      Trainer::start(tiny_config(), "/nonexistent-dir/run.grok", false);
      QFAIL("created a run in a missing directory");
    } catch (const RunFileError& e) {
      QVERIFY2(QString(e.what()).startsWith("/nonexistent-dir/run.grok: "), e.what());
    }
  }

  void diskFullKeepsEarlierCheckpoints() {
    test::ScratchDir dir;
    const std::string path = dir.file("full.grok");
    Config c;  // mainline-sized layers: ~0.7 MB of weights per checkpoint, 1.4 MB of optimizer state
    c.p = 23;
    c.epochs = 40;
    c.checkpoint_interval = 5;
    Trainer t = Trainer::start(c, path, true, {1});
    t.limit_file_size(4'000'000);  // room for a few checkpoints, then "full"
    std::atomic<bool> stop{false};
    try {
      t.run(stop);
      QFAIL("the size limit was never reached");
    } catch (const RunFileError& e) {
      QVERIFY2(QString(e.what()).contains("disk full"), e.what());
    }
    QVERIFY(read_everything(path).empty());
    const RunStore s = RunStore::open(path);
    const auto epochs = s.checkpoint_epochs();
    QVERIFY(epochs.size() >= 2);
    QVERIFY(epochs.back() < 40);
    QCOMPARE(s.load_resume_state()->epoch, epochs.back());
    QCOMPARE(s.metrics().back().epoch, epochs.back());  // metrics commit with their checkpoint
    Trainer r = Trainer::resume(path, std::nullopt, {1});  // and the run goes on once there is room
    QCOMPARE(r.epoch(), epochs.back());
  }

  void refusesDamagedFiles() {
    test::ScratchDir dir;
    const std::string good = dir.file("good.grok");
    make_run(good);
    const std::string bytes = read_all(good);
    const std::string bad = dir.file("bad.grok");

    write_all(bad, "");
    expect_refused(bad, "empty file");
    write_all(bad, "epoch,train_loss\n0,4.7\n");
    expect_refused(bad, "not an SQLite database");
    std::mt19937 rng(7);
    std::string noise(8192, '\0');
    for (auto& ch : noise) ch = static_cast<char>(rng());
    write_all(bad, noise);
    expect_refused(bad, "not an SQLite database");
    write_all(bad, bytes.substr(0, 100));
    expect_refused(bad, "truncated");
    QVERIFY(!read_everything(dir.file("missing.grok")).empty());
  }

  void refusesForeignAndNewerDatabases() {
    test::ScratchDir dir;
    const std::string foreign = dir.file("foreign.grok");
    sqlite3* db = nullptr;
    QCOMPARE(sqlite3_open(foreign.c_str(), &db), SQLITE_OK);
    QCOMPARE(sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES(1);", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
    expect_refused(foreign, "not a Grokking Lab run file");

    const std::string newer = dir.file("newer.grok");
    make_run(newer);
    QCOMPARE(sqlite3_open(newer.c_str(), &db), SQLITE_OK);
    QCOMPARE(sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
    expect_refused(newer, "newer Grokking Lab (run format 99");

    const std::string noconfig = dir.file("noconfig.grok");
    make_run(noconfig);
    QCOMPARE(sqlite3_open(noconfig.c_str(), &db), SQLITE_OK);
    QCOMPARE(sqlite3_exec(db, "UPDATE meta SET value='{\"p\": 4}' WHERE key='config'", nullptr, nullptr, nullptr), SQLITE_OK);
    QCOMPARE(sqlite3_exec(db, "UPDATE tensors SET shape='[3, 3]' WHERE rowid=1", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
    expect_refused(noconfig, "stored config: p: got 4");
  }

  void survivesTruncationAndBitRot() {
    // Every truncation point and many corrupted regions: each either reads fine (damage in unused
    // pages) or is refused with one line. Any other exception, or a crash, fails the test.
    test::ScratchDir dir;
    const std::string good = dir.file("good.grok");
    make_run(good);
    const std::string bytes = read_all(good);
    const std::string bad = dir.file("bad.grok");
    int refused = 0, total = 0;
    for (std::size_t cut = 512; cut < bytes.size(); cut += bytes.size() / 40) {
      write_all(bad, bytes.substr(0, cut));
      refused += !read_everything(bad).empty();
      total++;
    }
    std::mt19937 rng(11);
    for (int i = 0; i < 120; i++) {
      std::string damaged = bytes;
      const std::size_t at = rng() % damaged.size(), len = 1 + rng() % 64;
      for (std::size_t k = at; k < std::min(damaged.size(), at + len); k++) damaged[k] = static_cast<char>(rng());
      write_all(bad, damaged);
      const std::string msg = read_everything(bad);
      QVERIFY2(msg.find('\n') == std::string::npos, msg.c_str());
      refused += !msg.empty();
      total++;
    }
    qInfo("%d of %d damaged files refused, the rest read intact", refused, total);
    QVERIFY(refused > total / 4);
  }
};

GROK_TEST_APPLESS_MAIN(TestRunStore)
#include "test_run_store.moc"
