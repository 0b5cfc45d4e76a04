// What a new user sees before any run is open, headless: every view says in words what will
// appear in it and how to get it, the accuracy axis runs 0 to 1, the empty maps draw no colour
// bar; once a run is open the words give way to its data. Log axes never label two ticks alike.
#include <QApplication>
#include <QtTest>

#include <set>

#include "test_util.h"
#include "ui/plots/figure.h"
#include "ui/plots/heatmap_view.h"
#include "ui/plots/series_view.h"
#include "ui/plots/spectrum_view.h"
#include "ui/window/main_window.h"
#include "ui/window/run_viewer.h"
#include "ui_test_util.h"

using namespace grok;

class TestUiFirstImpressions : public QObject {
  Q_OBJECT
  QTemporaryDir settings_;

  static QList<Figure*> dashboard(const MainWindow& w) {
    const RunViewer* v = w.viewer();
    QList<Figure*> out = {qobject_cast<Figure*>(v->lossPlot()), qobject_cast<Figure*>(v->accuracyPlot())};
    out << v->measuresView() << v->weView() << v->wlView() << v->neuronView() << v->attentionView() << v->logitsView();
    return out;
  }

 private slots:
  void initTestCase() { initUiTest(settings_.path()); }

  void emptyViewsSayWhatWillAppear() {
    MainWindow w;
    w.show();
    for (Figure* f : dashboard(w)) {
      QVERIFY2(!f->hasData(), qPrintable(f->title()));
      QVERIFY2(f->emptyText().size() > 30, qPrintable(f->title() + ": " + f->emptyText()));
    }
    QVERIFY(dashboard(w).front()->emptyText().contains("File > Open"));
    const QCPRange acc = w.viewer()->accuracyPlot()->yAxis->range();
    QVERIFY2(acc.lower > -0.1 && acc.upper < 1.1, qPrintable(QString("%1 .. %2").arg(acc.lower).arg(acc.upper)));
    // An empty map has no colour bar (an empty one drew as a broken glyph).
    for (HeatmapView* h : {w.viewer()->neuronView(), w.viewer()->attentionView(), w.viewer()->logitsView()})
      for (QCPLayoutElement* e : h->plotLayout()->elements(true))
        if (auto* scale = qobject_cast<QCPColorScale*>(e)) QVERIFY2(!scale->visible(), qPrintable(h->title()));

    // A run: the words give way to its curves and maps, colour bar and all.
    test::ScratchDir dir;
    test::train_run(test::tiny_config(11, 40, 10, 5), dir.file("run.grok"));
    QVERIFY(w.openRun(dir.qfile("run.grok"), true));
    QTRY_COMPARE_WITH_TIMEOUT(w.viewer()->shownSnapshotEpoch(), 40, 20000);
    // A view behind another's tab (the logits' 2D norms) gets its data once the user rests.
    for (Figure* f : dashboard(w)) QTRY_VERIFY2_WITH_TIMEOUT(f->hasData(), qPrintable(f->title()), 20000);
    bool scaleShown = false;
    for (QCPLayoutElement* e : w.viewer()->neuronView()->plotLayout()->elements(true))
      if (auto* scale = qobject_cast<QCPColorScale*>(e)) scaleShown = scale->visible();
    QVERIFY(scaleShown);
  }

  void logAxesNeverRepeatALabel_data() {
    QTest::addColumn<double>("lo");
    QTest::addColumn<double>("hi");
    QTest::newRow("within a decade") << 8.0 << 30.0;
    QTest::newRow("a decade and a bit") << 3.0 << 40.0;
    QTest::newRow("decades") << 1e-7 << 10.0;
  }
  void logAxesNeverRepeatALabel() {
    QFETCH(double, lo);
    QFETCH(double, hi);
    SeriesView v("grokked at", "epochs", true);
    v.resize(400, 300);
    applyScale(v.yAxis, true);
    v.yAxis->setNumberFormat("eb");
    v.yAxis->setNumberPrecision(0);
    v.yAxis->setRange(lo, hi);
    v.replot();
    const QVector<QString> labels = v.yAxis->tickVectorLabels();
    QVERIFY(labels.size() >= 2);
    std::set<QString> seen;
    for (const QString& l : labels) QVERIFY2(seen.insert(l).second, qPrintable("twice: " + l));
  }
};

GROK_TEST_MAIN(TestUiFirstImpressions, QApplication)
#include "test_ui_first_impressions.moc"
