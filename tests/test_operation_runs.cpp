// Short real training runs of every operation on a small prime (the quick preset, p = 59): each
// stores its live measures, and recomputed with the final key set, in the operation's own group,
// the restricted loss falls before the test loss does while the Gini of W_L rises (paper Fig. 7 in
// miniature) - what the analysis of a - b and a * b got backwards before they had their own basis.
#include <QtTest>

#include "core/analysis/checkpoint_analysis.h"
#include "core/base/presets.h"
#include "core/training/trainer.h"
#include "test_util.h"

using namespace grok;

class TestOperationRuns : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void restrictedLossLeadsTheTestLoss_data() {
    QTest::addColumn<std::string>("op");
    QTest::addColumn<double>("fraction");
    QTest::addColumn<int>("epochs");
    QTest::addColumn<int>("lead");  // epochs by which the restricted loss at least leads
    QTest::newRow("add") << std::string("add") << 0.35 << 1500 << 300;
    QTest::newRow("subtract") << std::string("subtract") << 0.5 << 1500 << 100;
    QTest::newRow("multiply") << std::string("multiply") << 0.5 << 1000 << 100;
    QTest::newRow("divide") << std::string("divide") << 0.45 << 1300 << 100;
  }
  void restrictedLossLeadsTheTestLoss() {
    QFETCH(std::string, op);
    QFETCH(double, fraction);
    QFETCH(int, epochs);
    QFETCH(int, lead);
    test::ScratchDir dir;
    Config c = preset("quick").config;
    c.task = op;
    c.train_fraction = fraction;
    c.epochs = epochs;
    test::train_run(c, dir.file("r.grok"));
    RunStore s = RunStore::open(dir.file("r.grok"), RunStore::Mode::ReadWrite);
    const std::vector<int> epochs_stored = s.checkpoint_epochs();
    const std::vector<MeasureRecord> live = s.load_measures(KeySelection::Live);
    QCOMPARE(live.size(), epochs_stored.size());
    for (std::size_t i = 0; i < live.size(); i++) {
      QCOMPARE(live[i].epoch, epochs_stored[i]);
      QVERIFY(live[i].values.count("restricted_loss_test") && live[i].values.count("max_excluded_loss"));
      QCOMPARE(live[i].values.count("outside_loss") == 1,
               c.task == std::string("multiply") || c.task == std::string("divide"));
    }
    QVERIFY(live.front().keys.freqs.empty());  // a random model has no key frequency yet
    QVERIFY(!live.back().keys.freqs.empty());
    QCOMPARE(fill_missing_measures(s, KeySelection::final_checkpoint()), static_cast<int>(epochs_stored.size()));
    const std::vector<MeasureRecord> fin = s.load_measures(KeySelection::Final);
    auto first_below = [&](const char* name, double v) {
      for (const auto& r : fin)
        if (r.values.at(name) < v) return r.epoch;
      return -1;
    };
    const int restricted_low = first_below("restricted_loss_test", 1.0), test_low = first_below("test_loss", 1.0);
    qInfo("restricted loss < 1 at epoch %d, test loss < 1 at %d; Gini(W_L) %.3f -> %.3f", restricted_low, test_low,
          fin.front().values.at("gini_wl"), fin.back().values.at("gini_wl"));
    QVERIFY2(restricted_low > 0 && test_low > 0 && restricted_low + lead <= test_low,
             qPrintable(QString("restricted < 1 at %1, test < 1 at %2").arg(restricted_low).arg(test_low)));
    QVERIFY2(
        fin.back().values.at("gini_wl") > fin.front().values.at("gini_wl") + 0.3,
        qPrintable(QString("%1 -> %2").arg(fin.front().values.at("gini_wl")).arg(fin.back().values.at("gini_wl"))));
    // Grokked: the final checkpoint's restricted loss is far below its excluded loss.
    QVERIFY(fin.back().values.at("restricted_loss_test") < 0.01 * fin.back().values.at("excluded_loss_train"));
  }
};

GROK_TEST_APPLESS_MAIN(TestOperationRuns)
#include "test_operation_runs.moc"
