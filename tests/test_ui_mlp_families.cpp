// The MLP families in the window, headless, as a user drives them: the run panel's fields set to
// an MLP (Chughtai et al.'s, and Gromov's with MSE and label noise), Start pressed, the live views
// filling while it trains (no attention panel, a W_E spectrum per operand, hidden units as neuron
// maps), the scrubber stepped back, a fork from there through the fork dialog, and the exports.
#include <QApplication>
#include <QDockWidget>
#include <QPushButton>
#include <QTableWidget>
#include <QtTest>

#include "core/store/run_store.h"
#include "test_util.h"
#include "ui/checkpoint/epoch_scrubber.h"
#include "ui/plots/heatmap_view.h"
#include "ui/plots/spectrum_view.h"
#include "ui/run/fork_dialog.h"
#include "ui/run/run_panel.h"
#include "ui/window/main_window.h"
#include "ui/window/run_viewer.h"
#include "ui_test_util.h"

using namespace grok;

namespace {

constexpr int kEpochs = 150, kEvery = 25, kForkAt = 50;

}  // namespace

class TestUiMlpFamilies : public QObject {
  Q_OBJECT
  QTemporaryDir settings_;
  test::MessageBoxCloser boxes_;  // any message box the window showed, closed (and kept to report)

 private slots:
  void initTestCase() {
    initUiTest(settings_.path());
    boxes_.start();
  }

  void trainsLiveScrubsForksAndExports_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<QStringList>("fields");
    QTest::newRow("mlp") << "mlp" << QStringList{"activation=relu", "d_model=16", "d_mlp=32"};
    QTest::newRow("quadratic-mlp") << "quadratic-mlp"
                                   << QStringList{
                                          "activation=quadratic", "loss=mse", "label_noise=0.3", "d_mlp=40", "lr=0.01",
                                          "warmup_steps=0"};
  }

  void trainsLiveScrubsForksAndExports() {
    QFETCH(QString, model);
    QFETCH(QStringList, fields);
    test::ScratchDir dir;
    const QString path = dir.qfile(model + ".grok");
    MainWindow w;
    w.show();
    RunPanel* panel = w.runPanel();
    test::setTinyFields(panel);
    panel->setField("model", model);
    for (const QString& f : fields) panel->setField(f.section('=', 0, 0), f.section('=', 1));
    panel->setField("epochs", QString::number(kEpochs));
    panel->setField("path", path);

    // Live: the views follow the training thread's checkpoints.
    QSignalSpy finished(&w, &MainWindow::trainingFinished);
    w.startTraining();
    QVERIFY2(w.training(), qPrintable(boxes_.texts.join("; ")));
    QTRY_VERIFY_WITH_TIMEOUT(w.viewer()->scrubber()->checkpoints().size() >= 2, 60000);
    QTRY_VERIFY_WITH_TIMEOUT(w.viewer()->shownSnapshotEpoch() >= kEvery, 60000);
    QVERIFY(!w.findChild<QDockWidget*>("dock-attention")->isVisible());  // an MLP has none
    QVERIFY(w.findChild<QDockWidget*>("dock-neurons")->isVisible());     // its hidden units over (a, b)
    QVERIFY(w.viewer()->neuronView()->plottableCount() > 0);
    QCOMPARE(w.viewer()->weView()->plottable(0)->name(), QString("a"));  // a spectrum per operand
    QCOMPARE(w.viewer()->weView()->plottable(1)->name(), QString("b"));
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 120000);  // it may have finished while the views filled
    QCOMPARE(finished.first().first().toBool(), true);
    const RunStore parent = RunStore::open(path.toStdString());
    QCOMPARE(QString::fromStdString(parent.config().model), model);
    QVERIFY(parent.complete());

    // Scrubbed back: every view and the check table show the earlier checkpoint, with the rows an
    // MLP has (pruning by IPR) and none it has not (attention).
    w.viewer()->scrubber()->setEpoch(kForkAt);
    QTRY_COMPARE_WITH_TIMEOUT(w.viewer()->shownSnapshotEpoch(), kForkAt, 30000);
    QTRY_COMPARE_WITH_TIMEOUT(w.viewer()->shownChecksEpoch(), kForkAt, 30000);
    const QStringList checks = test::checkNames(w.viewer()->checksTable());
    QVERIFY2(checks.filter("periodic half of the neurons").size() >= 2, qPrintable(checks.join(" | ")));
    QVERIFY2(checks.filter("attention", Qt::CaseInsensitive).isEmpty(), qPrintable(checks.join(" | ")));

    // Forked there, weight decay off, through the dialog: the child is the same family.
    ForkDialog* d = w.forkFromHere();
    QVERIFY(d);
    QCOMPARE(d->epoch(), kForkAt);
    d->toggle("no-weight-decay")->click();
    QVERIFY(d->okButton()->isEnabled());
    d->okButton()->click();
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, 120000);
    QVERIFY2(boxes_.texts.isEmpty(), qPrintable(boxes_.texts.join("; ")));
    const QString child = dir.qfile(model + "-fork-e" + QString::number(kForkAt) + ".grok");
    QCOMPARE(w.runPath(), child);
    const RunStore c = RunStore::open(child.toStdString());
    QCOMPARE(QString::fromStdString(c.config().model), model);
    QCOMPARE(c.config().weight_decay, 0.0);
    QCOMPARE(c.config().label_noise, parent.config().label_noise);
    QCOMPARE(c.checkpoint_epochs().front(), kForkAt);
    QCOMPARE(c.checkpoint_epochs().back(), kEpochs);
    QVERIFY(c.complete());
    QTRY_COMPARE_WITH_TIMEOUT(w.viewer()->shownChecksEpoch(), w.viewer()->scrubber()->epoch(), 30000);

    // Exports: the dashboard as a picture and a vector file, every figure, the metrics with the
    // accuracy on the true labels.
    QCOMPARE(w.exportDashboard(dir.qfile("dashboard.png")), QString());
    QCOMPARE(w.exportDashboard(dir.qfile("dashboard.svg")), QString());
    QCOMPARE(w.exportAllFigures(dir.qfile("figures")), QString());
    QVERIFY(QFileInfo(dir.qfile("dashboard.png")).size() > 1000);
    QVERIFY(QFileInfo(dir.qfile("dashboard.svg")).size() > 1000);
    QVERIFY(!QDir(dir.qfile("figures")).entryList(QDir::Files).isEmpty());
    QCOMPARE(w.exportMetricsCsv(dir.qfile("metrics.csv")), QString());
    QFile csv(dir.qfile("metrics.csv"));
    QVERIFY(csv.open(QIODevice::ReadOnly));
    QVERIFY(QString::fromUtf8(csv.readLine()).contains("train_acc_true"));
  }
};

GROK_TEST_MAIN(TestUiMlpFamilies, QApplication)
#include "test_ui_mlp_families.moc"
