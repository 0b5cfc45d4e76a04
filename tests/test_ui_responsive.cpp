// The GUI thread never waits on slow work (issue 22): while the window plans an import, exports a
// run's every checkpoint as a .pt and opens a run, its event loop keeps turning. A 2 ms timer
// measures the event loop's lateness: the longest gap between two of its ticks, less 2 ms.
//
// The run is the mainline model's size (p = 113, d_model 128) with 60 checkpoints, so each command
// has real work (an export of ~55 MB, a plan reading it back): done on the GUI thread, each blocked
// the event loop for hundreds of milliseconds.
#include <QElapsedTimer>
#include <QTimer>
#include <QtTest>

#include <algorithm>

#include "core/interchange/checkpoint_layout.h"
#include "test_util.h"
#include "ui/run/import_dialog.h"
#include "ui/window/main_window.h"
#include "ui/window/run_viewer.h"
#include "ui_test_util.h"

using namespace grok;

namespace {

struct Lateness {
  double worst_ms = 0;  // the event loop's longest wait beyond the timer's 2 ms
  double work_ms = 0;   // how long the work took: what blocking it would have cost
};

// The event loop's lateness while `work` runs: the longest gap between ticks of a 2 ms timer.
template <typename F>
Lateness lateness_during(F&& work) {
  QElapsedTimer clock;
  qint64 last = 0, worst = 0;
  QTimer tick;
  tick.setInterval(2);
  QObject::connect(&tick, &QTimer::timeout, [&] {
    const qint64 now = clock.nsecsElapsed();
    worst = std::max(worst, now - last);
    last = now;
  });
  clock.start();
  tick.start();
  QCoreApplication::processEvents();
  last = clock.nsecsElapsed();
  const qint64 start = clock.nsecsElapsed();
  work();
  const qint64 end = clock.nsecsElapsed();
  worst = std::max(worst, end - last);  // up to the end of the work
  return {static_cast<double>(worst) / 1e6 - 2.0, static_cast<double>(end - start) / 1e6};
}

}  // namespace

class TestUiResponsive : public QObject {
  Q_OBJECT
  QTemporaryDir settings_;
  test::ScratchDir dir_;
  test::MessageBoxCloser boxes_;

 private slots:
  void initTestCase() {
    initUiTest(settings_.path());
    Config c;  // the mainline model
    c.epochs = 59;
    c.checkpoint_interval = 1;
    test::train_run(c, dir_.file("run.grok"));
    boxes_.start();
  }

  void theEventLoopTurnsWhileFilesAreReadAndWritten() {
    MainWindow w;
    w.show();
    const Lateness open = lateness_during([&] { QVERIFY(w.openRun(dir_.qfile("run.grok"), true)); });
    const QString pth = dir_.qfile("all.pth");
    const Lateness exported =
        lateness_during([&] { QCOMPARE(w.exportCheckpoint(pth, PtLayout::Authors, true), QString()); });
    QVERIFY(QFileInfo(pth).size() > 50'000'000);
    ImportDialog* d = nullptr;
    const Lateness planned = lateness_during([&] { d = w.importCheckpoint(pth); });
    QVERIFY(d);
    d->reject();
    qInfo("event loop lateness (work): open %.1f ms (%.0f ms), export %.1f ms (%.0f ms), import plan %.1f ms (%.0f ms)",
          open.worst_ms, open.work_ms, exported.worst_ms, exported.work_ms, planned.worst_ms, planned.work_ms);
    QVERIFY2(open.worst_ms < 50 && exported.worst_ms < 50 && planned.worst_ms < 50, "the GUI thread waited on a file");
    // The export is long enough that doing it on the GUI thread would fail the check above.
    QVERIFY(exported.work_ms > 100);
    QVERIFY2(boxes_.texts.isEmpty(), qPrintable(boxes_.texts.join("; ")));
  }
};

QTEST_MAIN(TestUiResponsive)
#include "test_ui_responsive.moc"
