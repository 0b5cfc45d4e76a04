// The results cache (core/analysis/results_cache.h): what it keeps comes back as computed, a
// changed checkpoint or key set is another entry, anything not written by it is recomputed, a cache
// that cannot be opened is no cache, and a second visit to a checkpoint (a new window, a new
// session) shows its check table with the views, computing neither it nor the neuron stage. While
// the app trains a run, the results go into the run file instead (its `view_results`), travel with
// it, and are checked there as in the cache; a run the user only opened is never written.
#include <QtTest>

#include <QCryptographicHash>
#include <QFile>
#include <fstream>

#include <sqlite3.h>

#include "core/analysis/checkpoint_analyzer.h"
#include "core/analysis/results_cache.h"
#include "core/store/run_store.h"
#include "test_util.h"
#include "ui/checkpoint/snapshot_service.h"

using namespace grok;

namespace {

CachedResults results_of(const CheckpointAnalyzer& an, const CheckpointWeights& w, int epoch) {
  const Snapshot s = an.snapshot(epoch, w, std::nullopt, SnapshotScope::views);
  CachedResults r{an.checks(w, s), {}, s.neuron_ipr};
  for (int l = 0; l < s.n_layers(); l++) r.neurons.push_back(s.layer(l).neurons);
  return r;
}

void same(const CachedResults& a, const CachedResults& b) {
  QCOMPARE(a.checks.key_freqs, b.checks.key_freqs);
  QCOMPARE(a.checks.rows.size(), b.checks.rows.size());
  for (std::size_t i = 0; i < a.checks.rows.size(); i++) {
    QCOMPARE(a.checks.rows[i].check, b.checks.rows[i].check);
    QCOMPARE(a.checks.rows[i].loss, b.checks.rows[i].loss);
    QCOMPARE(a.checks.rows[i].accuracy, b.checks.rows[i].accuracy);
  }
  QCOMPARE(a.checks.logit_fit_fve, b.checks.logit_fit_fve);
  QCOMPARE(a.checks.wl_norm_outside_key, b.checks.wl_norm_outside_key);
  QCOMPARE(a.neurons.size(), b.neurons.size());
  for (std::size_t l = 0; l < a.neurons.size(); l++) {
    QCOMPARE(a.neurons[l].freq, b.neurons[l].freq);
    QCOMPARE(a.neurons[l].fve, b.neurons[l].fve);
  }
  QCOMPARE(a.neuron_ipr, b.neuron_ipr);
}

QByteArray file_hash(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return {};
  return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256);
}

// The first and the last `ready` of one request to a new service (the views, then with the table).
std::pair<ViewSnapshotPtr, ViewSnapshotPtr> visit(const QString& run, const QString& cache, const QString& trained,
                                                  int epoch) {
  SnapshotService s;
  s.setResultsCache(cache);
  s.setRun(run);
  s.setTrainedRun(trained);
  QSignalSpy ready(&s, &SnapshotService::ready);
  s.request(epoch);
  if (!QTest::qWaitFor([&] { return !ready.isEmpty() && ready.last()[1].value<ViewSnapshotPtr>()->checks; }, 20000))
    return {};
  return {ready.first()[1].value<ViewSnapshotPtr>(), ready.last()[1].value<ViewSnapshotPtr>()};
}

