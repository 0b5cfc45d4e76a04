// Help > "Watch grokking in two minutes" (issue 27), driven as a user would: Start, then Continue at
// every stop until the end. The tour trains the quick preset into a file of its own, stops (training
// paused) at memorising, the test-loss peak, the circuit, generalisation, pointing each time at
// the view that shows it, and never changes the user's preset or form.
#include <QApplication>
#include <QDockWidget>
#include <QPushButton>
#include <QSettings>
#include <QtTest>

#include "core/base/presets.h"
#include "test_util.h"
#include "ui/checkpoint/checkpoint_views.h"
#include "ui/checkpoint/epoch_scrubber.h"
#include "ui/window/guided_run.h"
#include "ui/window/main_window.h"
#include "ui/window/run_viewer.h"
#include "ui_test_util.h"

using namespace grok;

class TestUiGuidedRun : public QObject {
  Q_OBJECT
  QTemporaryDir settings_;

 private slots:
  void initTestCase() { initUiTest(settings_.path()); }

  void fromStartToEnd() {
    QSettings().setValue("run/preset", "dropout");
    MainWindow w;
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    const QString formBefore = w.runPanel()->presetName();
    GuidedRun* tour = w.startGuidedRun();
    QVERIFY(tour);
    QSignalSpy stops(tour, &GuidedRun::stopShown);
    QCOMPARE(tour->stop(), QString("start"));
    QVERIFY(tour->card()->isVisible());
    QVERIFY(!w.training());  // read first, then Start
    QElapsedTimer clock;
    clock.start();
    tour->continueButton()->click();
    QTRY_VERIFY(w.training());
    QStringList seen;
    while (seen.isEmpty() || seen.last() != "done") {
      QVERIFY2(stops.wait(120000), qPrintable("stuck after " + seen.join(", ")));
      const QString stop = stops.takeFirst()[0].toString();
      seen << stop;
      QVERIFY(!tour->text().isEmpty());
      if (stop != "done") {
        QVERIFY2(w.trainingState() == TrainingState::Paused || w.trainingState() == TrainingState::Training,
                 qPrintable(stop));
        QTRY_COMPARE(w.trainingState(), TrainingState::Paused);  // the user reads, training waits
        auto* dock = w.findChild<QDockWidget*>("dock-" + tour->pointedView());
        QVERIFY2(dock && dock->findChild<QWidget*>("guide-outline"), qPrintable(stop));
        // While the user reads, the views catch up with the newest checkpoint.
        QTRY_COMPARE_WITH_TIMEOUT(w.viewer()->views()->shownEpoch(), w.viewer()->scrubber()->epoch(), 20000);
      }
      QTest::qWait(50);
      tour->continueButton()->click();
    }
    qInfo("the tour's stops: %s; %.1f s of training and reading", qPrintable(seen.join(", ")), clock.elapsed() / 1e3);
    for (const char* s : {"memorising", "memorised", "circuit", "generalised"})
      QVERIFY2(seen.contains(s), qPrintable(seen.join(", ")));
    QVERIFY(seen.indexOf("memorising") < seen.indexOf("generalised"));
    QTRY_VERIFY(!w.findChild<GuidedRun*>());  // left
    QVERIFY(!w.training());
    // The user's choices are as they were: the saved preset, and the form, one click behind the
    // tour's run (which stays open to be replayed).
    QCOMPARE(QSettings().value("run/preset").toString(), QString("dropout"));
    QVERIFY(w.runPanel()->showingRun());
    QVERIFY(w.runPanel()->hasFormBehind());
    w.runPanel()->findChild<QPushButton*>("back-to-form")->click();
    QVERIFY(!w.runPanel()->showingRun());
    QCOMPARE(w.runPanel()->presetName(), formBefore);
    QCOMPARE(w.runPanel()->config()->weight_decay, preset("dropout").config.weight_decay);
  }

  void leftHalfWay() {
    MainWindow w;
    w.show();
    GuidedRun* tour = w.startGuidedRun();
    QVERIFY(tour);
    QSignalSpy stops(tour, &GuidedRun::stopShown);
    tour->continueButton()->click();
    QVERIFY(stops.wait(120000));  // memorising
    QTRY_COMPARE(w.trainingState(), TrainingState::Paused);
    tour->leaveButton()->click();
    QTRY_VERIFY(!w.findChild<GuidedRun*>());
    QTRY_COMPARE(w.trainingState(), TrainingState::Training);  // training carries on, unpaused
    QVERIFY(!w.findChild<QWidget*>("guide-card"));
    w.stopTraining();
    QTRY_VERIFY_WITH_TIMEOUT(!w.training(), 20000);
  }
};

QTEST_MAIN(TestUiGuidedRun)
#include "test_ui_guided_run.moc"
