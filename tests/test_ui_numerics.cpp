// The Numerics view and the loss spikes, headless: a tiny softmax32 run without weight decay is
// opened and its three figures hold exactly the numerics its file stores (one series per weight
// matrix, W_U's the slingshot's); a run file older than the numerics says so; training from the
// window adds points as it goes, the same values the file then stores; a spike written into a run
// file's train loss is marked on the loss plot, the numerics and the scrubber (tooltip, red tick,
// a click on it scrubs there), and found again as metrics arrive; the figures export as PNG and SVG.
#include <QApplication>
#include <QFile>
#include <QtTest>

#include <cmath>

#include "core/analysis/loss_spikes.h"
#include "core/store/run_store.h"
#include "test_util.h"
#include "ui/checkpoint/epoch_scrubber.h"
#include "ui/checkpoint/spike_ticks.h"
#include "ui/plots/epoch_marks.h"
#include "ui/plots/series_view.h"
#include "ui/run/run_panel.h"
#include "ui/window/curves_panel.h"
#include "ui/window/main_window.h"
#include "ui/window/numerics_panel.h"
#include "ui/window/run_viewer.h"
#include "ui_test_util.h"

using namespace grok;

namespace {

constexpr int kP = 13, kEpochs = 300, kSpikeEpoch = 165;

QString execSql(const std::string& path, const char* sql) { return QString::fromStdString(test::exec_sql(path, sql)); }

// The (epoch, value) pairs of a stored numerics name, NaNs as they are.
QVector<QPointF> stored(const std::string& path, const std::string& name) {
  QVector<QPointF> out;
  for (const NumericsRecord& r : RunStore::open(path).numerics())
    if (const auto it = r.values.find(name); it != r.values.end()) out << QPointF(r.epoch, it->second);
  return out;
}

// Equal, NaN equal to NaN (a zero bias has no cos(w, g)).
bool same(const QVector<QPointF>& a, const QVector<QPointF>& b) {
  if (a.size() != b.size()) return false;
  for (int i = 0; i < a.size(); i++)
    if (a[i].x() != b[i].x() || !(a[i].y() == b[i].y() || (std::isnan(a[i].y()) && std::isnan(b[i].y())))) return false;
  return true;
}

// More than a background and a few lines: something was drawn.
bool looksDrawn(const QImage& img) {
  if (img.isNull()) return false;
  QSet<QRgb> colors;
  for (int y = 0; y < img.height(); y += 3)
    for (int x = 0; x < img.width(); x += 3) colors.insert(img.pixel(x, y));
  return colors.size() > 20;
}

std::vector<int> marked(const SeriesView* v) {
  const QList<EpochMarks*> marks = v->findChildren<EpochMarks*>();
  return marks.size() == 1 ? marks.front()->epochs() : std::vector<int>{-1};
}

}  // namespace

class TestUiNumerics : public QObject {
  Q_OBJECT
  QTemporaryDir settings_;
  test::ScratchDir dir_;
  std::string run_;

  static NumericsPanel* numerics(MainWindow& w) { return w.viewer()->curves()->numerics(); }

 private Q_SLOTS:
  void initTestCase() {
    initUiTest(settings_.path());
    Config c = test::tiny_config(kP, kEpochs, 20, 5);
    c.loss = LossKind::Softmax32;
    c.weight_decay = 0;
    run_ = dir_.file("s32.grok");
    test::train_run(c, run_);
  }

