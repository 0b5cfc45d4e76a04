// The Compare view, headless, on a real sweep trained here (p = 11, 2 x 2 grid, 2 seeds, 300
// epochs): the table's rows are the sweep's runs with their summaries, the overlays hold the
// checked runs' curves (unchecking one removes it), epochs to grok and the phase grid agree with
// core's summaries, exports write files, loose run files compare their differing fields, and a
// double click opens the run in the dashboard. Live updates and sweeps run from the window:
// test_ui_compare_live.cpp.
#include <QApplication>
#include <QDockWidget>
#include <QSignalSpy>
#include <QtTest>
#include <atomic>

#include "core/experiments/run_summary.h"
#include "core/runner/sweep_runner.h"
#include "core/store/run_store.h"
#include "test_util.h"
#include "ui/compare/compare_source.h"
#include "ui/compare/compare_view.h"
#include "ui/compare/grok_plot.h"
#include "ui/compare/overlay_plots.h"
#include "ui/compare/phase_grid.h"
#include "ui/compare/run_table.h"
#include "ui/plots/figure_export.h"
#include "ui/window/main_window.h"
#include "ui_compare_test_util.h"
#include "ui_test_util.h"

using namespace grok;
using grok::test::makeSweep;
using grok::test::openAndRead;

namespace {

constexpr int kEpochs = 300;

// A run as the source reads it, with only what the grok plot and the phase grid look at.
CompareRun synthetic(int row, const char* lr, int seed, int grok, LiuPhase phase, RunState state) {
  CompareRun r;
  r.row = row;
  r.varied = {{"lr", lr}, {"seed", std::to_string(seed)}};
  r.hasData = true;
  r.state = state;
  r.summary.complete = state == RunState::Complete;
  r.summary.last_epoch = 1000;
  r.summary.grok_epoch = grok;
  r.summary.phase = phase;
  return r;
}

int testPoints(const std::string& path) {
  int n = 0;
  for (const EpochMetrics& m : RunStore::open(path).metrics())
    if (!std::isnan(m.test_loss) && m.test_loss > 0) n++;
  return n;
}

}  // namespace

class TestUiCompare : public QObject {
  Q_OBJECT
  QTemporaryDir settings_;
  test::ScratchDir dir_;
  std::string sweepDir_;
  std::vector<RunSummary> summaries_;

 private slots:
  void initTestCase() {
    initUiTest(settings_.path());
    sweepDir_ = dir_.file("lr-wd");
    const Sweep s = makeSweep(
        sweepDir_, kEpochs, {{"lr", QJsonArray{0.001, 0.01}}, {"weight_decay", QJsonArray{0.1, 3}}}, QJsonArray{0, 1});
    std::atomic<bool> stop{false};
    SweepRunOptions opt;
    opt.jobs = 2, opt.threads = 1;
    SweepCallbacks cb;
    cb.on_event = [](const SweepEvent& e) {  // a failure names its reason in the test's output
      if (e.kind == SweepEvent::Failed || e.kind == SweepEvent::Skipped)
        qWarning("run %d: %s", e.index, e.message.c_str());
    };
    QVERIFY(run_sweep(s, opt, stop, cb).all_complete());
    for (const SweepRun& r : s.runs()) summaries_.push_back(summarize_run(RunStore::open(s.run_path(r.index))));
  }

  void tableListsTheRuns() {
    CompareView v;
    v.resize(1600, 1000);
    v.show();
    QVERIFY(openAndRead(v, {QString::fromStdString(sweepDir_)}));
    const Sweep s = Sweep::open(sweepDir_);
    RunTable* t = v.table();
    QCOMPARE(t->rowCount(), 8);
    QCOMPARE(v.source()->varied(), QStringList({"lr", "weight_decay", "seed"}));
    for (int i = 0; i < 8; i++) {
      const SweepRun& r = s.runs()[i];
      QCOMPARE(t->item(i, t->column("lr"))->text().toStdString(), r.varied[0].second);
      QCOMPARE(t->item(i, t->column("weight_decay"))->text().toStdString(), r.varied[1].second);
      QCOMPARE(t->item(i, t->column("seed"))->text().toStdString(), r.varied[2].second);
      QCOMPARE(t->item(i, t->column("state"))->text(), QString("complete"));
      QCOMPARE(t->item(i, t->column("epoch"))->text(), QString("%1/%1").arg(kEpochs));
      const int g = summaries_[i].grok_epoch;
      QCOMPARE(t->item(i, t->column("99% test at"))->text(), g < 0 ? QString("-") : QString::number(g));
      QCOMPARE(t->item(i, t->column("phase"))->text(), QString(to_string(summaries_[i].phase)));
    }
    QCOMPARE(t->checkedRows().size(), 8);
  }

