// The key-set chooser on a small p, headless: the typed entry offers the run's own detected key set
// (valid for any p), and the newest checkpoint's entry picks the same set. The run is a real tiny
// run whose newest checkpoint has a W_L = W_U^T W_out planted at two known frequencies.
#include <QApplication>
#include <QInputDialog>
#include <QMessageBox>
#include <QtTest>

#include <cmath>

#include "core/store/run_store.h"
#include "planted_model.h"
#include "test_util.h"
#include "ui/checkpoint/key_set_chooser.h"
#include "ui/plots/series_view.h"
#include "ui/window/main_window.h"
#include "ui/window/run_viewer.h"
#include "ui_test_util.h"

using namespace grok;

namespace {

constexpr int kFirst = 3, kSecond = 7;

// The newest checkpoint replaced by the planted Fourier circuit at kFirst and kSecond
// (planted_model.h): a model that uses exactly those frequencies, which the key rule, checked
// against the model's own restricted loss, finds.
void plantKeys(std::vector<NamedArray>& w, const Config& c) {
  w = test::planted_checkpoint(c, {kFirst, kSecond}, 4.0f);
}

// A copy of the run at `from` with the newest checkpoint's W_L planted.
void writePlantedRun(const std::string& from, const std::string& to) {
  const RunStore src = RunStore::open(from);
  RunStore dst = RunStore::create(to, src.config(), true);
  const std::vector<int> epochs = src.checkpoint_epochs();
  int prev = -1;
  for (int e : epochs) {
    std::vector<NamedArray> w = src.load_checkpoint(e);
    if (e == epochs.back()) plantKeys(w, src.config());
    std::vector<MeasureRecord> measures;
    for (const MeasureRecord& m : src.load_measures(KeySelection::Live))
      if (m.epoch == e) measures.push_back(m);
    dst.commit_checkpoint(e, w, src.metrics(prev + 1, e), ResumeState{e, 0, {}}, measures);
    prev = e;
  }
}

}  // namespace

class TestUiKeySet : public QObject {
  Q_OBJECT
  QTemporaryDir settings_;
  test::ScratchDir dir_;

 private slots:
  void initTestCase() {
    initUiTest(settings_.path());
    Config c = test::planted_config();  // p 31, the planted circuit's shape
    c.epochs = 40, c.checkpoint_interval = 10, c.test_interval = 4;
    test::train_run(c, dir_.file("trained.grok"));
    writePlantedRun(dir_.file("trained.grok"), dir_.file("run.grok"));
    QCOMPARE(newestDetectedKeys(dir_.qfile("run.grok")), (std::vector<int>{kFirst, kSecond}));
  }

  void typedSetStartsFromTheRunsOwn() {
    MainWindow w;
    w.show();
    QVERIFY(w.openRun(dir_.qfile("run.grok"), true));
    KeySetChooser* keys = w.viewer()->keys();
    QString offered, problem;
    QTimer poll;  // answers the dialogs that come up: the input (accepted as offered) and any error
    connect(&poll, &QTimer::timeout, [&] {
      QWidget* modal = QApplication::activeModalWidget();
      if (!modal || !modal->isVisible() || modal->property("answered").toBool()) return;
      modal->setProperty("answered", true);
      QTimer::singleShot(0, modal, [&, modal] {
        if (auto* input = qobject_cast<QInputDialog*>(modal)) offered = input->textValue(), input->accept();
        if (auto* box = qobject_cast<QMessageBox*>(modal)) problem = box->text(), box->accept();
      });
    });
    poll.start(10);
    emit keys->activated(KeySetChooser::Typed);  // as if picked in the toolbar
    poll.stop();
    QCOMPARE(offered, QString("%1,%2").arg(kFirst).arg(kSecond));
    QVERIFY2(problem.isEmpty() && w.lastError().isEmpty(), qPrintable(problem));
    QCOMPARE(keys->keys(), std::optional<std::vector<int>>({kFirst, kSecond}));
    // The restricted loss with that set is computed for every checkpoint (0..40) and drawn.
    QTRY_COMPARE_WITH_TIMEOUT(w.viewer()->measuresView()->pointCount(2), 5, 30000);
    QCOMPARE(RunStore::open(dir_.file("run.grok")).load_measures(KeySelection::Given).size(), std::size_t(5));
  }

  void newestCheckpointsEntryPicksTheSameSet() {
    MainWindow w;
    w.show();
    QVERIFY(w.openRun(dir_.qfile("run.grok"), true));
    emit w.viewer()->keys()->activated(KeySetChooser::Newest);
    QVERIFY2(w.lastError().isEmpty(), qPrintable(w.lastError()));
    QCOMPARE(w.viewer()->keys()->keys(), std::optional<std::vector<int>>({kFirst, kSecond}));
  }
};

GROK_TEST_MAIN(TestUiKeySet, QApplication)
#include "test_ui_key_set.moc"
