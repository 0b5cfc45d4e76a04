// The desktop app headless (QT_QPA_PLATFORM=offscreen): opening runs, training from the window
// on the worker thread, the scrubber driving the snapshot views, export, and bad files.
#include <QApplication>
#include <QDockWidget>
#include <QMessageBox>
#include <QtTest>

#include <atomic>
#include <filesystem>

#include "ui/checkpoint/prediction_grid.h"

#include <qcustomplot.h>
#include <sqlite3.h>

#include "core/analysis/analysis_memory.h"
#include "core/store/run_store.h"
#include "core/training/trainer.h"
#include "test_util.h"
#include "ui/checkpoint/epoch_scrubber.h"
#include "ui/checkpoint/snapshot_service.h"
#include "ui/plots/heatmap_view.h"
#include "ui/plots/series_view.h"
#include "ui/plots/spectrum_view.h"
#include "ui/run/run_panel.h"
#include "ui/window/main_window.h"
#include "ui/window/run_viewer.h"
#include "ui_test_util.h"

using namespace grok;

namespace {

SeriesView* series(QCustomPlot* p) { return qobject_cast<SeriesView*>(p); }

// A non-blank image: more than a handful of distinct colours.
bool looksDrawn(const QImage& img) {
  QSet<QRgb> colours;
  for (int y = 0; y < img.height(); y += 7)
    for (int x = 0; x < img.width(); x += 7) colours.insert(img.pixel(x, y));
  return colours.size() > 20;
}

}  // namespace

class TestMainWindow : public QObject {
  Q_OBJECT
 private slots:
  // A snapshot cache bounded by count held 6 x ~1 GB at p = 401: now by bytes too, never below the
  // one snapshot on screen.
  void snapshotCacheIsBoundedByBytes() {
    Config big;
    big.p = 401;
    QCOMPARE(SnapshotService::cacheCapacity(snapshot_bytes(Config{})), SnapshotService::kCacheSize);
    QCOMPARE(SnapshotService::cacheCapacity(snapshot_bytes(big)), std::size_t(1));
    QCOMPARE(SnapshotService::cacheCapacity(SnapshotService::kCacheBytes / 3), std::size_t(3));
    QVERIFY(snapshot_bytes(big) * SnapshotService::kCacheSize > SnapshotService::kCacheBytes);
  }

  // The scrub path builds the run's dataset once (one analyzer per run) and converts each
  // checkpoint to weights once: its snapshot and its check table share them, and a cached
  // checkpoint costs nothing.
  void scrubConvertsEachCheckpointOnce() {
    test::ScratchDir dir;
    test::train_run(test::tiny_config(11, 40, 10, 4), dir.file("run.grok"));
    SnapshotService s;
    s.setRun(dir.qfile("run.grok"));
    const std::uint64_t builds = CheckpointAnalyzer::builds(), conversions = CheckpointWeights::conversions();
    QSignalSpy ready(&s, &SnapshotService::ready);
    auto fully = [&](int epoch) {  // until the check table of `epoch` has arrived
      ready.clear();
      s.request(epoch);
      QTRY_VERIFY_WITH_TIMEOUT(std::any_of(ready.begin(), ready.end(),
                                           [&](const QList<QVariant>& r) {
                                             return r[0].toInt() == epoch &&
                                                    r[1].value<ViewSnapshotPtr>()->checks != nullptr;
                                           }),
                               20000);
    };
    for (int e : {40, 30, 20, 10}) fully(e);
    fully(30);  // cached
    QCOMPARE(CheckpointAnalyzer::builds() - builds, std::uint64_t(1));
    QCOMPARE(CheckpointWeights::conversions() - conversions, std::uint64_t(4));
  }