  void overlaysHoldTheCheckedRuns() {
    CompareView v;
    v.resize(1600, 1000);
    v.show();
    QVERIFY(openAndRead(v, {QString::fromStdString(sweepDir_)}));
    const Sweep s = Sweep::open(sweepDir_);
    OverlayFigure* loss = v.overlays()->figure(CompareSeries::TestLoss);
    QVERIFY(loss->isVisible());
    QCOMPARE(loss->curveCount(), 8);
    for (int i = 0; i < 8; i++) QCOMPARE(loss->pointCount(i), testPoints(s.run_path(i)));
    // Runs sharing the colour-by value share a colour (runs 0, 1, 4, 5: weight decay 0.1; 2, 3, 6, 7: 3).
    v.setColourField("weight_decay");
    auto colour = [&](int row) { return loss->curve(row)->pen().color(); };
    QCOMPARE(colour(0), colour(1));
    QCOMPARE(colour(0), colour(4));
    QCOMPARE(colour(2), colour(7));
    QVERIFY(colour(0) != colour(2));
    // Unchecking a run removes its curve from every overlay.
    v.table()->setRunChecked(3, false);
    QCOMPARE(loss->curveCount(), 7);
    QCOMPARE(loss->curve(3), nullptr);
    // A measure stacked under the losses: one point a checkpoint.
    v.overlays()->setShown({CompareSeries::TestLoss, CompareSeries::RestrictedLoss, CompareSeries::SumSqWeights});
    OverlayFigure* restricted = v.overlays()->figure(CompareSeries::RestrictedLoss);
    QVERIFY(restricted->isVisible());
    QCOMPARE(restricted->curveCount(), 7);
    QCOMPARE(v.overlays()->figure(CompareSeries::SumSqWeights)->pointCount(0), kEpochs / 25 + 1);
    // Linked epoch axes: a zoom in one is the range of the others.
    loss->xAxis->setRange(50, 150);
    emit loss->userRangeChanged(loss->xAxis->range());
    QCOMPARE(restricted->xAxis->range().lower, 50.0);
    QCOMPARE(restricted->xAxis->range().upper, 150.0);
    // Hover names the run.
    const QCPGraph* g = loss->curve(0);
    const double key = g->data()->at(10)->key, value = g->data()->at(10)->value;
    const QString hover = loss->hoverText(QPointF(loss->xAxis->coordToPixel(key), loss->yAxis->coordToPixel(value)));
    QVERIFY2(hover.contains("seed=") && hover.contains("weight_decay="), qPrintable(hover));
  }

  void epochsToGrokAgreeWithTheSummaries() {
    CompareView v;
    v.resize(1600, 1000);
    v.show();
    QVERIFY(openAndRead(v, {QString::fromStdString(sweepDir_)}));
    v.setGrokField("weight_decay");
    const QVector<GrokPoint>& points = v.grokPlot()->points();
    QCOMPARE(points.size(), 4);  // 2 lr groups x 2 weight decays
    for (const GrokPoint& p : points) {
      QCOMPARE(p.runs, 2);
      QVector<double> epochs;
      for (int row : p.rows) {
        QCOMPARE(v.source()->runs()[row].value("weight_decay"), p.value);
        QVERIFY(p.group.startsWith("lr=" + v.source()->runs()[row].value("lr")));
        if (summaries_[row].grok_epoch >= 0) epochs << summaries_[row].grok_epoch;
      }
      QCOMPARE(p.grokked, epochs.size());
      QCOMPARE(p.never(), epochs.isEmpty());
      if (epochs.isEmpty()) continue;
      std::sort(epochs.begin(), epochs.end());
      QCOMPARE(p.min, epochs.front());
      QCOMPARE(p.max, epochs.back());
      QCOMPARE(p.median, epochs.size() == 2 ? (epochs[0] + epochs[1]) / 2 : epochs[0]);
    }
    QVERIFY(v.grokPlot()->logX());  // 0.1 and 3: log-spaced
  }

