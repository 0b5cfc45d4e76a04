// Every operation in the window, headless: a multiply run (p = 11, the group Z_10 over log_2)
// opened and scrubbed, and trained live, draws its analysis in the group's basis (the logits' 2D
// map at n x n, the spectra with K = n/2 frequencies, the last the sign character without a sine),
// the views name the basis ("log_2"), and the axis-order option lays the neuron and attention maps
// out exactly as a_token / b_token say (token 0 last), remembered per operation. A task without a
// group (x2+y2) opens with every analysis view saying why it is empty.
#include <QApplication>
#include <QComboBox>
#include <QSettings>
#include <QTableWidget>
#include <QtTest>
#include <cmath>
#include <numeric>

#include "core/analysis/snapshot.h"
#include "core/base/operation_group.h"
#include "core/store/run_store.h"
#include "test_util.h"
#include "ui/checkpoint/attention_panel.h"
#include "ui/checkpoint/axis_order.h"
#include "ui/checkpoint/check_table_view.h"
#include "ui/checkpoint/checkpoint_views.h"
#include "ui/checkpoint/epoch_scrubber.h"
#include "ui/checkpoint/ipr_histogram.h"
#include "ui/checkpoint/key_set_chooser.h"
#include "ui/checkpoint/neuron_panel.h"
#include "ui/plots/heatmap_view.h"
#include "ui/plots/spectrum_view.h"
#include "ui/run/run_panel.h"
#include "ui/window/main_window.h"
#include "ui/window/run_viewer.h"
#include "ui_test_util.h"

using namespace grok;