  void figuresHoldTheStoredNumerics() {
    MainWindow w;
    w.show();
    QVERIFY(w.openRun(QString::fromStdString(run_), true));
    NumericsPanel* n = numerics(w);
    QVERIFY(!n->missing());
    const std::vector<NumericsRecord> records = RunStore::open(run_).numerics();
    QCOMPARE(records.size(), size_t(kEpochs / 5));  // every test epoch but the last (it has no update)
    // (a) the shares, on 0..1.
    for (const char* name : {"softmax_collapse", "zero_loss"}) {
      const int i = n->seriesOf(n->collapseView(), name);
      QVERIFY2(i >= 0 && same(test::seriesPoints(n->collapseView(), i), stored(run_, name)), name);
    }
    QCOMPARE(n->collapseView()->yAxis->range().lower, -0.03);
    QCOMPARE(n->collapseView()->yAxis->range().upper, 1.03);
    // (b), (c): the total first, then the nine weight matrices in the model's order; no bias.
    const QStringList matrices = {"W_E", "W_pos", "W_Q", "W_K", "W_V", "W_O", "W_in", "W_out"};
    for (SeriesView* v : {n->cosView(), n->normView()}) {
      QCOMPARE(v->seriesCount(), 10);
      QCOMPARE(v->seriesName(0), QString(v == n->cosView() ? "all parameters" : "global"));
      for (int i = 0; i < 8; i++) QCOMPARE(v->seriesName(i + 1), matrices[i]);
    }
    QCOMPARE(n->cosView()->seriesName(9), QString("W_U"));
    QCOMPARE(n->normView()->seriesName(9), QString("W_U (right)"));  // on an axis of its own
    QVERIFY(n->normView()->yAxis2->visible());
    QVERIFY(n->normView()->yAxis2->range().contains(test::seriesPoints(n->normView(), 9).last().y()));
    for (const char* prefix : {"cos_wg", "norm"}) {
      SeriesView* v = QString(prefix) == "norm" ? n->normView() : n->cosView();
      QVERIFY(same(test::seriesPoints(v, 0), stored(run_, prefix)));
      for (const auto& [key, value] : records.front().values) {
        if (key.rfind(std::string(prefix) + ":", 0) != 0) continue;
        const int i = n->seriesOf(v, key);
        if (key.find(".b_") != std::string::npos) {
          QVERIFY2(i < 0, key.c_str());  // biases stay out
          continue;
        }
        QVERIFY2(i > 0 && same(test::seriesPoints(v, i), stored(run_, key)), key.c_str());
      }
    }
    QCOMPARE(n->seriesOf(n->normView(), "norm:unembed.W_U"), 9);
    QVERIFY(n->normView()->logY());
    // The epoch axis is linked with the other curves.
    SeriesView* loss = w.viewer()->curves()->lossView();
    loss->setFollow(false);  // as a zoom does
    loss->xAxis->setRange(QCPRange(40, 120));
    loss->userRangeChanged(loss->xAxis->range());
    for (SeriesView* v : n->views()) QCOMPARE(v->xAxis->range(), QCPRange(40, 120));
    const QMap<QString, QWidget*> figures = w.viewer()->figures();
    for (const char* name : {"numerics-softmax-collapse", "numerics-cos-wg", "numerics-weight-norms"})
      QVERIFY2(figures.value(name) && figures.value(name)->objectName() == name, name);
  }

  void anOlderRunFileSaysSo() {
    const std::string old = dir_.file("old.grok");
    QVERIFY(QFile::copy(QString::fromStdString(run_), QString::fromStdString(old)));
    QCOMPARE(execSql(old, "DROP TABLE numerics; PRAGMA user_version = 2;"), QString());
    MainWindow w;
    w.show();
    QVERIFY2(w.openRun(QString::fromStdString(old), true), qPrintable(w.lastError()));
    NumericsPanel* n = numerics(w);
    QVERIFY(n->missing());
    for (SeriesView* v : n->views())
      for (int i = 0; i < v->seriesCount(); i++) QCOMPARE(v->pointCount(i), 0);
    QCOMPARE(w.viewer()->curves()->lossView()->pointCount(0), kEpochs + 1);  // the rest as usual
    QVERIFY(looksDrawn(n->normView()->toPixmap().toImage()));                // the note, not a blank
    QVERIFY(w.openRun(QString::fromStdString(run_), true));
    QVERIFY(!n->missing());
    QVERIFY(n->normView()->pointCount(0) > 0);
  }

  void trainingAddsPointsLive() {
    MainWindow w;
    w.show();
    RunPanel* panel = w.runPanel();
    test::setTinyFields(panel);
    panel->setField("loss", "softmax32");
    panel->setField("weight_decay", "0");
    panel->setField("path", dir_.qfile("live.grok"));
    QSignalSpy done(&w, &MainWindow::trainingFinished);
    w.startTraining();
    QVERIFY(w.training());
    NumericsPanel* n = numerics(w);
    const int collapse = 0;
    QTRY_VERIFY_WITH_TIMEOUT(n->collapseView()->pointCount(collapse) >= 5, 30000);
    const int before = n->collapseView()->pointCount(collapse);
    QTRY_VERIFY_WITH_TIMEOUT(n->collapseView()->pointCount(collapse) > before + 5, 30000);
    QTRY_VERIFY_WITH_TIMEOUT(n->normView()->pointCount(9) > before, 30000);
    QVERIFY(!n->missing());
    const QVector<QPointF> live = test::seriesPoints(n->normView(), 9);
    w.stopTraining();
    QTRY_COMPARE_WITH_TIMEOUT(done.size(), 1, 30000);
    // What training reported is what its file holds: each test epoch's, in order.
    const QVector<QPointF> file = stored(dir_.file("live.grok"), "norm:unembed.W_U");
    QVERIFY(file.size() >= live.size());
    QVERIFY(same(live, file.mid(0, live.size())));
    for (int i = 0; i < live.size(); i++) QCOMPARE(live[i].x(), 5.0 * i);
    QVERIFY(same(test::seriesPoints(n->normView(), 9), file));  // reopened as stored after the stop
  }

