// A reference run (a baseline) drawn under the open run's curves, headless: two tiny runs that
// differ in weight decay, one open and the other its reference. The reference's graphs hold its
// stored metrics and live measures, the legend names it, the status bar names weight_decay; it
// survives scrubbing and opening another run, follows its file as it grows, is flagged when its task
// differs, is refused with one line when it is no run, and clearing it restores the figures to the
// pixel.
#include <QApplication>
#include <QLabel>
#include <QMessageBox>
#include <QtTest>

#include <cmath>

#include <qcustomplot.h>

#include "core/base/key_selection.h"
#include "core/store/run_store.h"
#include "test_util.h"
#include "ui/checkpoint/epoch_scrubber.h"
#include "ui/plots/figure_export.h"
#include "ui/plots/series_view.h"
#include "ui/window/curves_panel.h"
#include "ui/window/main_window.h"
#include "ui/window/reference_run.h"
#include "ui/window/run_viewer.h"
#include "ui_test_util.h"

using namespace grok;

namespace {

constexpr int kP = 13, kEpochs = 200;

Config tiny(double weightDecay, int p = kP) {
  Config c = test::tiny_config(p, kEpochs, 20, 5);
  c.weight_decay = weightDecay;
  return c;
}

// What the loss view's reference series must hold: every stored epoch's train loss, and the test
// loss where it was evaluated.
QVector<QPointF> storedLoss(const std::string& path, bool test) {
  QVector<QPointF> out;
  for (const EpochMetrics& m : RunStore::open(path).metrics())
    if (!test || !std::isnan(m.test_loss)) out << QPointF(m.epoch, test ? m.test_loss : m.train_loss);
  return out;
}

QVector<QPointF> storedMeasure(const std::string& path, const char* name) {
  QVector<QPointF> out;
  for (const MeasureRecord& m : RunStore::open(path).load_measures(KeySelection::Live))
    if (const auto it = m.values.find(name); it != m.values.end()) out << QPointF(m.epoch, it->second);
  return out;
}

QStringList legendNames(const SeriesView* v) {
  QStringList names;
  for (int i = 0; v->legend && i < v->legend->itemCount(); i++)
    if (auto* item = qobject_cast<QCPPlottableLegendItem*>(v->legend->item(i))) names << item->plottable()->name();
  return names;
}

QImage rendered(QWidget* figure, const QString& path) {
  const QString err = exportWidget(figure, path, 1.0);
  return err.isEmpty() ? QImage(path) : QImage();
}

// A copy of the run at `from` holding its first `checkpoints` checkpoints; the store stays open
// so that a test can commit the rest later, as a trainer elsewhere would.
RunStore partialCopy(const std::string& from, const std::string& to, int checkpoints) {
  const RunStore src = RunStore::open(from);
  RunStore dst = RunStore::create(to, src.config(), false);
  int prev = -1;
  for (int e : src.checkpoint_epochs()) {
    if (checkpoints-- == 0) break;
    std::vector<MeasureRecord> measures;
    for (const MeasureRecord& m : src.load_measures(KeySelection::Live))
      if (m.epoch == e) measures.push_back(m);
    dst.commit_checkpoint(e, src.load_checkpoint(e), src.metrics(prev + 1, e), ResumeState{e, 0, {}}, measures);
    prev = e;
  }
  return dst;
}

}  // namespace

class TestUiReference : public QObject {
  Q_OBJECT
  QTemporaryDir settings_;
  test::ScratchDir dir_;
  std::string open_, base_, other_;

  SeriesView* loss(MainWindow& w) { return w.viewer()->curves()->lossView(); }
  SeriesView* measures(MainWindow& w) { return w.viewer()->measuresView(); }
  SeriesView* norm(MainWindow& w) {
    return qobject_cast<SeriesView*>(w.viewer()->curves()->figures().value("weight-norm"));
  }

 private slots:
  void initTestCase() {
    initUiTest(settings_.path());
    open_ = dir_.file("open.grok");
    base_ = dir_.file("base.grok");
    other_ = dir_.file("other-task.grok");
    test::train_run(tiny(1.0), open_);
    test::train_run(tiny(0.1), base_);
    test::train_run(tiny(1.0, 11), other_);
  }

