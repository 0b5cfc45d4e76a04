// A measure registered by name (core/analysis/measure_registry.h) reaches every place a checkpoint's
// measures go without an edit there: the trainer stores it with each checkpoint's progress
// measures, `analyze --json` prints it, and the measures fill computes it for a typed key set.
#include <QtTest>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/analysis/checkpoint_analysis.h"
#include "core/analysis/measure_registry.h"
#include "core/store/run_store.h"
#include "test_util.h"

using namespace grok;

namespace {

// The largest W_L Fourier norm: read from the spectra every checkpoint's analysis has.
double wl_peak(const MeasureInputs& in) {
  return *std::max_element(in.spectra.wl_norms.begin(), in.spectra.wl_norms.end());
}

const bool registered = register_measure({"test_wl_peak_norm", wl_peak, {}});

double stored(const std::vector<MeasureRecord>& records, int epoch) {
  for (const MeasureRecord& r : records)
    if (r.epoch == epoch) return r.values.at("test_wl_peak_norm");
  return -1;
}

}  // namespace

class TestMeasureRegistry : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void aRegisteredMeasureIsStoredAndPrinted() {
    QVERIFY(registered);
    QVERIFY_THROWS_EXCEPTION(std::logic_error, register_measure({"test_wl_peak_norm", wl_peak, {}}));
    test::ScratchDir dir;
    const std::string path = dir.file("run.grok");
    test::train_run(test::tiny_config(11, 40, 20, 5), path);
    RunStore s = RunStore::open(path, RunStore::Mode::ReadWrite);
    const std::vector<MeasureRecord> live = s.load_measures(KeySelection::Live);
    QCOMPARE(live.size(), std::size_t(3));  // epochs 0, 20, 40: the trainer's commit measured it
    for (int e : {0, 20, 40}) {
      const CheckpointAnalysis a = analyze_checkpoint(s, e, KeySelection::live());
      const double want = *std::max_element(a.spectra.wl_norms.begin(), a.spectra.wl_norms.end());
      QCOMPARE(stored(live, e), want);
      QCOMPARE(a.measures.registered.at("test_wl_peak_norm"), want);
      QCOMPARE(to_json(a).at("test_wl_peak_norm").get<double>(), want);  // analyze --json
    }
    // A key set chosen later: the fill computes it too.
    QCOMPARE(fill_missing_measures(s, KeySelection{KeySelection::Given, {1, 2}}), 3);
    const std::vector<MeasureRecord> given = s.load_measures(KeySelection::Given);
    QCOMPARE(given.size(), std::size_t(3));
    QCOMPARE(stored(given, 40), stored(live, 40));  // a weight measure: the same whatever the key set
  }
};

QTEST_GUILESS_MAIN(TestMeasureRegistry)
#include "test_measure_registry.moc"