  void aSpikeIsMarkedOnTheScrubber() {
    const std::string spiked = dir_.file("spiked.grok");
    QVERIFY(QFile::copy(QString::fromStdString(run_), QString::fromStdString(spiked)));
    const QByteArray sql = QString("UPDATE metrics SET train_loss = 50 WHERE epoch = %1;").arg(kSpikeEpoch).toUtf8();
    QCOMPARE(execSql(spiked, sql.constData()), QString());
    MainWindow w;
    w.resize(1600, 1000);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QVERIFY(w.openRun(QString::fromStdString(spiked), true));
    const std::vector<LossSpike> want = find_loss_spikes(RunStore::open(spiked).metrics());
    const auto it =
        std::find_if(want.begin(), want.end(), [](const LossSpike& s) { return s.peak_epoch == kSpikeEpoch; });
    QVERIFY(it != want.end());
    QCOMPARE(it->peak_loss, 50.0);
    QVERIFY(w.viewer()->curves()->lossSpikes() == want);
    SpikeTicks* ticks = w.viewer()->scrubber()->spikeTicks();
    QVERIFY(ticks->spikes() == want);
    std::vector<int> peaks;
    for (const LossSpike& s : want) peaks.push_back(s.peak_epoch);
    QVERIFY(marked(w.viewer()->curves()->lossView()) == peaks);
    for (SeriesView* v : numerics(w)->views()) QVERIFY(marked(v) == peaks);
    // The tick: red, under the slider where epoch 165 is, with the epoch and loss on hover.
    QCoreApplication::processEvents();
    const double x = ticks->xOf(kSpikeEpoch);
    QVERIFY(!std::isnan(x) && x > 0 && x < ticks->width());
    const int i = ticks->spikeAt(qRound(x));
    QVERIFY(i >= 0 && ticks->spikes()[i].peak_epoch == kSpikeEpoch);
    QVERIFY2(ticks->describe(i).contains("epoch 165: train loss 50"), qPrintable(ticks->describe(i)));
    const QImage img = ticks->grab().toImage();
    const QColor c = img.pixelColor(qRound(x * img.width() / ticks->width()), img.height() / 2);
    QVERIFY2(c.red() > 180 && c.green() < 90 && c.blue() < 90, qPrintable(c.name()));
    // A click on it scrubs to the nearest checkpoint.
    QTest::mouseClick(ticks, Qt::LeftButton, {}, QPoint(qRound(x), ticks->height() / 2));
    QCOMPARE(w.viewer()->scrubber()->epoch(), 160);
    // As metrics arrive: a second spike past the run's end is found at the next replot.
    EpochMetrics m;
    m.epoch = kEpochs + 1;
    m.train_loss = 1e3;
    w.viewer()->addMetrics({m});
    QTRY_COMPARE_WITH_TIMEOUT(ticks->spikes().size(), want.size() + 1, 5000);
    QCOMPARE(ticks->spikes().back().peak_epoch, kEpochs + 1);
    QVERIFY(std::isnan(ticks->xOf(kEpochs + 1)));  // past the newest checkpoint: not drawn yet
  }

  void figuresExportAsPngAndSvg() {
    MainWindow w;
    w.resize(1600, 1000);
    w.show();
    QVERIFY(w.openRun(QString::fromStdString(run_), true));
    QTRY_COMPARE_WITH_TIMEOUT(w.viewer()->shownSnapshotEpoch(), kEpochs, 20000);
    QCOMPARE(w.exportAllFigures(dir_.qfile("")), QString());
    for (const QString name : {"numerics-softmax-collapse", "numerics-cos-wg", "numerics-weight-norms"}) {
      QVERIFY2(looksDrawn(QImage(dir_.qfile(name + ".png"))), qPrintable(name));
      QVERIFY2(test::svgShapeCount(dir_.qfile(name + ".svg")) > 10, qPrintable(name));
    }
  }
};

GROK_TEST_MAIN(TestUiNumerics, QApplication)
#include "test_ui_numerics.moc"
