// The window follows a run that another process writes (grokking-cli train, a Slurm job, a sweep's
// run), headless: opened while nobody trains it, then grown by a trainer that holds its lock, the
// window adds the new epochs, checkpoints, measures and numerics, its scrubber and views move on to
// the newest checkpoint, and the status bar says who writes it; when that trainer lets go the window
// says so; a run made anew over the path is read anew. The writer here is a Trainer of this
// process on its own SQLite connection and OFD lock, as another process's would be (run_lock.h).
#include <QApplication>
#include <QSignalSpy>
#include <QtTest>

#include <atomic>

#include <qcustomplot.h>

#include "core/training/trainer.h"
#include "test_util.h"
#include "ui/checkpoint/epoch_scrubber.h"
#include "ui/plots/series_view.h"
#include "ui/window/main_window.h"
#include "ui/window/run_viewer.h"
#include "ui_test_util.h"

using namespace grok;

namespace {

SeriesView* series(QCustomPlot* p) { return qobject_cast<SeriesView*>(p); }

bool saidOnce(const QSignalSpy& messages, const QString& text) {
  int n = 0;
  for (const QList<QVariant>& m : messages) n += m.at(0).toString().contains(text) ? 1 : 0;
  return n == 1;
}

}  // namespace

class TestUiFollow : public QObject {
  Q_OBJECT
  QTemporaryDir settings_;

 private slots:
  void initTestCase() { initUiTest(settings_.path()); }

  void followsARunAnotherWriterTrains() {
    test::ScratchDir dir;
    const std::string path = dir.file("run.grok");
    test::train_run(test::tiny_config(11, 20, 10, 4), path);  // checkpoints 0, 10, 20; nobody holds it
    MainWindow w;
    w.show();
    RunViewer* v = w.viewer();
    v->setPollInterval(20);
    QSignalSpy messages(v, &RunViewer::message), followed(v, &RunViewer::followed);
    QVERIFY(w.openRun(dir.qfile("run.grok"), true));
    QCOMPARE(v->scrubber()->checkpoints(), (std::vector<int>{0, 10, 20}));
    QVERIFY(!v->followingWriter());
    QTRY_COMPARE_WITH_TIMEOUT(v->shownSnapshotEpoch(), 20, 20000);
    {
      // Another writer continues it to 40 and keeps holding it.
      Trainer t = Trainer::resume(path, 40, {1});
      std::atomic<bool> stop{false};
      t.run(stop);
      QTRY_COMPARE_WITH_TIMEOUT(v->scrubber()->checkpoints(), (std::vector<int>{0, 10, 20, 30, 40}), 20000);
      QVERIFY(v->followingWriter());
      QVERIFY(saidOnce(messages, "run.grok is being trained by another process"));
      QVERIFY(!followed.isEmpty());  // grown, not read anew
      QCOMPARE(followed.last().at(0).toInt(), 40);
      QCOMPARE(series(v->lossPlot())->pointCount(0), 41);  // train loss, every epoch 0..40
      QCOMPARE(series(v->lossPlot())->pointCount(1), 13);  // test loss: every 4th epoch, and checkpoints 10, 30
      QCOMPARE(v->measuresView()->pointCount(2), 5);       // restricted loss at every checkpoint
      QCOMPARE(v->scrubber()->epoch(), 40);                // the scrubber was at the newest: it moves on
      QTRY_COMPARE_WITH_TIMEOUT(v->shownSnapshotEpoch(), 40, 20000);  // and the views with it
    }
    // The writer has let go: said once, and nothing is read twice.
    QTRY_VERIFY_WITH_TIMEOUT(!v->followingWriter(), 20000);
    QVERIFY(saidOnce(messages, "run.grok: the other process has stopped writing it"));
    QCOMPARE(series(v->lossPlot())->pointCount(0), 41);
    QCOMPARE(v->scrubber()->checkpoints(), (std::vector<int>{0, 10, 20, 30, 40}));

    // Scrubbed back, the user stays where they are while the run grows.
    v->scrubber()->setEpoch(10);
    {
      Trainer t = Trainer::resume(path, 50, {1});
      std::atomic<bool> stop{false};
      t.run(stop);
      QTRY_COMPARE_WITH_TIMEOUT(v->scrubber()->checkpoints().back(), 50, 20000);
    }
    QCOMPARE(v->scrubber()->epoch(), 10);
    QCOMPARE(series(v->lossPlot())->pointCount(0), 51);

    // A run made anew over the path (train --force): read anew, nothing of the old one kept.
    Config other = test::tiny_config(11, 15, 5, 5);
    other.weight_decay = 0.5;
    test::train_run(other, path);
    QTRY_COMPARE_WITH_TIMEOUT(v->scrubber()->checkpoints(), (std::vector<int>{0, 5, 10, 15}), 20000);
    QCOMPARE(series(v->lossPlot())->pointCount(0), 16);
    QCOMPARE(v->config().weight_decay, 0.5);
  }

  // While the window trains a run itself, its trainer feeds the views: following is off, and when
  // training ends nothing of it is read again or said to be another process's.
  void ownTrainingIsNotFollowed() {
    test::ScratchDir dir;
    MainWindow w;
    w.show();
    RunViewer* v = w.viewer();
    v->setPollInterval(20);
    QSignalSpy messages(v, &RunViewer::message);
    QVERIFY(w.startTrainingWith(test::tiny_config(11, 30, 10, 5), dir.qfile("own.grok")).isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(!w.training(), 60000);
    QTRY_COMPARE_WITH_TIMEOUT(v->scrubber()->checkpoints(), (std::vector<int>{0, 10, 20, 30}), 20000);
    // The follower's look at the file as the trainer left it (its connection closed: the WAL may
    // have gone, a change of stamp): nothing new in it.
    QSignalSpy ticks(v, &RunViewer::followed);
    v->pollFile();
    QTRY_VERIFY_WITH_TIMEOUT(!v->readingTail(), 20000);
    QCOMPARE(ticks.count(), 0);
    QVERIFY(!v->followingWriter());
    QCOMPARE(series(v->lossPlot())->pointCount(0), 31);
    for (const QList<QVariant>& m : messages)
      QVERIFY2(!m.at(0).toString().contains("another process"), qPrintable(m.at(0).toString()));
  }
};

QTEST_MAIN(TestUiFollow)
#include "test_ui_follow.moc"