// Tables named `name` in the file (-1 if it cannot be read).
int table_count(const std::string& path, const std::string& name) {
  sqlite3* db = nullptr;
  sqlite3_stmt* st = nullptr;
  int n = -1;
  if (sqlite3_open(path.c_str(), &db) == SQLITE_OK &&
      sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1", -1, &st,
                         nullptr) == SQLITE_OK) {
    sqlite3_bind_text(st, 1, name.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int(st, 0);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

CachedResults results_shown(const ViewSnapshot& v) {
  return {*v.checks, {v.snapshot->neurons}, v.snapshot->neuron_ipr};
}

}  // namespace

class TestResultsCache : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void keepsWhatWasComputedAndRefusesEverythingElse() {
    test::ScratchDir dir;
    const Config c = test::tiny_config(11, 40, 20, 4);
    test::train_run(c, dir.file("run.grok"));
    const RunStore store = RunStore::open(dir.file("run.grok"));
    const CheckpointAnalyzer an(c);
    const CheckpointWeights w = an.weights(store.load_checkpoint(40));
    const CachedResults r = results_of(an, w, 40);
    QVERIFY(!r.checks.rows.empty() && r.neurons.size() == 1 && r.neuron_ipr.size() == std::size_t(c.d_mlp));

    // The bytes: back as written; every truncation, an extra byte, another anatomy: refused.
    const std::vector<unsigned char> bytes = encode_results(r);
    same(*decode_results(bytes, c), r);
    for (std::size_t n = 0; n < bytes.size(); n++)
      QVERIFY(!decode_results(std::vector<unsigned char>(bytes.begin(), bytes.begin() + n), c));
    std::vector<unsigned char> longer = bytes;
    longer.push_back(0);
    QVERIFY(!decode_results(longer, c));
    Config wider = c;
    wider.d_mlp = c.d_mlp + 1;
    QVERIFY(!decode_results(bytes, wider));
    std::vector<unsigned char> huge = bytes;
    for (int i = 8; i < 12; i++) huge[static_cast<std::size_t>(i)] = 0xff;  // the key count
    QVERIFY(!decode_results(huge, c));

    // The file: a miss, then what was put; the key follows the content.
    ResultsCache cache(dir.file("cache/results.sqlite"));
    QVERIFY2(cache.ok(), cache.error().c_str());
    const std::string key = ResultsCache::key(w, 40, r.checks.key_freqs);
    QVERIFY(!cache.get(key, c));
    cache.put(key, r);
    same(*cache.get(key, c), r);
    QVERIFY(!cache.get(key, wider));  // stored for another anatomy: recomputed
    QVERIFY(ResultsCache::key(w, 20, r.checks.key_freqs) != key);
    QVERIFY(ResultsCache::key(w, 40, {1, 2}) != key);
    std::vector<NamedArray> changed = store.load_checkpoint(40);
    changed.back().bytes[0] ^= 1;  // one bit of one weight
    QVERIFY(ResultsCache::key(CheckpointWeights(c, changed), 40, r.checks.key_freqs) != key);
    Config other = c;
    other.seed = c.seed + 1;
    QVERIFY(ResultsCache::key(CheckpointWeights(other, store.load_checkpoint(40)), 40, r.checks.key_freqs) != key);

    // A cache that cannot be opened is no cache; a damaged file neither crashes nor answers.
    std::ofstream(dir.file("not-a-folder")) << "x";
    ResultsCache nowhere(dir.file("not-a-folder/results.sqlite"));
    QVERIFY(!nowhere.ok() && !nowhere.error().empty());
    QVERIFY(!nowhere.get(key, c));
    nowhere.put(key, r);
    std::ofstream(dir.file("damaged.sqlite")) << std::string(4096, 'J');
    ResultsCache damaged(dir.file("damaged.sqlite"));
    QVERIFY(!damaged.get(key, c));
    damaged.put(key, r);
  }

  // A second service on the same run and cache (the next session) shows the check table with the
  // views, and it is the table the first computed.
  void aSecondVisitReadsTheTable() {
    test::ScratchDir dir;
    test::train_run(test::tiny_config(11, 40, 20, 4), dir.file("run.grok"));
    std::vector<ViewSnapshotPtr> firsts;
    for (int visit = 0; visit < 2; visit++) {
      SnapshotService s;
      s.setResultsCache(dir.qfile("results.sqlite"));
      s.setRun(dir.qfile("run.grok"));
      QSignalSpy ready(&s, &SnapshotService::ready);
      s.request(40);
      QTRY_VERIFY_WITH_TIMEOUT(!ready.isEmpty() && ready.last()[1].value<ViewSnapshotPtr>()->checks, 20000);
      const ViewSnapshotPtr first = ready.first()[1].value<ViewSnapshotPtr>();
      if (visit == 1) QVERIFY2(first->checks != nullptr, "the second visit shows the table with the views");
      firsts.push_back(ready.last()[1].value<ViewSnapshotPtr>());
    }
    same(results_shown(*firsts[0]), results_shown(*firsts[1]));
  }

  // While the app trains the run (its trainer holding the file), the service keeps the results in
  // the run file, not in the user's cache; another machine's service (an empty cache, the run only
  // opened) reads them there with the views, and writes nothing into the file.
  void theRunFileKeepsThemWhileTheAppTrainsIt() {
    test::ScratchDir dir;
    const Config c = test::tiny_config(11, 40, 20, 4);
    test::train_run(c, dir.file("run.grok"));
    const QString run = dir.qfile("run.grok");
    std::pair<ViewSnapshotPtr, ViewSnapshotPtr> first;
    {
      const RunStore trainer = RunStore::open(dir.file("run.grok"), RunStore::Mode::Train);
      first = visit(run, dir.qfile("mine.sqlite"), run, 40);
      QVERIFY(first.second);
      QVERIFY2(!first.first->checks, "computed the first time");
    }
    QCOMPARE(RunStore::open(dir.file("run.grok")).view_results_count(), 1);
    const CachedResults kept = results_shown(*first.second);
    const std::string key = ResultsCache::key(*first.second->weights, 40, kept.checks.key_freqs);
    QVERIFY2(!ResultsCache(dir.file("mine.sqlite")).get(key, c), "not also in the user's cache");
    same(*run_file_results(RunStore::open(dir.file("run.grok")), 40, key), kept);

    const QByteArray before = file_hash(run);
    const auto elsewhere = visit(run, dir.qfile("theirs.sqlite"), QString(), 40);
    QVERIFY(elsewhere.first);
    QVERIFY2(elsewhere.first->checks, "the run file's table comes with the views");
    same(results_shown(*elsewhere.first), kept);
    QCOMPARE(file_hash(run), before);
    // A run trained elsewhere ("another run is trained"): the user's cache, the file untouched.
    const auto other = visit(run, dir.qfile("other.sqlite"), dir.qfile("another.grok"), 20);
    QVERIFY(other.first && !other.first->checks);
    QCOMPARE(file_hash(run), before);
    QVERIFY(ResultsCache(dir.file("other.sqlite"))
                .get(ResultsCache::key(*other.second->weights, 20, other.second->checks->key_freqs), c));
  }

  // The run file is hostile like any file from outside: bytes that do not decode for its config are
  // recomputed, a blob beyond the bound is never read, and each epoch keeps its newest few key sets.
  void aRunFilesResultsAreChecked() {
    test::ScratchDir dir;
    const Config c = test::tiny_config(11, 40, 20, 4);
    test::train_run(c, dir.file("run.grok"));
    const CheckpointAnalyzer an(c);
    const CheckpointWeights w = an.weights(RunStore::open(dir.file("run.grok")).load_checkpoint(40));
    const CachedResults r = results_of(an, w, 40);
    const std::string key = ResultsCache::key(w, 40, r.checks.key_freqs);
    // No table until the first row: a file nobody kept results in has format 4's schema, and one
    // of format 4 takes the table and still opens.
    QCOMPARE(table_count(dir.file("run.grok"), "view_results"), 0);
    QCOMPARE(test::exec_sql(dir.file("run.grok"), "PRAGMA user_version=4"), std::string());
    {
      RunStore s = RunStore::open(dir.file("run.grok"), RunStore::Mode::ReadWrite);
      std::vector<unsigned char> forged = encode_results(r);
      forged.resize(forged.size() - 8);  // one IPR short
      s.store_view_results(40, key, forged);
      QVERIFY(s.view_results(40, key, forged.size()));
      QVERIFY2(!s.view_results(40, key, forged.size() - 1), "over the bound: not read");
      QVERIFY(!run_file_results(s, 40, key));
      for (int i = 0; i < RunStore::kViewResultsPerEpoch + 2; i++) s.store_view_results(40, std::to_string(i), {1});
      QCOMPARE(s.view_results_count(), RunStore::kViewResultsPerEpoch);
      QVERIFY(s.view_results(40, std::to_string(RunStore::kViewResultsPerEpoch + 1), 1));
      s.store_view_results(40, key, encode_results(r));
      same(*run_file_results(s, 40, key), r);
      s.store_view_results(40, key, {0, 1, 2});
    }
    QCOMPARE(table_count(dir.file("run.grok"), "view_results"), 1);
    QCOMPARE(RunStore::open(dir.file("run.grok")).schema_version(), 4);
    const auto shown = visit(dir.qfile("run.grok"), dir.qfile("mine.sqlite"), QString(), 40);
    QVERIFY(shown.first && !shown.first->checks);  // not trusted: computed
    same(results_shown(*shown.second), r);

    // Damaged where the entry lies (the file's last pages, a large entry's overflow): a miss, no
    // exception. Written last, with the other rows gone, so that its pages end the file.
    QCOMPARE(test::exec_sql(dir.file("run.grok"), "DELETE FROM view_results; VACUUM"), std::string());
    {
      RunStore s = RunStore::open(dir.file("run.grok"), RunStore::Mode::ReadWrite);
      s.store_view_results(40, key, std::vector<unsigned char>(200000, 7));
    }
    {
      std::fstream f(dir.file("run.grok"), std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(-100000, std::ios::end);
      f << std::string(100000, '\xff');
    }
    QVERIFY(!run_file_results(RunStore::open(dir.file("run.grok")), 40, key));
  }
};

QTEST_MAIN(TestResultsCache)
#include "test_results_cache.moc"