  void grokPointsOverSeeds() {
    const auto C = RunState::Complete, R = RunState::Running;
    const auto G = LiuPhase::Grokking, M = LiuPhase::Memorisation;
    const QVector<CompareRun> runs = {
        synthetic(0, "0.001", 0, 400, G, C), synthetic(1, "0.001", 1, 600, G, C), synthetic(2, "0.001", 2, 900, G, C),
        synthetic(3, "0.01", 0, -1, M, C),   synthetic(4, "0.01", 1, -1, M, C),  // never
        synthetic(5, "0.1", 0, 200, G, C),   synthetic(6, "0.1", 1, -1, M, C),   // one of two
        synthetic(7, "1e-05", 0, -1, M, R),                                      // still training: not drawn as never
    };
    const QVector<GrokPoint> p = grokPoints(runs, "lr");
    QCOMPARE(p.size(), 4);
    QCOMPARE(p[0].value, QString("1e-05"));  // numeric order
    QVERIFY(!p[0].never() && p[0].pending == 1);
    QCOMPARE(p[1].median, 600.0);
    QCOMPARE(p[1].min, 400.0);
    QCOMPARE(p[1].max, 900.0);
    QCOMPARE(p[1].grokked, 3);
    QVERIFY(p[2].never() && p[2].runs == 2);
    QCOMPARE(p[3].grokked, 1);
    QCOMPARE(p[3].median, 200.0);
    QVERIFY(!p[3].never());
    QVERIFY(logSpaced({1e-5, 1e-3, 1e-2, 1e-1}) == false);  // ratios 100, 10, 10
    QVERIFY(logSpaced({1e-3, 1e-2, 1e-1}));
    QVERIFY(!logSpaced({0.3, 0.4, 0.5, 0.6}));
    GrokPlot plot;
    plot.resize(600, 400);
    plot.setRuns("lr", runs, ColourScale::of("lr", runs));
    QCOMPARE(plot.points().size(), 4);
    QVERIFY(plot.graphCount() >= 3);  // medians, the never-grokked triangles, their legend entry
  }

  void phaseCellsShowTheMajority() {
    const auto C = RunState::Complete;
    const QVector<CompareRun> runs = {
        synthetic(0, "0.1", 0, 400, LiuPhase::Grokking, C),
        synthetic(1, "0.1", 1, 500, LiuPhase::Grokking, C),
        synthetic(2, "0.1", 2, -1, LiuPhase::Memorisation, C),
        synthetic(3, "1", 0, 50, LiuPhase::Comprehension, C),
    };
    const QVector<PhaseCell> cells = phaseCells(runs, "lr", "");
    QCOMPARE(cells.size(), 2);
    QCOMPARE(cells[0].majority, LiuPhase::Grokking);
    QVERIFY(cells[0].mixed);
    QCOMPARE(cells[0].withData(), 3);
    QCOMPARE(cells[1].majority, LiuPhase::Comprehension);
    QVERIFY(!cells[1].mixed);
    PhaseGrid grid;
    grid.resize(500, 400);
    grid.setRuns("lr", "", runs);
    QVERIFY2(grid.cellToolTip(0).contains("seeds disagree"), qPrintable(grid.cellToolTip(0)));
  }

  void theMapColoursByAnyFigure() {
    // A per-run figure: each cell holds its runs' median; Doshi et al.'s phases by majority.
    QVector<CompareRun> runs = {synthetic(0, "0.1", 0, 400, LiuPhase::Grokking, RunState::Complete),
                                synthetic(1, "0.1", 1, 500, LiuPhase::Grokking, RunState::Complete),
                                synthetic(2, "0.1", 2, 900, LiuPhase::Grokking, RunState::Complete),
                                synthetic(3, "1", 0, 50, LiuPhase::Comprehension, RunState::Complete)};
    const double gs[] = {0.2, 0.9, 0.3, 1.0};
    for (int i = 0; i < 4; i++) runs[i].summary.final_measures["gradient_symmetricity"] = gs[i];
    runs[0].summary.noise_phase = runs[1].summary.noise_phase = NoisePhase::FullInversion;
    runs[2].summary.noise_phase = NoisePhase::Coexistence;
    const QVector<PhaseCell> cells = phaseCells(runs, "lr", "", "gradient_symmetricity");
    QCOMPARE(cells[0].value, 0.3);
    QCOMPARE(cells[1].value, 1.0);
    QCOMPARE(phaseCells(runs, "lr", "", "grok_epoch")[0].value, 500.0);
    QCOMPARE(cells[0].noiseMajority, NoisePhase::FullInversion);
    PhaseGrid grid;
    grid.resize(500, 400);
    grid.setRuns("lr", "", runs);
    grid.setColouring("gradient_symmetricity");
    QCOMPARE(grid.cells()[0].value, 0.3);
    QCOMPARE(grid.valueRange(), QCPRange(-1, 1));  // a cosine: the whole of [-1, 1]
    QVERIFY2(grid.title().contains("gradient_symmetricity"), qPrintable(grid.title()));
    QVERIFY(!grid.legend->visible());
    grid.setColouring("grok_epoch");
    QCOMPARE(grid.valueRange(), QCPRange(50, 500));  // epochs: the cells' range
    grid.setColouring(kNoiseColouring);
    QVERIFY(grid.legend->visible());
    grid.setColouring(kLiuColouring);
    QCOMPARE(grid.title(), QString("Phase diagram (Liu et al.)"));
  }