  // While the 2D logits view is out of sight the scrub leaves its norms out (~6 ms a step on the
  // mainline); completeLogitNorms adds them to the views, computing nothing else again: the numbers
  // a snapshot in sight holds.
  void outOfSightLogitNormsComeLater() {
    test::ScratchDir dir;
    test::train_run(test::tiny_config(11, 40, 10, 4), dir.file("run.grok"));
    // The last ready of a request of `epoch` (once its check table is there), then, with
    // `complete`, of completeLogitNorms.
    auto visit = [&](SnapshotService& s, int epoch, bool complete, ViewSnapshotPtr& out) {
      QSignalSpy ready(&s, &SnapshotService::ready);
      s.request(epoch);
      QTRY_VERIFY_WITH_TIMEOUT(!ready.isEmpty() && ready.last()[1].value<ViewSnapshotPtr>()->checks, 20000);
      if (complete) {
        s.completeLogitNorms(epoch, ready.last()[1].value<ViewSnapshotPtr>());
        QTRY_VERIFY_WITH_TIMEOUT(ready.last()[1].value<ViewSnapshotPtr>()->logitNorms != nullptr, 20000);
      }
      out = ready.last()[1].value<ViewSnapshotPtr>();
    };
    SnapshotService later, now;
    later.setRun(dir.qfile("run.grok"));
    now.setRun(dir.qfile("run.grok"));
    later.setLogitNormsLater(true);
    ViewSnapshotPtr without, in_sight, with;
    visit(later, 30, false, without);
    visit(now, 30, false, in_sight);
    QVERIFY(without && in_sight);
    QVERIFY(!without->logitNorms && without->snapshot->measures.logits_2d_norms.empty());
    QVERIFY(in_sight->logitNorms && !in_sight->logitNorms->empty());
    QCOMPARE(*in_sight->logitNorms, in_sight->snapshot->measures.logits_2d_norms);
    visit(later, 30, true, with);
    QVERIFY(with);
    QCOMPARE(with->snapshot, without->snapshot);  // from the cache: nothing computed again
    QCOMPARE(with->checks, without->checks);
    QCOMPARE(*with->logitNorms, *in_sight->logitNorms);
  }