namespace {

constexpr int kP = 11, kN = 10, kK = 5, kEpochs = 60;

// The snapshot the window computes for `epoch`, computed here (the maps must agree to float rounding).
bool near(double got, double want) { return std::abs(got - want) <= 1e-5 * std::max(1.0, std::abs(want)); }

// Each map of `view` is token_value(m or h, a, b) at (x, y) = (column, row) of the axis order.
template <class F>
void checkMaps(const HeatmapView* view, const AxisTokens& t, F tokenValue) {
  QVERIFY(view->mapCount() > 0);
  for (int i = 0; i < view->mapCount(); i++) {
    QCOMPARE(view->mapSize(i), QSize(kP, kP));
    for (int y = 0; y < kP; y++)
      for (int x = 0; x < kP; x++) {
        const double want = tokenValue(i, t.rows[y], t.cols[x]);
        QVERIFY2(
            near(view->valueAt(i, x, y), want),
            qPrintable(
                QString("map %1 at (%2, %3): %4, want %5").arg(i).arg(x).arg(y).arg(view->valueAt(i, x, y)).arg(want)));
      }
  }
}

// The neuron maps in the order given: map i is the neuron its caption names ("#m k.. ..%").
void checkNeurons(const HeatmapView* view, const Snapshot& s, const AxisTokens& t) {
  checkMaps(view, t, [&](int i, int a, int b) {
    const int m = view->caption(i).section(' ', 0, 0).mid(1).toInt();
    return s.neuron_acts[(static_cast<std::size_t>(a) * kP + b) * s.d_mlp + m];
  });
}

void checkAttention(const HeatmapView* view, const Snapshot& s, const AxisTokens& t) {
  checkMaps(view, t, [&](int h, int a, int b) { return s.attention[(static_cast<std::size_t>(h) * kP + a) * kP + b]; });
}

// What the window shows of a multiply snapshot, with the maps in group order.
void checkMultiplyViews(MainWindow& w, const Snapshot& s) {
  const OperationGroup g = operation_group(std::string("multiply"), kP);
  QCOMPARE(g.generator, 2);
  // The logits' 2D norms over (i, j): n x n, labelled by the group's coordinate. Their view is
  // behind the prediction grid's tab: its norms come once the user rests on the checkpoint.
  HeatmapView* logits = w.viewer()->logitsView();
  QTRY_VERIFY_WITH_TIMEOUT(logits->hasData(), 20000);
  QCOMPARE(logits->mapSize(0), QSize(kN, kN));
  for (int y = 0; y < kN; y++)
    for (int x = 0; x < kN; x++) QVERIFY(near(logits->valueAt(0, x, y), s.measures.logits_2d_norms[y * kN + x]));
  QVERIFY2(logits->yLabel().contains("log_2 a") && logits->xLabel().contains("log_2 b"), qPrintable(logits->yLabel()));
  // Spectra: K = 5, the last (the sign character) a cos bar only.
  for (auto [view, norms] :
       {std::pair{w.viewer()->weView(), &s.spectra.we_norms}, std::pair{w.viewer()->wlView(), &s.spectra.wl_norms}}) {
    QCOMPARE(static_cast<int>(norms->size()), kN);
    QCOMPARE(view->frequencies(), kK);
    QVERIFY(view->hasSinBar(kK - 1));
    QVERIFY(!view->hasSinBar(kK));
    QVERIFY(near(view->cosAt(0), (*norms)[0]));
    QVERIFY(near(view->cosAt(kK), (*norms)[kN - 1]));
    QVERIFY2(view->title().contains("log_2 x (Z_10)"), qPrintable(view->title()));
    const QString xLabel = view->xAxis->label().replace('\n', ' ');  // wrapped to the figure's width
    QVERIFY2(xLabel.contains("log_2 x (Z_10)") && xLabel.contains("5 = sign"), qPrintable(view->xAxis->label()));
  }
  // The neuron clusters name the basis; the maps are in group order, token 0 last.
  NeuronPanel* neurons = w.viewer()->views()->neurons();
  for (int i = 0; i < neurons->clusterPicker()->count(); i++)
    QVERIFY2(neurons->clusterPicker()->itemText(i).contains("log_2 a, log_2 b (Z_10)"),
             qPrintable(neurons->clusterPicker()->itemText(i)));
  QCOMPARE(neurons->axisOrder()->order(), AxisOrder::Group);
  QCOMPARE(w.viewer()->views()->attention()->axisOrder()->order(), AxisOrder::Group);
  const AxisTokens t = axisTokens(g, AxisOrder::Group);
  for (int i = 0; i < kN; i++) {
    QCOMPARE(t.rows[i], g.a_token(i));
    QCOMPARE(t.cols[i], g.b_token(i));
  }
  QCOMPARE(t.rows[kN], 0);
  QCOMPARE(t.cols[kN], 0);
  QCOMPARE(t.rows[1], 2);  // g^1
  checkNeurons(neurons->view(), s, t);
  checkAttention(w.viewer()->attentionView(), s, t);
  // The Mechanism dock's histogram: every neuron's IPR, in its bin.
  const std::vector<int>& bins = w.viewer()->views()->iprView()->counts();
  QCOMPARE(std::accumulate(bins.begin(), bins.end(), 0), s.d_mlp);
  QCOMPARE(static_cast<int>(s.neuron_ipr.size()), s.d_mlp);
  for (int i = 0; i < s.d_mlp; i++) QVERIFY(s.neuron_ipr[i] > 0 && s.neuron_ipr[i] <= 1);
  for (HeatmapView* v : {neurons->view(), w.viewer()->attentionView()}) {
    QCOMPARE(v->yLabel(), QString("log_2 a, token 0 last"));
    QCOMPARE(v->xLabel(), QString("log_2 b, token 0 last"));
    if (v->mapCount() > 1)
      QCOMPARE(v->footer(), QString("rows: log_2 a, token 0 last\ncolumns: log_2 b, token 0 last"));
  }
}

}  // namespace

class TestUiOperations : public QObject {
  Q_OBJECT
  QTemporaryDir settings_;
  test::ScratchDir dir_;

 private slots:
  void initTestCase() {
    initUiTest(settings_.path());
    Config c = test::tiny_config(kP, kEpochs, 20, 5);
    c.task = std::string("multiply");
    test::train_run(c, dir_.file("multiply.grok"));
    test::train_run(test::tiny_config(kP, 20, 20, 5), dir_.file("add.grok"));
    Config poly = test::tiny_config(kP, 20, 20, 5);
    poly.task = "x2+y2";
    test::train_run(poly, dir_.file("x2+y2.grok"));
  }

