// Training and the measures fill from the window, headless: the training controller's states, a
// run started after Pause -> Stop (it must not begin paused; its views' results are kept in its
// file meanwhile), and the measures fill, which must
// let the window close at once and must stop before Start replaces the file it writes.
#include <QAbstractButton>
#include <QApplication>
#include <QMessageBox>
#include <QtTest>

#include <sqlite3.h>

#include "core/store/run_store.h"
#include "test_util.h"
#include "ui/checkpoint/epoch_scrubber.h"
#include "ui/checkpoint/measures_filler.h"
#include "ui/run/run_panel.h"
#include "ui/run/training_controller.h"
#include "ui/window/main_window.h"
#include "ui/window/run_viewer.h"
#include "ui_test_util.h"

using namespace grok;

namespace {

// A model small enough for hundreds of epochs a second, as the panel's fields.
void setTinyFields(RunPanel* panel, const QString& path) {
  test::setTinyFields(panel);
  panel->setField("path", path);
}

// A run with a checkpoint every epoch and no stored measures (as from an older version): opening
// it fills in a measure set per epoch, seconds of work for a thousand.
void trainRunLackingMeasures(const std::string& path, int epochs) {
  test::train_run(test::tiny_config(11, epochs, 1, 5), path);
  sqlite3* db = nullptr;
  QCOMPARE(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  QCOMPARE(sqlite3_exec(db, "DELETE FROM measures", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
}

std::size_t storedMeasures(const std::string& path) {
  return RunStore::open(path).load_measures(KeySelection::Live).size();
}

}  // namespace

class TestUiTraining : public QObject {
  Q_OBJECT
  QTemporaryDir settings_;

 private slots:
  void initTestCase() { initUiTest(settings_.path()); }

  void controllerGoesThroughItsStates() {
    test::ScratchDir dir;
    TrainingController c(nullptr);
    QSignalSpy states(&c, &TrainingController::stateChanged);
    QSignalSpy done(&c, &TrainingController::finished);
    QCOMPARE(c.state(), TrainingState::Idle);
    QVERIFY(c.start(test::tiny_config(11, 100000, 25, 5), dir.qfile("c.grok")));
    QCOMPARE(c.state(), TrainingState::Training);
    QVERIFY(!c.start(test::tiny_config(), dir.qfile("other.grok")));  // one run at a time
    QTRY_VERIFY_WITH_TIMEOUT(c.live().epoch > 20, 30000);
    c.setPaused(true);
    QCOMPARE(c.state(), TrainingState::Paused);
    c.stop();
    QCOMPARE(c.state(), TrainingState::Stopping);
    QTRY_COMPARE_WITH_TIMEOUT(done.size(), 1, 30000);
    QCOMPARE(c.state(), TrainingState::Idle);
    QCOMPARE(done.front().at(1).toBool(), false);  // stopped, not complete
    const QList<TrainingState> seen = {TrainingState::Training, TrainingState::Paused, TrainingState::Stopping,
                                       TrainingState::Idle};
    QCOMPARE(states.size(), seen.size());
    for (int i = 0; i < seen.size(); i++) QCOMPARE(states[i].front().value<TrainingState>(), seen[i]);
  }

  void startAfterPauseAndStopIsNotPaused() {
    test::ScratchDir dir;
    MainWindow w;
    w.show();
    setTinyFields(w.runPanel(), dir.qfile("first.grok"));
    QSignalSpy done(&w, &MainWindow::trainingFinished);
    w.startTraining();
    QTRY_VERIFY_WITH_TIMEOUT(w.liveEpoch() > 20, 30000);
    w.pauseTraining(true);
    QCOMPARE(w.trainingState(), TrainingState::Paused);
    // The views' check tables of the run the window trains are kept in its file (snapshot_service.h).
    QTRY_VERIFY_WITH_TIMEOUT(RunStore::open(dir.file("first.grok")).view_results_count() >= 1, 30000);
    w.stopTraining();
    QTRY_COMPARE_WITH_TIMEOUT(done.size(), 1, 30000);
    // A new run: it trains on its own, with nothing but Start pressed.
    w.runPanel()->setField("path", dir.qfile("second.grok"));
    w.startTraining();
    QCOMPARE(w.trainingState(), TrainingState::Training);
    QTRY_VERIFY_WITH_TIMEOUT(w.viewer()->scrubber()->checkpoints().size() >= 3, 30000);  // epochs 0, 25, 50
    QCOMPARE(w.trainingState(), TrainingState::Training);
    w.stopTraining();
    QTRY_COMPARE_WITH_TIMEOUT(done.size(), 2, 30000);
    QVERIFY(RunStore::open(dir.file("second.grok")).last_metrics()->epoch >= 50);
  }

  void closingDuringAFillReturnsAtOnce() {
    test::ScratchDir dir;
    const std::string run = dir.file("old.grok");
    trainRunLackingMeasures(run, 1000);
    auto* w = new MainWindow;
    w->show();
    QVERIFY(w->openRun(dir.qfile("old.grok"), true));
    QVERIFY(w->viewer()->filling());
    QTRY_VERIFY_WITH_TIMEOUT(storedMeasures(run) > 0, 30000);  // under way: its first batch is committed
    QElapsedTimer t;
    t.start();
    w->close();
    delete w;
    const qint64 ms = t.elapsed();
    QVERIFY2(ms < 1000, qPrintable(QString("closing took %1 ms").arg(ms)));
    // Cancelled, not finished: what was computed is kept, the rest is for next time.
    const std::size_t kept = storedMeasures(run);
    QVERIFY2(kept > 0 && kept < 1001, qPrintable(QString::number(kept)));
  }

  void startWaitsForAFillOfTheFileItReplaces() {
    test::ScratchDir dir;
    trainRunLackingMeasures(dir.file("run.grok"), 1000);
    MainWindow w;
    w.show();
    QVERIFY(w.openRun(dir.qfile("run.grok"), true));
    QVERIFY(w.viewer()->filling());
    setTinyFields(w.runPanel(), dir.qfile("run.grok"));
    bool asked = false;  // "Replace it with a new run?"
    QTimer::singleShot(0, &w, [&] {
      auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
      if (box && box->text().contains("exists")) asked = true, box->button(QMessageBox::Yes)->click();
    });
    w.startTraining();
    QVERIFY(asked);
    QVERIFY(!w.viewer()->filling());  // stopped before the new run replaced its file
    QVERIFY(w.training());
    QSignalSpy done(&w, &MainWindow::trainingFinished);
    QTRY_VERIFY_WITH_TIMEOUT(w.viewer()->scrubber()->checkpoints().size() >= 2, 30000);
    w.stopTraining();
    QTRY_COMPARE_WITH_TIMEOUT(done.size(), 1, 30000);
    const RunStore s = RunStore::open(dir.file("run.grok"));
    QCOMPARE(s.config().checkpoint_interval, 25);  // the new run, whole
    QCOMPARE(s.load_measures(KeySelection::Live).size(), s.checkpoint_epochs().size());
  }

  void fillerCancelsBetweenCheckpointsAndKeepsWhatItComputed() {
    test::ScratchDir dir;
    const std::string run = dir.file("old.grok");
    trainRunLackingMeasures(run, 200);
    MeasuresFiller f;
    QSignalSpy progress(&f, &MeasuresFiller::progress);
    QSignalSpy done(&f, &MeasuresFiller::finished);
    QVERIFY(f.start(dir.qfile("old.grok"), KeySelection::live()));
    QVERIFY(!f.start(dir.qfile("old.grok"), KeySelection::live()));  // one fill at a time
    QTRY_VERIFY_WITH_TIMEOUT(progress.size() > 20, 30000);
    f.cancelAndWait();
    QVERIFY(!f.running());
    QTRY_COMPARE(done.size(), 1);
    QCOMPARE(done.front().at(0).toString(), dir.qfile("old.grok"));
    QCOMPARE(done.front().at(1).toBool(), true);  // cancelled
    QVERIFY(done.front().at(2).toString().isEmpty());
    const std::size_t kept = storedMeasures(run);
    QVERIFY(kept >= 20 && kept < 201);
    // A second fill computes the rest, and only the rest.
    progress.clear();
    QVERIFY(f.start(dir.qfile("old.grok"), KeySelection::live()));
    QTRY_COMPARE_WITH_TIMEOUT(done.size(), 2, 60000);
    QCOMPARE(done.back().at(1).toBool(), false);
    QCOMPARE(storedMeasures(run), std::size_t(201));
    QCOMPARE(progress.back().at(1).toInt(), static_cast<int>(201 - kept));
  }
};

GROK_TEST_MAIN(TestUiTraining, QApplication)
#include "test_ui_training.moc"
