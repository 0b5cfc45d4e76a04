// Progress measures through the public API on a trained checkpoint. (Planted-solution tests come
// with the rest of the analysis.)
#include <QtTest>

#include <atomic>
#include <cmath>

#include "core/progress_measures.h"
#include "core/run_store.h"
#include "core/trainer.h"
#include "core/weight_spectra.h"
#include "tests/test_util.h"

using namespace grok;

class TestProgressMeasures : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void emptyKeySetLeavesTheLogitsAlone() {
    test::ScratchDir dir;
    const Config c = test::tiny_config(23, 100, 50, 5);
    test::train_run(c, dir.file("run.grok"));
    const RunStore s = RunStore::open(dir.file("run.grok"));
    const Dataset d = make_dataset(c);
    const FourierBasis F(c.p);
    const ProgressMeasures m = compute_progress_measures(c, s.load_checkpoint(100), d, {}, F);
    // Nothing projected out: the excluded loss is the train loss, bit for bit.
    QCOMPARE(m.excluded_loss_train, m.train_loss);
    // Nothing kept but the mean logits, the same for every pair: near-uniform loss, chance accuracy.
    QVERIFY2(m.restricted_loss_all > 0.5 * std::log(23.0), qPrintable(QString::number(m.restricted_loss_all)));
    QVERIFY(m.restricted_acc_test < 0.2);
    // The p-output losses track the stored (p+1-output) metrics closely.
    const auto stored = s.metrics(100, 100).front();
    QVERIFY(std::abs(m.train_loss - stored.train_loss) < 0.05 * stored.train_loss + 1e-4);
    QVERIFY(std::abs(m.test_loss - stored.test_loss) < 0.05 * stored.test_loss + 1e-4);
    QCOMPARE(m.cos_abc_coefficients.size(), std::size_t(11));
    QVERIFY(m.max_excluded_freq >= 1 && m.max_excluded_freq <= 11);
    QVERIFY(std::isfinite(m.max_excluded_loss) && m.max_excluded_loss > 0);
    const WeightSpectra w = weight_spectra(c, s.load_checkpoint(100), F);
    QCOMPARE(m.gini_wl, w.gini_wl);
    QVERIFY(m.sum_sq_weights > 0);
  }
};

QTEST_APPLESS_MAIN(TestProgressMeasures)
#include "test_progress_measures.moc"
