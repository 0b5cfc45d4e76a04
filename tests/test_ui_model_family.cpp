// A model family the app has never heard of (tests/toy_family.cpp, declared only there) trains
// through the trainer, is stored, is analysed by the checkpoint analyzer and is shown in the
// window, which leaves out the panels of what the family does not have (attention, neurons).
#include <QDockWidget>
#include <QtTest>

#include <algorithm>
#include <atomic>
#include <cmath>

#include "core/analysis/checkpoint_analysis.h"
#include "core/model/model_family.h"
#include "core/store/run_store.h"
#include "core/training/trainer.h"
#include "core/transfer/transfer.h"
#include "test_util.h"
#include "toy_family.h"
#include "ui/plots/spectrum_view.h"
#include "ui/window/main_window.h"
#include "ui/window/run_viewer.h"

using namespace grok;

namespace {

Config toy_config(int epochs = 60) {
  Config c = test::tiny_config(11, epochs, 20, 5);
  c.model = test::kToyFamily;
  c.lr = 1e-2;  // a linear model: no warm circuit to protect, and it learns within a test's epochs
  return c;
}

}  // namespace

class TestUiModelFamily : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { QVERIFY(test::toy_family_registered()); }

  void theConfigKnowsRegisteredFamiliesOnly() {
    const std::vector<std::string> names = model_names();
    QCOMPARE(names.front(), std::string("transformer"));
    QVERIFY(std::find(names.begin(), names.end(), test::kToyFamily) != names.end());
    QCOMPARE(parse_config("{}").model, std::string("transformer"));  // every older run file
    QCOMPARE(parse_config(R"({"model": "toy-sum"})").model, std::string("toy-sum"));
    try {
      parse_config(R"({"model": "nope"})");
      QFAIL("an unknown family was accepted");
    } catch (const ConfigError& e) {
      QCOMPARE(QString(e.what()),
               QString("model: unknown family \"nope\" (allowed: transformer, mlp, quadratic-mlp, toy-sum)"));
    }
    QCOMPARE(model_family(toy_config()).parameters(toy_config()).size(), std::size_t(3));
  }

  void trainsStoresAndAnalyses() {
    test::ScratchDir dir;
    const std::string path = dir.file("toy.grok");
    test::train_run(toy_config(), path);
    {  // resumes like any run
      Trainer t = Trainer::resume(path, 80, {1});
      std::atomic<bool> stop{false};
      t.run(stop);
    }
    const RunStore s = RunStore::open(path);
    QCOMPARE(s.config().model, std::string(test::kToyFamily));
    QCOMPARE(s.checkpoint_epochs(), (std::vector<int>{0, 20, 40, 60, 80}));
    std::vector<std::string> names;
    for (const NamedArray& a : s.load_checkpoint(80)) names.push_back(a.name);
    QCOMPARE(names, (std::vector<std::string>{"embed.W_a", "embed.W_b", "unembed.W_U"}));
    const auto m = s.metrics();
    QVERIFY2(m.back().train_loss < 0.9 * m.front().train_loss,
             qPrintable(QString("train loss %1 -> %2").arg(m.front().train_loss).arg(m.back().train_loss)));
    QCOMPARE(s.load_measures(KeySelection::Live).size(), std::size_t(5));  // the trainer's commit measured each

    const CheckpointAnalysis a = analyze_checkpoint(s, 80, KeySelection::live());
    QCOMPARE(a.spectra.we_norms.size(), std::size_t(11));  // W_a over Z_11
    QCOMPARE(a.spectra.wl_norms.size(), std::size_t(11));  // W_U^T: no neurons
    QVERIFY(a.neurons.freq.empty());
    QCOMPARE(a.layers.size(), std::size_t(1));
    QVERIFY(a.layers[0].attention_to_a.empty());
    QCOMPARE(QString::fromStdString(a.checks.rows.front().check), QString("full model"));
    for (const CheckRow& r : a.checks.rows) QVERIFY(r.check.find("MLP") == std::string::npos);
    QVERIFY(std::isfinite(a.checks.rows.front().loss));
    // The PyTorch layouts are the transformer's: an export says so instead of writing a wrong file.
    QVERIFY_THROWS_EXCEPTION(RunFileError, export_pt(path, {}, dir.file("toy.pt")));
    QVERIFY(!QFile::exists(dir.qfile("toy.pt")));
    // The analyzer's all-pairs forward agrees with the measures the trainer stored from its own passes.
    const double stored = s.load_measures(KeySelection::Live).back().values.at("train_loss");
    QVERIFY2(std::abs(a.measures.train_loss - stored) < 1e-5 * stored,
             qPrintable(QString("%1 against %2").arg(a.measures.train_loss).arg(stored)));
  }

  void theWindowShowsWhatTheFamilyHas() {
    test::ScratchDir dir;
    test::train_run(toy_config(), dir.file("toy.grok"));
    test::train_run(test::tiny_config(11, 20, 10, 5), dir.file("transformer.grok"));
    MainWindow w;
    w.show();
    QDockWidget* attention = w.findChild<QDockWidget*>("dock-attention");
    QDockWidget* neurons = w.findChild<QDockWidget*>("dock-neurons");
    QVERIFY(attention && neurons);
    QVERIFY(w.openRun(dir.qfile("toy.grok"), true));
    QTRY_COMPARE_WITH_TIMEOUT(w.viewer()->shownSnapshotEpoch(), 60, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(w.viewer()->shownChecksEpoch(), 60, 20000);
    QVERIFY(!attention->isVisible());
    QVERIFY(!neurons->isVisible());
    QVERIFY(w.viewer()->weView()->plottableCount() > 0);
    // A transformer run brings them back.
    QVERIFY(w.openRun(dir.qfile("transformer.grok"), true));
    QVERIFY(attention->isVisible());
    QVERIFY(neurons->isVisible());
  }
};

QTEST_MAIN(TestUiModelFamily)
#include "test_ui_model_family.moc"
