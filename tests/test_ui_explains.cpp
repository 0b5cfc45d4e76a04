// The lab explains itself (issue 27): every view has a help page for every task and model family,
// naming its paper and figure or section; the "?" on every dock, What's This inside it and F1 open
// that page; the prediction grid shows every pair right or wrong as the all-pairs forward does
// (also for a task without a group); the phases become marks on the scrubber and are announced
// once, when their rule can decide them.
#include <QApplication>
#include <QDockWidget>
#include <QHelpEvent>
#include <QTextBrowser>
#include <QToolButton>
#include <QWhatsThis>
#include <QtTest>

#include "core/base/config.h"
#include "core/base/task.h"
#include "core/data/dataset.h"
#include "core/store/run_store.h"
#include "test_util.h"
#include "ui/checkpoint/epoch_scrubber.h"
#include "ui/checkpoint/phase_marks.h"
#include "ui/checkpoint/prediction_grid.h"
#include "ui/help/dock_help.h"
#include "ui/help/help_browser.h"
#include "ui/help/help_pages.h"
#include "ui/plots/figure.h"
#include "ui/plots/spectrum_view.h"
#include "ui/window/main_window.h"
#include "ui/window/phase_announcer.h"
#include "ui/window/run_viewer.h"
#include "ui_test_util.h"

using namespace grok;

class TestUiExplains : public QObject {
  Q_OBJECT
  QTemporaryDir settings_;

  // Every kind of run the app trains: the three task kinds on the three model families, a deeper
  // transformer, label noise and MSE.
  static std::vector<Config> everyKindOfRun() {
    std::vector<Config> runs;
    for (const char* task : {"add", "multiply", "S5", "D12", "x2+y2", "S5-conj"})
      for (const char* model : {"transformer", "mlp", "quadratic-mlp"}) {
        Config c;
        c.task = task;
        c.p = 59;
        c.model = model;
        runs.push_back(c);
      }
    Config deep, noisy, mse;
    deep.n_layers = 2;
    noisy.model = mse.model = "quadratic-mlp";
    noisy.label_noise = 0.1;
    mse.loss = LossKind::Mse;
    runs.insert(runs.end(), {deep, noisy, mse});
    return runs;
  }

 private slots:
  void initTestCase() { initUiTest(settings_.path()); }

  void everyViewHasAPageForEveryTaskAndFamily() {
    QSet<QString> kinds;
    for (const Config& c : everyKindOfRun()) {
      const QStringList tags = helpContextTags(c);
      for (const QString& t : tags) QVERIFY2(helpTags().contains(t), qPrintable(t));
      kinds.insert(tags.join(' '));
      for (const QString& key : helpPageKeys()) {
        const QString md = helpMarkdown(key, tags);
        const QString where = key + " for " + tags.join(' ');
        QVERIFY2(md.startsWith("# "), qPrintable(where));
        QVERIFY2(md.size() > 600, qPrintable(where));
        QVERIFY2(md.contains("arXiv"), qPrintable(where + ": no arXiv id"));
        QVERIFY2(md.contains("Figure") || md.contains("Section"), qPrintable(where + ": no figure or section"));
        QVERIFY2(!md.contains("<!--"), qPrintable(where + ": a block marker left in"));
      }
    }
    QVERIFY(kinds.size() >= 12);
    // The texts follow the basis: frequencies on a + b, irreps on S5, no basis without a group.
    Config s5;
    s5.task = "S5";
    Config poly;
    poly.task = "x2+y2";
    poly.p = 59;
    QVERIFY(helpMarkdown("we", helpContextTags(Config{})).contains("frequenc"));
    QVERIFY(helpMarkdown("we", helpContextTags(s5)).contains("irrep"));
    QVERIFY(helpMarkdown("we", helpContextTags(poly)).contains("no group"));
    Config mlp;
    mlp.model = "mlp";
    QVERIFY(helpMarkdown("attention", helpContextTags(mlp)).contains("hidden"));
  }