  void referenceCurvesHoldTheReferenceRun() {
    MainWindow w;
    w.show();
    QVERIFY(w.openRun(QString::fromStdString(open_), true));
    QVERIFY2(w.setReference(QString::fromStdString(base_), true), qPrintable(w.lastError()));
    // The loss view: the run's train and test, then the reference's, muted copies named after it.
    QCOMPARE(loss(w)->seriesCount(), 4);
    QVERIFY(!loss(w)->isReference(1) && loss(w)->isReference(2) && loss(w)->isReference(3));
    QCOMPARE(loss(w)->seriesName(3), QString("test (ref: base.grok)"));
    QCOMPARE(test::seriesPoints(loss(w), 2), storedLoss(base_, false));
    QCOMPARE(test::seriesPoints(loss(w), 3), storedLoss(base_, true));
    QCOMPARE(test::seriesPoints(loss(w), 0), storedLoss(open_, false));  // the run's own are untouched
    // One legend entry names the reference (its series' names are in the hover).
    QCOMPARE(legendNames(loss(w)), QStringList({"train", "test", "ref: base.grok"}));
    // The measures: restricted loss (series 2) and the sum of squared weights, the reference's live ones.
    QCOMPARE(measures(w)->seriesCount(), 8);
    QCOMPARE(measures(w)->seriesName(6), QString("restricted loss (ref: base.grok)"));
    QCOMPARE(test::seriesPoints(measures(w), 6), storedMeasure(base_, "restricted_loss_test"));
    QCOMPARE(test::seriesPoints(measures(w), 6).size(), kEpochs / 20 + 1);
    QCOMPARE(test::seriesPoints(norm(w), 1), storedMeasure(base_, "sum_sq_weights"));
    QCOMPARE(legendNames(measures(w)).last(), QString("ref: base.grok"));
    QCOMPARE(legendNames(norm(w)), QStringList({"all parameters", "ref: base.grok"}));  // two lines: say which
    // The status bar says what differs, and nothing about the task.
    const QLabel* label = w.viewer()->referenceLabel();
    QVERIFY(label->isVisible());
    QVERIFY2(label->text().contains("differs in weight_decay") && !label->text().contains("task"),
             qPrintable(label->text()));
    QVERIFY(label->toolTip().contains("weight_decay: 1.0 here, 0.1 in the reference"));
  }

  void referenceSurvivesScrubbingAndAnotherRun() {
    MainWindow w;
    w.show();
    QVERIFY(w.openRun(QString::fromStdString(open_), true));
    QVERIFY(w.setReference(QString::fromStdString(base_), true));
    w.viewer()->scrubber()->setEpoch(60);
    QCOMPARE(test::seriesPoints(loss(w), 3), storedLoss(base_, true));
    // Another run opened: the baseline stays; the status bar now compares against the new run.
    QVERIFY(w.openRun(QString::fromStdString(other_), true));
    QCOMPARE(test::seriesPoints(loss(w), 0), storedLoss(other_, false));
    QCOMPARE(test::seriesPoints(loss(w), 3), storedLoss(base_, true));
    QCOMPARE(test::seriesPoints(measures(w), 6), storedMeasure(base_, "restricted_loss_test"));
    // p differs: allowed, but flagged.
    const QString line = w.viewer()->referenceLabel()->text();
    QVERIFY2(line.contains("a different task") && line.contains("p, weight_decay"), qPrintable(line));
  }