  void aTaskWithoutAGroupSaysWhyItsViewsAreEmpty() {
    MainWindow w;
    w.resize(1600, 1000);
    w.show();
    QVERIFY(w.openRun(dir_.qfile("x2+y2.grok"), true));
    RunViewer* v = w.viewer();
    const QString why = "Not defined: (a² + b²) mod 11 is not a group's composition (the losses and accuracies are).";
    for (Figure* f : std::initializer_list<Figure*>{v->weView(), v->wlView(), v->logitsView(), v->attentionView(),
                                                    v->views()->neurons()->view()})
      QCOMPARE(f->notice(), why);
    QCOMPARE(v->views()->checks()->note(), why);
    QVERIFY(!v->keys()->isEnabled());
    // A run with a group takes the notices away.
    QVERIFY(w.openRun(dir_.qfile("add.grok"), true));
    QCOMPARE(v->weView()->notice(), QString());
    QVERIFY(!v->views()->checks()->note().contains("Not defined"));  // empty, or the new run's checks
    QVERIFY(v->keys()->isEnabled());
  }

  void multiplyRunOpensAndScrubsInItsGroup() {
    MainWindow w;
    w.resize(1600, 1000);
    w.show();
    QVERIFY(w.openRun(dir_.qfile("multiply.grok"), true));
    QTRY_COMPARE_WITH_TIMEOUT(w.viewer()->shownSnapshotEpoch(), kEpochs, 20000);
    checkMultiplyViews(w, test::snapshot_of(dir_.file("multiply.grok"), kEpochs));
    w.viewer()->scrubber()->setEpoch(20);
    QTRY_COMPARE_WITH_TIMEOUT(w.viewer()->shownSnapshotEpoch(), 20, 20000);
    checkMultiplyViews(w, test::snapshot_of(dir_.file("multiply.grok"), 20));
    // The check table: the pairs outside the group, and the basis in its note.
    QTRY_COMPARE_WITH_TIMEOUT(w.viewer()->shownChecksEpoch(), 20, 20000);
    const QStringList names = test::checkNames(w.viewer()->checksTable());
    QVERIFY2(names.contains("full model, pairs with a zero operand"), qPrintable(names.join(", ")));
    const QString note = w.viewer()->views()->checks()->note();
    QVERIFY2(note.contains("log_2 a, log_2 b (Z_10)") && note.contains("cos(w(log_2 a + log_2 b - log_2 c))"),
             qPrintable(note));
  }