  void everyDockOpensItsPage() {
    MainWindow w;
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    const QList<QDockWidget*> docks = w.findChildren<QDockWidget*>();
    QVERIFY(docks.size() >= 13);
    for (QDockWidget* d : docks) {
      const QString key = d->objectName().mid(5);
      QCOMPARE(dockHelpKey(d->widget()), key);
      QVERIFY2(helpPageKeys().contains(key), qPrintable(key));
      // The "?" in the title bar.
      auto* button = d->findChild<QToolButton*>("help-" + key);
      QVERIFY2(button, qPrintable(key));
      button->click();
      QCOMPARE(w.help()->page(), key);
      QVERIFY(w.help()->isVisible());
      QVERIFY(w.help()->text()->toPlainText().size() > 300);
      w.help()->hide();
      // What's This: a click inside the dock in What's This mode sends this event to the widget
      // under the mouse; it climbs to the dock.
      QWidget* inner = d->widget()->findChildren<QWidget*>().value(0, d->widget());
      QWhatsThis::enterWhatsThisMode();
      QHelpEvent e(QEvent::WhatsThis, QPoint(4, 4), inner->mapToGlobal(QPoint(4, 4)));
      QApplication::sendEvent(inner, &e);
      QCOMPARE(w.help()->page(), key);
      QVERIFY(w.help()->isVisible());
      QVERIFY(!QWhatsThis::inWhatsThisMode());  // the next click is a click again
      w.help()->hide();
    }
    // F1 on a focused plot: that view's page.
    Figure* we = w.viewer()->weView();
    we->setFocus();
    QTRY_VERIFY(we->hasFocus());
    w.showHelpForFocus();
    QCOMPARE(w.help()->page(), QString("we"));
    // The text follows the open run.
    test::ScratchDir dir;
    Config s5 = test::tiny_config(11, 20, 10, 5);
    s5.task = "S5";
    test::train_run(s5, dir.file("s5.grok"));
    QVERIFY(w.openRun(dir.qfile("s5.grok"), true));
    QVERIFY(w.help()->tags().contains("group"));
    w.help()->showPage("we");
    QVERIFY(w.help()->markdown().contains("irrep"));
  }

  void predictionGridShowsEveryPairAsTheForwardDoes() {
    test::ScratchDir dir;
    for (const char* task : {"add", "x2+y2"}) {  // with a group, and without one (no other view then)
      Config c = test::tiny_config(11, 300, 50, 5);
      c.task = task;
      c.weight_decay = 1.0;
      const std::string path = dir.file(std::string(task) + ".grok");
      test::train_run(c, path);
      MainWindow w;
      w.show();
      QVERIFY(w.openRun(QString::fromStdString(path), true));
      PredictionGrid* grid = w.findChild<PredictionGrid*>();
      QVERIFY(grid);
      QTRY_COMPARE_WITH_TIMEOUT(grid->epoch(), 300, 20000);
      const PairPredictions& pr = *grid->predictions();
      const Task t(c);
      const Dataset data = make_dataset(c);
      QCOMPARE(pr.train, data.train.size());
      QCOMPARE(pr.test, data.test.size());
      QCOMPARE(grid->mapSize(0), QSize(11, 11));
      // Against the all-pairs forward read here: the answer is its argmax, the margin its gap.
      const AllPairForward f = compute_pair_forward(CheckpointWeights(c, RunStore::open(path).load_checkpoint(300)));
      int right = 0;
      for (int a = 0; a < 11; a++)
        for (int b = 0; b < 11; b++) {
          const float* z = f.logits.data() + (a * 11 + b) * 11;
          const int c_true = t.label(a, b);
          float other = -INFINITY;
          for (int k = 0; k < 11; k++)
            if (k != c_true) other = std::max(other, z[k]);
          QCOMPARE(grid->valueAt(0, b, a), double(z[c_true] - other));  // x = b, y = a in token order
          right += z[c_true] > other;
        }
      QCOMPARE(pr.train_right + pr.test_right, right);
      QVERIFY(grid->hasData());
    }
  }

  void phasesAreMarkedAndAnnouncedOnce() {
    PhaseAnnouncer a;
    QSignalSpy told(&a, &PhaseAnnouncer::announced);
    Phases ph;
    ph.memorisation_end = 100;
    a.update(ph, 150, true);  // the peak has held 50 epochs of the 100 it took: not yet decided
    QCOMPARE(told.count(), 0);
    QVERIFY(a.marks().empty());
    a.update(ph, 200, true);
    QCOMPARE(told.count(), 1);
    QCOMPARE(told[0][0].toString(), QString("memorised"));
    QCOMPARE(told[0][2].toInt(), 100);
    QCOMPARE(told[0][3].toInt(), 200);
    QVERIFY(told[0][1].toString().contains("100 epochs later"));
    ph.circuit_formation_end = 900;
    ph.generalised = 950;
    a.update(ph, 950, true);
    QCOMPARE(told.count(), 3);
    QCOMPARE(a.marks().size(), std::size_t(3));
    for (const PhaseMark& m : a.marks()) QVERIFY2(m.tooltip.contains("Shown in"), qPrintable(m.tooltip));
    a.update(ph, 1000, true);  // told once
    QCOMPARE(told.count(), 3);
    ph.memorisation_end = 120;  // a mark may move; it is not told again
    a.update(ph, 1000, true);
    QCOMPARE(a.marks().front().epoch, 120);
    QCOMPARE(told.count(), 3);
    a.update({}, -1, false);  // the curves cleared: an opened run's phases are marked, not told
    a.update(ph, 1000, false);
    QCOMPARE(told.count(), 3);
    QCOMPARE(a.marks().size(), std::size_t(3));

    // In the window: the announcer's marks are the scrubber's.
    MainWindow w;
    w.phaseAnnouncer()->update(ph, 1000, false);
    QCOMPARE(w.viewer()->scrubber()->phaseMarks()->marks().size(), std::size_t(3));
  }
};

QTEST_MAIN(TestUiExplains)
#include "test_ui_explains.moc"
