// The Compare view live, headless: a run that trains on is picked up by the next poll (and a poll
// with nothing changed reads nothing), a sweep runs and stops from the view, destroying the view
// stops it with every run committed, and closing the window stops it first.
#include <QApplication>
#include <QSignalSpy>
#include <QtTest>
#include <atomic>

#include "core/runner/sweep_runner.h"
#include "core/training/trainer.h"
#include "test_util.h"
#include "ui/compare/compare_source.h"
#include "ui/compare/compare_view.h"
#include "ui/compare/overlay_plots.h"
#include "ui/compare/run_table.h"
#include "ui/compare/sweep_control.h"
#include "ui/window/main_window.h"
#include "ui_compare_test_util.h"
#include "ui_test_util.h"

using namespace grok;
using grok::test::makeSweep;
using grok::test::openAndRead;

class TestUiCompareLive : public QObject {
  Q_OBJECT
  QTemporaryDir settings_;

 private slots:
  void initTestCase() { initUiTest(settings_.path()); }

  void aRunThatTrainsOnIsPickedUp() {
    test::ScratchDir dir;
    const std::string sd = dir.file("live");
    const Sweep s = makeSweep(sd, 100, {{"lr", QJsonArray{0.001, 0.003}}}, QJsonArray{0});
    std::atomic<bool> stop{false};
    QVERIFY(run_sweep(s, {1, 1, {}}, stop).all_complete());
    CompareView v;
    v.resize(1400, 900);
    v.show();
    QVERIFY(openAndRead(v, {QString::fromStdString(sd)}));
    OverlayFigure* loss = v.overlays()->figure(CompareSeries::TestLoss);
    const int before = loss->pointCount(1);
    QCOMPARE(v.table()->item(1, v.table()->column("epoch"))->text(), QString("100/100"));
    // Nothing changed: a poll reads nothing.
    QSignalSpy read(v.source(), &CompareSource::updated);
    v.source()->poll();
    QVERIFY(!v.source()->reading());
    // Run 1 trains on to epoch 200 (as `train --resume --epochs 200` would): the next poll reads it.
    Trainer t = Trainer::resume(s.run_path(1), 200, {1});
    t.run(stop);
    v.source()->poll();
    QVERIFY(read.wait(10000));
    QCOMPARE(read.last().first().value<QList<int>>(), QList<int>({1}));
    QCOMPARE(v.table()->item(1, v.table()->column("epoch"))->text(), QString("200/200"));
    QCOMPARE(loss->pointCount(1), before + 100 / 5);
    QVERIFY(v.source()->lastReadMs() > 0);
  }

  void aSweepRunsAndStopsFromTheView() {
    test::ScratchDir dir;
    const std::string sd = dir.file("from-window");
    makeSweep(sd, 60, {{"lr", QJsonArray{0.001, 0.003}}}, QJsonArray{0});
    CompareView v;
    v.resize(1400, 900);
    v.show();
    QVERIFY(openAndRead(v, {QString::fromStdString(sd)}));
    QCOMPARE(v.table()->item(0, v.table()->column("state"))->text(), QString("pending"));
    QSignalSpy finished(&v, &CompareView::sweepFinished);
    QCOMPARE(v.startSweep(), QString());
    QVERIFY(v.sweepControl()->running());
    QVERIFY(finished.wait(120000));
    // The polls (every second while it ran, and one at its end) have read the final commits.
    for (int i = 0; i < 2; i++)
      QTRY_COMPARE_WITH_TIMEOUT(v.table()->item(i, v.table()->column("state"))->text(), QString("complete"), 10000);
    QCOMPARE(v.overlays()->figure(CompareSeries::TestLoss)->curveCount(), 2);

    // A long sweep stopped by closing the view: every started run keeps a committed checkpoint.
    const std::string longDir = dir.file("long");
    const Sweep longSweep = makeSweep(longDir, 100000, {{"lr", QJsonArray{0.001, 0.003}}}, QJsonArray{0});
    {
      CompareView w;
      QVERIFY(openAndRead(w, {QString::fromStdString(longDir)}));
      QSignalSpy progress(w.sweepControl(), &SweepControl::progress);
      QCOMPARE(w.startSweep(), QString());
      QTRY_VERIFY_WITH_TIMEOUT(!progress.isEmpty() && w.sweepControl()->lastProgress().epochs_done > 50, 60000);
    }  // destroyed while training: stops and waits for the commits
    for (int i = 0; i < 2; i++) {
      const SweepRunStatus st = longSweep.status(i);
      QVERIFY(st.state != RunState::Running);
      QVERIFY(!RunLock::is_held(longSweep.lock_path(i)));
      if (QFileInfo::exists(QString::fromStdString(longSweep.run_path(i)))) QVERIFY(st.epoch >= 0);
    }
  }

  void closingTheWindowStopsTheSweepFirst() {
    test::ScratchDir dir;
    const std::string sd = dir.file("closing");
    const Sweep s = makeSweep(sd, 100000, {{"lr", QJsonArray{0.001, 0.003}}}, QJsonArray{0});
    MainWindow w;
    w.show();
    QSignalSpy read(w.compare()->source(), &CompareSource::updated);
    QVERIFY(w.openCompare({QString::fromStdString(sd)}, true));
    QVERIFY(read.wait(30000));
    QCOMPARE(w.compare()->startSweep(), QString());
    QTRY_VERIFY_WITH_TIMEOUT(w.compare()->sweepControl()->lastProgress().epochs_done > 50, 60000);
    QVERIFY(!w.close());  // refused until the runs have committed
    QVERIFY(w.compare()->sweepControl()->stopping());
    QTRY_VERIFY_WITH_TIMEOUT(!w.isVisible(), 30000);  // then it closes by itself
    QVERIFY(!w.compare()->sweepControl()->running());
    for (int i = 0; i < 2; i++) {
      QVERIFY(!RunLock::is_held(s.lock_path(i)));
      QVERIFY(s.status(i).state != RunState::Running);
    }
    QVERIFY(s.status(0).epoch > 0);  // its stop committed a checkpoint
  }
};

GROK_TEST_MAIN(TestUiCompareLive, QApplication)
#include "test_ui_compare_live.moc"
