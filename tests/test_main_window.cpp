// The main window over real run files, headless (QT_QPA_PLATFORM=offscreen).
#include <QtTest>

#include <atomic>
#include <qcustomplot.h>

#include "core/trainer.h"
#include "tests/test_util.h"
#include "ui/main_window.h"

using namespace grok;

class TestMainWindow : public QObject {
  Q_OBJECT
 private slots:
  void opensARunAndPlotsItsLosses() {
    test::ScratchDir dir;
    test::train_run(test::tiny_config(11, 40, 10, 4), dir.file("run.grok"));
    MainWindow w;
    w.show();
    QVERIFY(w.openRun(dir.qfile("run.grok"), true));
    QCustomPlot* plot = w.lossPlot();
    QCOMPARE(plot->graphCount(), 2);
    QCOMPARE(plot->graph(0)->data()->size(), 41);  // train loss, every epoch
    QCOMPARE(plot->graph(1)->data()->size(), 13);  // test loss: every 4th epoch and checkpoints 10, 30
    QCOMPARE(w.accuracyPlot()->graph(0)->data()->size(), 41);
    QVERIFY(w.windowTitle().contains("run.grok"));
    const QImage shot = w.grab().toImage();
    QVERIFY(!shot.isNull() && shot.width() > 0);
  }

  void corruptFileGivesAnErrorAndTheWindowStays() {
    test::ScratchDir dir;
    QFile f(dir.qfile("bad.grok"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QByteArray(4096, 'x'));
    f.close();
    MainWindow w;
    QVERIFY(!w.openRun(dir.qfile("bad.grok"), true));
    QVERIFY2(w.lastError().contains("not a Grokking Lab run file"), qPrintable(w.lastError()));
    QCOMPARE(w.lossPlot()->graphCount(), 0);
  }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