  // The service keeps its connection to the run file from one checkpoint to the next while the
  // file stays at rest (RunStore::still_at_rest): a run extended by a trainer, or another run put
  // at the path, is read as the path holds it now, not as the kept connection last saw it.
  void scrubReadsTheRunAsThePathHoldsIt() {
    test::ScratchDir dir;
    const std::string path = dir.file("run.grok");
    test::train_run(test::tiny_config(11, 40, 10, 4), path);
    SnapshotService s;
    s.setRun(dir.qfile("run.grok"));
    // The arrays the service read for `epoch` (first ready), against the path's as opened now.
    auto check_read = [&](int epoch) {
      QSignalSpy ready(&s, &SnapshotService::ready), failed(&s, &SnapshotService::failed);
      s.request(epoch);
      QTRY_VERIFY_WITH_TIMEOUT(!ready.isEmpty() || !failed.isEmpty(), 20000);
      QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first()[1].toString()));
      const std::vector<NamedArray>& got = ready.first()[1].value<ViewSnapshotPtr>()->weights->arrays();
      const std::vector<NamedArray> want = RunStore::open(path).load_checkpoint(epoch);
      QCOMPARE(got.size(), want.size());
      for (std::size_t i = 0; i < got.size(); i++)
        QVERIFY2(got[i].bytes == want[i].bytes, qPrintable(QString::number(epoch)));
    };
    check_read(40);
    {
      Trainer t = Trainer::resume(path, 80, {1});  // more checkpoints, written beside the kept reader
      std::atomic<bool> stop{false};
      t.run(stop);
    }
    check_read(80);
    Config other = test::tiny_config(11, 40, 10, 4);
    other.seed = 99;
    test::train_run(other, dir.file("other.grok"));
    const std::vector<NamedArray> before = RunStore::open(path).load_checkpoint(20);
    std::filesystem::rename(dir.file("other.grok"), path);  // another run at the path
    QVERIFY(RunStore::open(path).load_checkpoint(20)[0].bytes != before[0].bytes);
    check_read(20);
  }

  void initTestCase() {
    Q_INIT_RESOURCE(grokking);  // icons, as the app's main does
    QCoreApplication::setOrganizationName("grokking-lab-tests");
  }

  void opensARunAndPlotsItsLosses() {
    test::ScratchDir dir;
    test::train_run(test::tiny_config(11, 40, 10, 4), dir.file("run.grok"));
    MainWindow w;
    w.show();
    QVERIFY(w.openRun(dir.qfile("run.grok"), true));
    QCOMPARE(series(w.viewer()->lossPlot())->pointCount(0), 41);  // train loss, every epoch
    QCOMPARE(series(w.viewer()->lossPlot())->pointCount(1), 13);  // test loss: every 4th epoch and checkpoints 10, 30
    QCOMPARE(series(w.viewer()->accuracyPlot())->pointCount(0), 41);
    QCOMPARE(w.viewer()->measuresView()->pointCount(2), 5);  // restricted loss at checkpoints 0..40
    QCOMPARE(w.viewer()->scrubber()->checkpoints(), (std::vector<int>{0, 10, 20, 30, 40}));
    QVERIFY(w.windowTitle().contains("run.grok"));
    QVERIFY(looksDrawn(w.grab().toImage()));
  }

  void corruptFileGivesAnErrorAndTheWindowStays() {
    test::ScratchDir dir;
    test::train_run(test::tiny_config(11, 20, 10, 4), dir.file("good.grok"));
    QFile f(dir.qfile("bad.grok"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QByteArray(4096, 'x'));
    f.close();
    MainWindow w;
    QVERIFY(w.openRun(dir.qfile("good.grok"), true));
    QVERIFY(!w.openRun(dir.qfile("bad.grok"), true));
    QVERIFY2(w.lastError().contains("not a Grokking Lab run file"), qPrintable(w.lastError()));
    // What was shown stays.
    QCOMPARE(series(w.viewer()->lossPlot())->pointCount(0), 21);
    QCOMPARE(w.runPath(), dir.qfile("good.grok"));
  }

  void scrubberMovesEverySnapshotView() {
    test::ScratchDir dir;
    test::train_run(test::tiny_config(11, 200, 50, 10), dir.file("run.grok"));
    MainWindow w;
    w.resize(MainWindow::designSize());  // the size the dashboard is laid out for
    w.resize(1840, 1020);                // as on a 1920 x 1080 screen (the offscreen one is smaller)
    w.show();
    QSignalSpy shown(&w, &MainWindow::snapshotShown);
    QVERIFY(w.openRun(dir.qfile("run.grok"), true));
    QTRY_COMPARE_WITH_TIMEOUT(w.viewer()->shownSnapshotEpoch(), 200, 20000);
    // The first neuron map's total over the 11 x 11 grid of (a, b).
    auto firstMapSum = [&] {
      double sum = 0;
      for (int a = 0; a < 11; a++)
        for (int b = 0; b < 11; b++) sum += w.viewer()->neuronView()->valueAt(0, a, b);
      return sum;
    };
    const double late = firstMapSum();
    QVERIFY(late != 0);                                    // never a dead neuron
    QCOMPARE(w.viewer()->attentionView()->mapCount(), 2);  // tiny config: 2 heads
    // The check table follows its snapshot.
    QTRY_COMPARE_WITH_TIMEOUT(w.viewer()->shownChecksEpoch(), 200, 20000);
    QVERIFY(w.viewer()->checksTable()->rowCount() >= 2);
    const QString lossAt200 = w.viewer()->checksTable()->item(0, 1)->text();
    // Left arrow steps back one checkpoint; the views follow.
    QTest::keyClick(&w, Qt::Key_Left);
    QCOMPARE(w.viewer()->scrubber()->epoch(), 150);
    QTRY_COMPARE_WITH_TIMEOUT(w.viewer()->shownSnapshotEpoch(), 150, 20000);
    w.viewer()->scrubber()->setEpoch(0);
    QTRY_COMPARE_WITH_TIMEOUT(w.viewer()->shownSnapshotEpoch(), 0, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(w.viewer()->shownChecksEpoch(), 0, 20000);
    QVERIFY(firstMapSum() != late);
    QVERIFY(w.viewer()->checksTable()->item(0, 1)->text() != lossAt200);
    QVERIFY(!shown.isEmpty());

    // Drawn as laid out: every map over (a, b) has square cells, and no legend covers a plot's data.
    for (HeatmapView* v : {w.viewer()->neuronView(), w.viewer()->attentionView(), w.viewer()->logitsView(),
                           static_cast<HeatmapView*>(w.findChild<PredictionGrid*>())}) {
      for (QWidget* p = v; p; p = p->parentWidget())  // a tab behind another is not laid out
        if (auto* dock = qobject_cast<QDockWidget*>(p)) dock->raise();
      QTRY_VERIFY(v->isVisible());
      v->replot();
      for (int i = 0; i < v->plottableCount(); i++) {
        const QCPAxisRect* r = v->plottable(i)->keyAxis()->axisRect();
        QVERIFY2(std::abs(r->rect().width() - r->rect().height()) <= 2,
                 qPrintable(QString("%1: %2 x %3").arg(v->title()).arg(r->rect().width()).arg(r->rect().height())));
      }
    }
    const RunViewer* v = w.viewer();
    for (QCustomPlot* plot : std::initializer_list<QCustomPlot*>{v->lossPlot(), v->measuresView(), v->weView()}) {
      plot->replot();
      QVERIFY(plot->legend && plot->legend->visible());
      QVERIFY(!plot->legend->outerRect().intersects(plot->axisRect()->rect()));
    }
  }

  void exportWritesDrawnPngAndWellFormedSvg() {
    test::ScratchDir dir;
    test::train_run(test::tiny_config(11, 100, 20, 5), dir.file("run.grok"));
    MainWindow w;
    w.resize(1600, 1000);
    w.show();
    QVERIFY(w.openRun(dir.qfile("run.grok"), true));
    QTRY_COMPARE_WITH_TIMEOUT(w.viewer()->shownSnapshotEpoch(), 100, 20000);
    QCOMPARE(w.exportDashboard(dir.qfile("dash.png")), QString());
    QImage png(dir.qfile("dash.png"));
    QVERIFY(!png.isNull() && png.width() >= 1000);
    QVERIFY(looksDrawn(png));
    QCOMPARE(w.exportDashboard(dir.qfile("dash.svg")), QString());
    QVERIFY(test::svgShapeCount(dir.qfile("dash.svg")) > 50);  // vector curves, not one embedded bitmap
    QCOMPARE(w.exportAllFigures(dir.qfile("")), QString());
    QVERIFY(QFileInfo(dir.qfile("loss.svg")).size() > 1000);
    QVERIFY(QFileInfo(dir.qfile("loss.svg")).size() < 1000 * 1000);  // a line plot stays small
    QVERIFY(looksDrawn(QImage(dir.qfile("neurons.png"))));
    QCOMPARE(w.exportDashboard(dir.qfile("dash.pdf")), QString());
    QVERIFY(QFileInfo(dir.qfile("dash.pdf")).size() > 1000);
    QVERIFY(w.exportDashboard(dir.qfile("dash.bmpx")).contains("unknown format"));
  }

  void trainsFromTheWindowAndStopCommits() {
    test::ScratchDir dir;
    MainWindow w;
    w.show();
    RunPanel* panel = w.runPanel();
    test::setTinyFields(panel);
    // Invalid input cannot start and says why.
    panel->setField("p", "12");
    QVERIFY(!panel->config());
    QVERIFY2(panel->error().contains("p"), qPrintable(panel->error()));
    panel->setField("p", "11");
    QVERIFY(panel->config());
    panel->setField("path", dir.qfile("live.grok"));
    QSignalSpy done(&w, &MainWindow::trainingFinished);
    w.startTraining();
    QVERIFY(w.training());
    // The plots fill and checkpoints arrive while training runs on its thread.
    QTRY_VERIFY_WITH_TIMEOUT(series(w.viewer()->lossPlot())->pointCount(0) > 200, 30000);
    QTRY_VERIFY_WITH_TIMEOUT(w.viewer()->scrubber()->checkpoints().size() >= 3, 30000);
    QTRY_VERIFY_WITH_TIMEOUT(w.viewer()->shownSnapshotEpoch() >= 25, 30000);
    w.stopTraining();
    QTRY_COMPARE_WITH_TIMEOUT(done.size(), 1, 30000);
    QCOMPARE(done.front().front().toBool(), false);  // stopped, not complete
    QVERIFY(!w.training());
    // The stop committed a checkpoint of the weights reached (after the last logged epoch's
    // update, Trainer's convention), with its measures.
    const RunStore s = RunStore::open(dir.file("live.grok"));
    const int last = s.checkpoint_epochs().back();
    QCOMPARE(s.load_resume_state()->epoch, last);  // resumable from exactly there
    QVERIFY(last == s.last_metrics()->epoch || last == s.last_metrics()->epoch + 1);
    QCOMPARE(s.load_measures(KeySelection::Live).back().epoch, last);
    QCOMPARE(w.viewer()->scrubber()->checkpoints().back(), last);
  }

  void fillsInTheMeasuresAnOlderRunLacks() {
    test::ScratchDir dir;
    test::train_run(test::tiny_config(11, 100, 25, 5), dir.file("run.grok"));
    {
      // A run written before training stored its measures.
      sqlite3* db = nullptr;
      QCOMPARE(sqlite3_open(dir.file("run.grok").c_str(), &db), SQLITE_OK);
      QCOMPARE(sqlite3_exec(db, "DELETE FROM measures", nullptr, nullptr, nullptr), SQLITE_OK);
      sqlite3_close(db);
    }
    MainWindow w;
    w.show();
    QVERIFY(w.openRun(dir.qfile("run.grok"), true));
    // Computed off the GUI thread, stored, and drawn: one point per checkpoint (0, 25, ..., 100).
    QTRY_COMPARE_WITH_TIMEOUT(w.viewer()->measuresView()->pointCount(2), 5, 30000);
    QCOMPARE(RunStore::open(dir.file("run.grok")).load_measures(KeySelection::Live).size(), std::size_t(5));
  }

  void followsThePalette() {
    // A dark palette reaches every figure: background, axes and text, and back again.
    const QPalette light = QApplication::palette();
    QPalette dark = light;
    dark.setColor(QPalette::Window, QColor(45, 45, 48));
    dark.setColor(QPalette::Base, QColor(30, 30, 32));
    dark.setColor(QPalette::WindowText, QColor(220, 220, 220));
    dark.setColor(QPalette::Text, QColor(220, 220, 220));
    MainWindow w;
    w.resize(1600, 1000);
    w.show();
    const RunViewer* v = w.viewer();
    QApplication::setPalette(dark);
    QTRY_COMPARE(v->lossPlot()->axisRect()->axis(QCPAxis::atBottom)->labelColor(), QColor(220, 220, 220));
    for (QCustomPlot* plot : std::initializer_list<QCustomPlot*>{v->lossPlot(), v->wlView(), v->neuronView()}) {
      const QImage img = plot->grab().toImage();
      QCOMPARE(img.pixelColor(2, img.height() / 2), QColor(30, 30, 32));
      for (QCPAxisRect* rect : plot->axisRects())  // none in an empty heatmap grid
        QCOMPARE(rect->axis(QCPAxis::atBottom)->labelColor(), QColor(220, 220, 220));
    }
    QApplication::setPalette(light);
    QTRY_COMPARE(v->lossPlot()->axisRect()->axis(QCPAxis::atBottom)->labelColor(), light.color(QPalette::WindowText));
  }

  void resumesInterruptedAndCompleteRunsFromTheWindow() {
    test::ScratchDir dir;
    test::train_run(test::tiny_config(11, 100, 25, 5), dir.file("run.grok"));
    MainWindow w;
    w.show();
    QVERIFY(w.openRun(dir.qfile("run.grok"), true));
    QCOMPARE(w.viewer()->scrubber()->checkpoints().back(), 100);
    QSignalSpy done(&w, &MainWindow::trainingFinished);
    // A complete run trains on to a new epoch count; one before the newest checkpoint is refused
    // with an error dialog (closed here; the window reads the run first, its event loop turning).
    test::MessageBoxCloser boxes;
    boxes.start();
    w.resumeTraining(50);
    QVERIFY(!w.training());
    QVERIFY2(boxes.texts.join("; ").contains("epochs: 50"), qPrintable(boxes.texts.join("; ")));
    w.resumeTraining(100000);
    QVERIFY(w.training());
    QTRY_VERIFY_WITH_TIMEOUT(w.viewer()->scrubber()->checkpoints().back() >= 150, 30000);
    w.stopTraining();
    QTRY_COMPARE_WITH_TIMEOUT(done.size(), 1, 30000);
    QVERIFY(!w.training());
    // Interrupted now: resuming continues to the new target from the stop's checkpoint.
    const int stopped = w.viewer()->scrubber()->checkpoints().back();
    w.resumeTraining();
    QVERIFY(w.training());
    QTRY_VERIFY_WITH_TIMEOUT(w.viewer()->scrubber()->checkpoints().back() >= stopped + 50, 30000);
    w.stopTraining();
    QTRY_COMPARE_WITH_TIMEOUT(done.size(), 2, 30000);
    // One run file with one row per epoch, the curves continuous across both resumes.
    const RunStore s = RunStore::open(dir.file("run.grok"));
    QCOMPARE(s.config().epochs, 100000);
    const std::vector<EpochMetrics> m = s.metrics();
    for (std::size_t i = 0; i < m.size(); i++) QCOMPARE(m[i].epoch, static_cast<int>(i));
    QVERIFY(m.back().epoch >= stopped + 50);
    QCOMPARE(series(w.viewer()->lossPlot())->pointCount(0), static_cast<int>(m.size()));
  }
};

GROK_TEST_MAIN(TestMainWindow, QApplication)
#include "test_main_window.moc"