  void axisOrderIsPickedAndRememberedPerOperation() {
    const Snapshot s = test::snapshot_of(dir_.file("multiply.grok"), kEpochs);
    const OperationGroup g = operation_group(std::string("multiply"), kP);
    {
      MainWindow w;
      w.show();
      QVERIFY(w.openRun(dir_.qfile("multiply.grok"), true));
      QTRY_COMPARE_WITH_TIMEOUT(w.viewer()->shownSnapshotEpoch(), kEpochs, 20000);
      // The user picks token order in the neuron panel: both panels redraw in token order.
      AxisOrderPicker* pick = w.viewer()->views()->neurons()->axisOrder();
      QVERIFY2(pick->itemText(1).contains("log_2"), qPrintable(pick->itemText(1)));
      pick->setCurrentIndex(0);
      emit pick->activated(0);
      QCOMPARE(w.viewer()->views()->attention()->axisOrder()->order(), AxisOrder::Token);
      const AxisTokens t = axisTokens(g, AxisOrder::Token);
      QCOMPARE(t.rows[3], 3);
      checkNeurons(w.viewer()->neuronView(), s, t);
      checkAttention(w.viewer()->attentionView(), s, t);
      QCOMPARE(w.viewer()->neuronView()->yLabel(), QString("a (token order)"));
      QCOMPARE(w.viewer()->attentionView()->xLabel(), QString("b (token order)"));
      QCOMPARE(QSettings().value("views/axis-order/multiply").toString(), QString("token"));
    }
    {
      // A new window remembers token order for multiply; an add run has its own default.
      MainWindow w;
      w.show();
      QVERIFY(w.openRun(dir_.qfile("multiply.grok"), true));
      QTRY_COMPARE_WITH_TIMEOUT(w.viewer()->shownSnapshotEpoch(), kEpochs, 20000);
      QCOMPARE(w.viewer()->views()->neurons()->axisOrder()->order(), AxisOrder::Token);
      checkNeurons(w.viewer()->neuronView(), s, axisTokens(g, AxisOrder::Token));
      QVERIFY(w.openRun(dir_.qfile("add.grok"), true));
      QTRY_COMPARE_WITH_TIMEOUT(w.viewer()->shownSnapshotEpoch(), 20, 20000);
      QCOMPARE(w.viewer()->views()->neurons()->axisOrder()->order(), AxisOrder::Token);
      // Z_11 over the tokens themselves: no log_ anywhere, K = 5 with a sine at 5. (The logits'
      // view is behind a tab: its norms come once the user rests.)
      QTRY_VERIFY_WITH_TIMEOUT(w.viewer()->logitsView()->hasData(), 20000);
      QCOMPARE(w.viewer()->logitsView()->mapSize(0), QSize(kP, kP));
      QCOMPARE(w.viewer()->wlView()->frequencies(), 5);
      QVERIFY(w.viewer()->wlView()->hasSinBar(5));
      QVERIFY2(w.viewer()->wlView()->title().contains("over x (Z_11)"), qPrintable(w.viewer()->wlView()->title()));
      QVERIFY(!w.viewer()->wlView()->xAxis->label().contains("sign"));
      QVERIFY(!w.viewer()->logitsView()->yLabel().contains("log_"));
      QVERIFY(!w.viewer()->views()->neurons()->clusterPicker()->itemText(0).contains("log_"));
    }
    QSettings().remove("views/axis-order/multiply");
  }

  void liveMultiplyTrainingShowsTheGroup() {
    test::ScratchDir dir;
    MainWindow w;
    w.show();
    test::setTinyFields(w.runPanel());
    w.runPanel()->setField("operation", "multiply");
    w.runPanel()->setField("path", dir.qfile("live.grok"));
    QSignalSpy done(&w, &MainWindow::trainingFinished);
    w.startTraining();
    QVERIFY2(w.training(), qPrintable(w.lastError()));
    // The logits' 2D view is behind a tab: its norms come once the user rests (a new checkpoint's
    // views clear it until then, so with data it shows the epoch the others show).
    QTRY_VERIFY_WITH_TIMEOUT(w.viewer()->shownSnapshotEpoch() >= 0 && w.viewer()->logitsView()->hasData(), 30000);
    const int epoch = w.viewer()->shownSnapshotEpoch();
    QCOMPARE(w.viewer()->logitsView()->mapSize(0), QSize(kN, kN));
    QCOMPARE(w.viewer()->wlView()->frequencies(), kK);
    QVERIFY(!w.viewer()->wlView()->hasSinBar(kK));
    QCOMPARE(w.viewer()->views()->neurons()->axisOrder()->order(), AxisOrder::Group);
    QVERIFY2(w.viewer()->neuronView()->yLabel().contains("log_2 a"), qPrintable(w.viewer()->neuronView()->yLabel()));
    // What live training drew is what the run file gives for that checkpoint (read while training
    // writes; no event is processed until the QTRY below, so the views still show `epoch`).
    const Snapshot s = test::snapshot_of(dir.file("live.grok"), epoch);
    checkNeurons(w.viewer()->neuronView(), s,
                 axisTokens(operation_group(std::string("multiply"), kP), AxisOrder::Group));
    for (int y = 0; y < kN; y++)
      for (int x = 0; x < kN; x++)
        QVERIFY(near(w.viewer()->logitsView()->valueAt(0, x, y), s.measures.logits_2d_norms[y * kN + x]));
    w.stopTraining();
    QTRY_COMPARE_WITH_TIMEOUT(done.size(), 1, 30000);
  }
};

GROK_TEST_MAIN(TestUiOperations, QApplication)
#include "test_ui_operations.moc"
