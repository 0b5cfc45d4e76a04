// The results cache (core/analysis/results_cache.h): what it keeps comes back as computed, a
// changed checkpoint or key set is another entry, anything not written by it is recomputed, a cache
// that cannot be opened is no cache, and a second visit to a checkpoint (a new window, a new
// session) shows its check table with the views, computing neither it nor the neuron stage.
#include <QtTest>

#include <fstream>

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
    CachedResults a{*firsts[0]->checks, {firsts[0]->snapshot->neurons}, firsts[0]->snapshot->neuron_ipr};
    CachedResults b{*firsts[1]->checks, {firsts[1]->snapshot->neurons}, firsts[1]->snapshot->neuron_ipr};
    same(a, b);
  }
};

QTEST_MAIN(TestResultsCache)
#include "test_results_cache.moc"