  void phaseGridAgreesWithTheSummaries() {
    CompareView v;
    v.resize(1600, 1000);
    v.show();
    QVERIFY(openAndRead(v, {QString::fromStdString(sweepDir_)}));
    const QVector<PhaseCell>& cells = v.phaseGrid()->cells();
    QCOMPARE(cells.size(), 4);
    for (const PhaseCell& c : cells) {
      QCOMPARE(c.rows.size(), 2);
      QMap<LiuPhase, int> counts;
      for (int row : c.rows) {
        QCOMPARE(v.source()->runs()[row].value("lr"), c.xValue);
        QCOMPARE(v.source()->runs()[row].value("weight_decay"), c.yValue);
        counts[summaries_[row].phase]++;
      }
      QCOMPARE(c.counts, counts);
      QCOMPARE(c.mixed, counts.size() > 1);
      QVERIFY(counts.value(c.majority) * 2 >= c.withData());
      QVERIFY(!c.training);
      const QString tip = v.phaseGrid()->cellToolTip(static_cast<int>(&c - cells.data()));
      QVERIFY2(tip.contains("seed=0") && tip.contains("seed=1"), qPrintable(tip));
      if (c.mixed) QVERIFY2(tip.contains("seeds disagree"), qPrintable(tip));
    }
  }

  void exportsWriteFiles() {
    CompareView v;
    v.resize(1600, 1000);
    v.show();
    QVERIFY(openAndRead(v, {QString::fromStdString(sweepDir_)}));
    for (const char* ext : {"png", "svg", "pdf"}) {
      const QString path = dir_.qfile(QString("compare.") + ext);
      QCOMPARE(v.exportView(path), QString());
      QVERIFY(QFileInfo(path).size() > 1000);
    }
    const QMap<QString, QWidget*> figures = v.figures();
    QVERIFY(figures.contains("compare-epochs-to-grok") && figures.contains("compare-phase-diagram") &&
            figures.contains("compare-test-loss"));
    QCOMPARE(exportWidgets(figures, dir_.qfile("")), QString());
    QVERIFY(QFileInfo(dir_.qfile("compare-phase-diagram.svg")).size() > 1000);
  }

  void doubleClickOpensTheRunInTheDashboard() {
    MainWindow w;
    w.resize(1600, 1000);
    w.show();
    QSignalSpy read(w.compare()->source(), &CompareSource::updated);
    QVERIFY(w.openCompare({QString::fromStdString(sweepDir_)}, true));
    QVERIFY(read.wait(30000));
    QVERIFY(w.compareDock()->isVisible());
    emit w.compare()->table()->runActivated(5);
    QCOMPARE(w.runPath(), QString::fromStdString(Sweep::open(sweepDir_).run_path(5)));
  }

  void looseRunFilesCompareTheirDifferingFields() {
    const Sweep s = Sweep::open(sweepDir_);
    CompareView v;
    v.resize(1400, 900);
    v.show();
    // Runs 0 and 3: lr 0.001, weight decay 0.1 and 3, seeds 0 and 1.
    QVERIFY(openAndRead(v, {QString::fromStdString(s.run_path(0)), QString::fromStdString(s.run_path(3))}));
    QVERIFY(!v.source()->isSweep());
    QCOMPARE(v.source()->varied(), QStringList({"weight_decay", "seed"}));
    QCOMPARE(v.table()->rowCount(), 2);
    QCOMPARE(v.table()->item(1, v.table()->column("weight_decay"))->text(), QString("3.0"));
    QCOMPARE(v.overlays()->figure(CompareSeries::TestLoss)->curveCount(), 2);
    QCOMPARE(v.phaseGrid()->cells().size(), 2);  // one row over weight decay
  }

  // Fields varied together, none telling the settings apart alone (as a zip group makes them):
  // each setting gets its own colour, named by all its fields.
  void settingsApartWhenNoFieldAloneIs() {
    const Sweep s = Sweep::open(sweepDir_);
    CompareView v;
    v.resize(1400, 900);
    v.show();
    // Runs 0, 2, 4 (seed 0): lr 0.001 / weight decay 0.1, 0.001 / 3, 0.01 / 0.1.
    QVERIFY(openAndRead(v, {QString::fromStdString(s.run_path(0)), QString::fromStdString(s.run_path(2)),
                            QString::fromStdString(s.run_path(4))}));
    QCOMPARE(v.colourField(), kRunField);
    auto* loss = v.overlays()->figure(CompareSeries::TestLoss);
    QSet<QRgb> colours;
    for (int row = 0; row < 3; row++) colours.insert(loss->curve(row)->pen().color().rgb());
    QCOMPARE(colours.size(), 3);
  }
};

GROK_TEST_MAIN(TestUiCompare, QApplication)
#include "test_ui_compare.moc"