  // Clearing restores every figure exactly, as exported (the export draws the reference too).
  void clearingRestoresTheFigures() {
    MainWindow w;
    w.show();
    QVERIFY(w.openRun(QString::fromStdString(open_), true));
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QCoreApplication::processEvents();  // the default layout, applied once shown
    const QStringList names = {"loss", "accuracy", "progress-measures", "gini", "weight-norm"};
    QMap<QString, QImage> before;
    for (const QString& n : names) {
      before[n] = rendered(w.viewer()->figures()[n], dir_.qfile(n + "-before.png"));
      QVERIFY(!before[n].isNull());
    }
    QVERIFY(w.setReference(QString::fromStdString(base_), true));
    QVERIFY(!w.viewer()->referenceLabel()->isHidden());
    for (const QString& n : names)
      QVERIFY2(rendered(w.viewer()->figures()[n], dir_.qfile(n + "-with.png")) != before[n], qPrintable(n));
    QCOMPARE(exportWidget(loss(w), dir_.qfile("loss.svg")), QString());
    QFile svg(dir_.qfile("loss.svg"));
    QVERIFY(svg.open(QIODevice::ReadOnly));
    QVERIFY(svg.readAll().contains("ref: base.grok"));
    w.viewer()->clearReference();
    QVERIFY(w.viewer()->referenceLabel()->isHidden());
    QCOMPARE(loss(w)->seriesCount(), 2);
    QCOMPARE(legendNames(loss(w)), QStringList({"train", "test"}));
    QVERIFY(!norm(w)->legend);
    for (const QString& n : names)
      QVERIFY2(rendered(w.viewer()->figures()[n], dir_.qfile(n + "-after.png")) == before[n], qPrintable(n));
  }

  void badReferenceIsRefusedWithOneLine() {
    MainWindow w;
    w.show();
    QVERIFY(w.openRun(QString::fromStdString(open_), true));
    QVERIFY(w.setReference(QString::fromStdString(base_), true));
    QFile junk(dir_.qfile("junk.grok"));
    QVERIFY(junk.open(QIODevice::WriteOnly) && junk.write("not a run file at all\n") > 0);
    junk.close();
    for (const QString& bad : {dir_.qfile("junk.grok"), dir_.qfile("missing.grok"), dir_.qfile("")}) {
      QVERIFY(!w.setReference(bad, true));
      QVERIFY2(!w.lastError().isEmpty() && !w.lastError().contains('\n'), qPrintable(w.lastError()));
      // The dashboard as it was: the previous reference still drawn, the run untouched.
      QCOMPARE(w.viewer()->reference()->path(), QString::fromStdString(base_));
      QCOMPARE(loss(w)->seriesCount(), 4);
      QCOMPARE(test::seriesPoints(loss(w), 3), storedLoss(base_, true));
      QCOMPARE(test::seriesPoints(loss(w), 0), storedLoss(open_, false));
    }
    // Through the menu's path: one dialog, one line naming the problem.
    QString shown;
    QTimer answer;
    connect(&answer, &QTimer::timeout, [&] {
      if (auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget())) shown = box->text(), box->accept();
    });
    answer.start(10);
    QVERIFY(!w.setReference(dir_.qfile("missing.grok")));
    answer.stop();
    QVERIFY2(shown.contains("missing.grok") && !shown.contains('\n'), qPrintable(shown));
  }

  // A reference still training elsewhere: each commit to its file is picked up by the poll.
  void referenceFollowsItsFile() {
    MainWindow w;
    w.show();
    QVERIFY(w.openRun(QString::fromStdString(open_), true));
    const std::string growing = dir_.file("growing.grok");
    RunStore writer = partialCopy(base_, growing, 3);  // checkpoints 0, 20, 40
    w.viewer()->reference()->setPollInterval(20);
    QVERIFY(w.setReference(QString::fromStdString(growing), true));
    QCOMPARE(test::seriesPoints(loss(w), 2).size(), 41);
    const RunStore src = RunStore::open(base_);
    for (int e : {60, 80}) {
      std::vector<MeasureRecord> m;
      for (const MeasureRecord& r : src.load_measures(KeySelection::Live))
        if (r.epoch == e) m.push_back(r);
      writer.commit_checkpoint(e, src.load_checkpoint(e), src.metrics(e - 19, e), ResumeState{e, 0, {}}, m);
    }
    QTRY_COMPARE_WITH_TIMEOUT(test::seriesPoints(loss(w), 2).size(), 81, 10000);
    QCOMPARE(test::seriesPoints(loss(w), 2), storedLoss(growing, false));
    QCOMPARE(test::seriesPoints(measures(w), 6), storedMeasure(growing, "restricted_loss_test"));
    QCOMPARE(test::seriesPoints(measures(w), 6).size(), 5);
  }
};

GROK_TEST_MAIN(TestUiReference, QApplication)
#include "test_ui_reference.moc"
