// The run file under abuse: damaged, truncated, foreign and newer files are refused with one line
// and never crash; a full disk mid-run keeps every earlier checkpoint; nothing is overwritten
// without being asked. Each problem has its kind; key set tags and format 1 files read as written.
#include <QtTest>

#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>

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

// The kind of the RunFileError `f` throws ("none" if it throws none), by name.
template <typename F>
QString kind_of(F&& f) {
  try {
    f();
  } catch (const RunFileError& e) {
    if (QString(e.what()).contains('\n')) return "a message of more than one line";
    return to_string(e.kind());
  }
  return "none";
}

void sql(const std::string& path, const char* statements) {
  sqlite3* db = nullptr;
  QCOMPARE(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  QCOMPARE(sqlite3_exec(db, statements, nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
}

std::vector<std::string> sql_texts(const std::string& path, const char* query) {
  sqlite3* db = nullptr;
  sqlite3_stmt* st = nullptr;
  std::vector<std::string> out;
  if (sqlite3_open(path.c_str(), &db) == SQLITE_OK && sqlite3_prepare_v2(db, query, -1, &st, nullptr) == SQLITE_OK)
    while (sqlite3_step(st) == SQLITE_ROW) out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
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
    c.p = 23, c.epochs = 40, c.checkpoint_interval = 5;
    {  // a trainer holds the run until it is destroyed
      Trainer t = Trainer::start(c, path, true, {1});
      t.limit_file_size(4'000'000);  // room for a few checkpoints, then "full"
      std::atomic<bool> stop{false};
      try {
        t.run(stop);
        QFAIL("the size limit was never reached");
      } catch (const RunFileError& e) {
        QVERIFY2(QString(e.what()).contains("disk full"), e.what());
        QCOMPARE(e.kind(), RunFileError::Kind::DiskFull);
      }
    }
    QVERIFY(read_everything(path).empty());
    const RunStore s = RunStore::open(path);
    const auto epochs = s.checkpoint_epochs();
    QVERIFY(epochs.size() >= 2);
    QVERIFY(epochs.back() < 40);
    QCOMPARE(s.load_resume_state()->epoch, epochs.back());
    QCOMPARE(s.metrics().back().epoch, epochs.back());     // metrics commit with their checkpoint
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
    QCOMPARE(sqlite3_exec(db, "UPDATE meta SET value='{\"p\": 4}' WHERE key='config'", nullptr, nullptr, nullptr),
             SQLITE_OK);
    QCOMPARE(sqlite3_exec(db, "UPDATE tensors SET shape='[3, 3]' WHERE rowid=1", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
    expect_refused(noconfig, "stored config: p: got 4");

    const std::string next = dir.file("next.grok");  // the very next format is newer too
    make_run(next);
    sql(next, ("PRAGMA user_version=" + std::to_string(kRunSchemaVersion + 1)).c_str());
    expect_refused(next, "update the app");
  }

  // Each problem carries its kind (what the CLI's exit code and the GUI choose by), with the
  // message as before.
  void errorKinds() {
    using K = RunFileError::Kind;
    test::ScratchDir dir;
    const std::string good = dir.file("good.grok"), bad = dir.file("bad.grok");
    make_run(good);
    auto open = [](const std::string& p) { return [p] { RunStore::open(p); }; };
    QCOMPARE(kind_of(open(dir.file("missing.grok"))), to_string(K::Missing));
    write_all(bad, "epoch,train_loss\n");
    QCOMPARE(kind_of(open(bad)), to_string(K::Foreign));
    write_all(bad, "");
    QCOMPARE(kind_of(open(bad)), to_string(K::Foreign));
    QCOMPARE(kind_of(open(dir.file(""))), to_string(K::Foreign));  // a folder
    write_all(bad, read_all(good).substr(0, 100));
    QCOMPARE(kind_of(open(bad)), to_string(K::Damaged));
    write_all(bad, read_all(good));
    sql(bad, "PRAGMA user_version=99");
    QCOMPARE(kind_of(open(bad)), to_string(K::Newer));
    write_all(bad, read_all(good));
    sql(bad, "INSERT INTO measures VALUES(0, 'live:1,,2', 'train_loss', 1.0)");
    QCOMPARE(kind_of([&] { RunStore::open(bad).load_measures(KeySelection::Live); }), to_string(K::Damaged));
    QCOMPARE(kind_of([&] { RunStore::create(good, tiny_config(), false); }), to_string(K::Exists));
    QCOMPARE(kind_of([&] { RunStore::create("/nonexistent-dir/run.grok", tiny_config(), false); }),
             to_string(K::Unwritable));
    QCOMPARE(kind_of([&] { RunStore::open(good).set_meta("note", "x"); }), to_string(K::Unwritable));  // read-only
    QCOMPARE(kind_of([&] { RunStore::open(good).load_checkpoint(7); }), to_string(K::NoCheckpoint));
    write_all(dir.file("empty.grok"), read_all(good));
    test::remove_checkpoints(dir.file("empty.grok"));
    QCOMPARE(kind_of([&] { Trainer::resume(dir.file("empty.grok"), std::nullopt, {1}); }), to_string(K::NoCheckpoint));
    {  // another connection holds the write lock past the busy timeout (5 s)
      sqlite3* db = nullptr;
      QCOMPARE(sqlite3_open(good.c_str(), &db), SQLITE_OK);
      QCOMPARE(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
      QCOMPARE(kind_of([&] { RunStore::open(good, RunStore::Mode::ReadWrite).set_meta("note", "x"); }),
               to_string(K::Busy));
      sqlite3_close(db);
    }
    {  // a file size limit (ulimit -f): writing past it fails with EFBIG, an I/O error to SQLite
      // (a full disk, ENOSPC, is DiskFull: diskFullKeepsEarlierCheckpoints)
      rlimit old{};
      QCOMPARE(getrlimit(RLIMIT_FSIZE, &old), 0);
      const auto handler = signal(SIGXFSZ, SIG_IGN);
      rlimit none = old;
      none.rlim_cur = 0;
      QCOMPARE(setrlimit(RLIMIT_FSIZE, &none), 0);
      const QString kind = kind_of([&] { RunStore::create(dir.file("io.grok"), tiny_config(), false); });
      setrlimit(RLIMIT_FSIZE, &old);
      signal(SIGXFSZ, handler);
      QCOMPARE(kind, to_string(K::Io));
    }
  }

  // The key set tag: one text per set, read back exactly (it is part of the measures' key).
  void keySetTags() {
    for (const char* text : {"live:", "live:14,42", "final:14,35,41,42,52", "given:14,35", "given:7"}) {
      const auto t = KeySetTag::parse(text);
      QVERIFY2(t.has_value(), text);
      QCOMPARE(t->to_string(), std::string(text));
    }
    QCOMPARE(KeySetTag::parse("final:14,35,41,42,52")->kind, KeySelection::Final);
    QCOMPARE(KeySetTag::parse("given:14,35")->freqs, (std::vector<int>{14, 35}));
    QCOMPARE((KeySetTag{KeySelection::Given, {3, 5}}).to_string(), std::string("given:3,5"));
    for (const char* text : {"", "live", "lively:1", "LIVE:1", "live:1,", "live:,1", "live:1,,2", "live:01", "live:-1",
                             "live: 1", "given:1x", "given:12345678"})
      QVERIFY2(!KeySetTag::parse(text).has_value(), text);
  }

  // What the run file stores stays the text earlier versions wrote, both ways.
  void storedKeySetTextIsUnchanged() {
    test::ScratchDir dir;
    const std::string path = dir.file("run.grok");
    make_run(path);
    const QRegularExpression live("^live:([1-9][0-9]*(,[1-9][0-9]*)*)?$");
    const auto trained = sql_texts(path, "SELECT DISTINCT key_freqs FROM measures");
    QVERIFY(!trained.empty());
    for (const auto& t : trained) QVERIFY2(live.match(QString::fromStdString(t)).hasMatch(), t.c_str());
    {
      MeasureRecord fin, given;
      fin.epoch = given.epoch = 10;
      fin.keys = {KeySelection::Final, {14, 35, 41, 42, 52}};
      given.keys = {KeySelection::Given, {3}};
      fin.values["gini_wl"] = 0.5;
      given.values["gini_wl"] = 0.25;
      RunStore::open(path, RunStore::Mode::ReadWrite).store_measures({fin, given});
    }
    QCOMPARE(sql_texts(path,
                       "SELECT key_freqs FROM measures WHERE epoch = 10 AND name = 'gini_wl' "
                       "AND key_freqs NOT LIKE 'live:%' ORDER BY key_freqs"),
             (std::vector<std::string>{"final:14,35,41,42,52", "given:3"}));
    sql(path, "INSERT INTO measures VALUES(20, 'given:2,5', 'gini_wl', 0.75)");  // as an older version wrote it
    const auto given = RunStore::open(path).load_measures(KeySelection::Given);
    QCOMPARE(given.size(), std::size_t(2));
    QVERIFY(given[1].keys == (KeySetTag{KeySelection::Given, {2, 5}}));
    QCOMPARE(given[1].values.at("gini_wl"), 0.75);
    QCOMPARE(RunStore::open(path).load_measures(KeySelection::Final).front().keys.freqs,
             (std::vector<int>{14, 35, 41, 42, 52}));
  }

  // Format 2 dropped 1's unused `analysis`; 3 added `numerics`, 4 `label_metrics`, 5 `view_results`.
  void newRunsAreFormat5WithoutAnalysisTable() {
    test::ScratchDir dir;
    const std::string path = dir.file("run.grok");
    make_run(path);
    QCOMPARE(RunStore::open(path).schema_version(), 5);
    QCOMPARE(RunStore::open(path).meta("schema_version"), std::string("5"));
    QCOMPARE(sql_texts(path, "SELECT name FROM sqlite_master WHERE name = 'analysis'"), std::vector<std::string>{});
  }

  // A format 1 file (no `numerics`, an empty `analysis`) opens, resumes (filling numerics), stays 1.
  void format1FilesOpenAndResume() {
    test::ScratchDir dir;
    const std::string path = dir.file("v1.grok");
    make_run(path, tiny_config(11, 40));
    sql(path,
        "CREATE TABLE analysis(epoch INTEGER NOT NULL, kind TEXT NOT NULL, key_freqs TEXT NOT NULL, "
        "json TEXT NOT NULL, PRIMARY KEY(epoch, kind, key_freqs)); DROP TABLE numerics; DROP TABLE label_metrics;"
        "UPDATE meta SET value = '1' WHERE key = 'schema_version'; PRAGMA user_version=1;");
    QVERIFY(read_everything(path).empty());
    QCOMPARE(RunStore::open(path).metrics().size(), std::size_t(41));  // read-only: no label_metrics to join
    QVERIFY(RunStore::open(path).numerics().empty());
    QCOMPARE(RunStore::open(path).schema_version(), 1);
    Trainer t = Trainer::resume(path, 60, {1});
    std::atomic<bool> stop{false};
    t.run(stop);
    QVERIFY(read_everything(path).empty());
    const RunStore s = RunStore::open(path);
    QCOMPARE(s.checkpoint_epochs(), (std::vector<int>{0, 10, 20, 30, 40, 50, 60}));
    QCOMPARE(s.load_measures(KeySelection::Live).size(), std::size_t(7));
    QCOMPARE(s.numerics().front().epoch, 40);
    QCOMPARE(s.schema_version(), 1);
    QCOMPARE(sql_texts(path, "SELECT name FROM sqlite_master WHERE name = 'analysis'"),
             std::vector<std::string>{"analysis"});
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
