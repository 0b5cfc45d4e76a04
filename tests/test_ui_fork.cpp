// "Fork from here..." headless: a tiny parent trained here, opened and scrubbed; the fork dialog
// driven as a user would (a smaller training set, weight decay off), accepted, and the child written
// on the training thread, opened and trained to its epochs, waiting on the window's own signals.
// The child's first checkpoint is the parent's byte for byte, its meta names the parent, the epoch
// and the optimizer state, its curves begin at the fork's epoch with the parent drawn under them.
// The dialog shows fork_config's one line and refuses a kept field and a target not after the fork;
// the action is off while training; the Compare view draws the child beside its parent.
#include <QApplication>
#include <QCheckBox>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QTimer>
#include <QtTest>

#include <cmath>
#include <map>

#include "core/analysis/phases.h"
#include "core/base/key_selection.h"
#include "core/store/run_store.h"
#include "core/training/trainer.h"
#include "test_util.h"
#include "ui/checkpoint/epoch_scrubber.h"
#include "ui/compare/compare_view.h"
#include "ui/compare/overlay_plots.h"
#include "ui/compare/run_table.h"
#include "ui/plots/series_view.h"
#include "ui/run/fork_dialog.h"
#include "ui/window/curves_panel.h"
#include "ui/window/main_window.h"
#include "ui/window/reference_run.h"
#include "ui/window/run_viewer.h"
#include "ui_compare_test_util.h"
#include "ui_test_util.h"

using namespace grok;

namespace {

constexpr int kP = 13, kEpochs = 200, kEvery = 20;

// Every tensor of two checkpoints the same: names, types, shapes and bytes.
bool sameTensors(const std::vector<NamedArray>& a, const std::vector<NamedArray>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); i++)
    if (a[i].name != b[i].name || a[i].dtype != b[i].dtype || a[i].shape != b[i].shape || a[i].bytes != b[i].bytes)
      return false;
  return true;
}

QString text(QWidget* editor) {
  if (auto* e = qobject_cast<QLineEdit*>(editor)) return e->text();
  return qobject_cast<QComboBox*>(editor)->currentText();
}

}  // namespace

class TestUiFork : public QObject {
  Q_OBJECT
  QTemporaryDir settings_;
  test::ScratchDir dir_;
  std::string parent_;
  QString child_;                 // the first test's fork, for the later ones
  test::MessageBoxCloser boxes_;  // any message box the window showed, closed

  SeriesView* loss(MainWindow& w) { return w.viewer()->curves()->lossView(); }

  // The window's checks: open the parent, scrub to `epoch`, the dialog.
  ForkDialog* dialogAt(MainWindow& w, int epoch) {
    if (!w.openRun(QString::fromStdString(parent_), true)) return nullptr;
    w.viewer()->scrubber()->setEpoch(epoch);
    return w.forkFromHere();
  }

 private slots:
  void initTestCase() {
    initUiTest(settings_.path());
    parent_ = dir_.file("parent.grok");
    test::train_run(test::tiny_config(kP, kEpochs, kEvery, 5), parent_);
    boxes_.start();
  }

  void forkFromAnEarlierCheckpointTrainsTheChild() {
    MainWindow w;
    w.show();
    QVERIFY(!w.forkAction()->isEnabled());  // no run open
    QVERIFY(w.forkAction()->toolTip().contains("Open a run"));
    ForkDialog* d = dialogAt(w, 100);
    QVERIFY(d);
    QVERIFY(w.forkAction()->isEnabled());
    QVERIFY(w.forkAction()->toolTip().contains("at epoch 100"));
    QVERIFY(d->isVisible());
    QCOMPARE(d->epoch(), 100);
    QVERIFY(!d->carriesOptimizer());  // 200 is the newest: the moments there only
    QVERIFY(d->findChild<QLabel*>("fork-optimizer")->text().contains("fresh"));
    QCOMPARE(d->outputPath(), dir_.qfile("parent-fork-e100.grok"));
    // The parent's settings, those a fork keeps disabled with a tooltip saying why.
    QCOMPARE(text(d->fieldEditor("p")), QString::number(kP));
    for (const std::string& kept : fork_kept_fields()) {
      QWidget* e = d->fieldEditor(QString::fromStdString(kept));
      QVERIFY2(!e->isEnabled() && e->toolTip().contains("is kept: a fork continues the parent's weights"),
               kept.c_str());
    }
    QVERIFY(d->fieldEditor("lr")->isEnabled());
    QVERIFY(d->changes().isEmpty());
    // The quick toggles are field edits: half the training set (ungrokking), weight decay off.
    d->toggle("smaller-train-set")->click();
    d->toggle("no-weight-decay")->click();
    QCOMPARE(text(d->fieldEditor("train_fraction")), QString("0.25"));
    QCOMPARE(d->changes(), QStringList({"train_fraction=0.25", "weight_decay=0"}));
    QVERIFY(d->messageLabel()->text().contains("Changes: train_fraction=0.25, weight_decay=0"));
    d->setField("weight_decay", "1.0");  // typed back: the toggle follows
    QVERIFY(!d->toggle("no-weight-decay")->isChecked());
    d->setField("weight_decay", "0");
    QVERIFY(d->toggle("no-weight-decay")->isChecked());
    QVERIFY(d->okButton()->isEnabled());

    QSignalSpy finished(&w, &MainWindow::trainingFinished);
    d->okButton()->click();
    QVERIFY(w.training());  // the fork is being written on the training thread
    QVERIFY(!w.forkAction()->isEnabled());
    QVERIFY(w.forkAction()->toolTip().contains("Stop training to fork"));
    QVERIFY2(finished.wait(120000), qPrintable(boxes_.texts.join("; ")));
    QVERIFY2(boxes_.texts.isEmpty(), qPrintable(boxes_.texts.join("; ")));
    QCOMPARE(finished.first().first().toBool(), true);
    child_ = dir_.qfile("parent-fork-e100.grok");
    QCOMPARE(w.runPath(), child_);
    QVERIFY(w.forkAction()->isEnabled());

    // The file: the parent's checkpoint first, byte for byte, then its own training to 200.
    const RunStore parent = RunStore::open(parent_), child = RunStore::open(child_.toStdString());
    const std::vector<int> ck = child.checkpoint_epochs();
    QCOMPARE(ck.front(), 100);
    QCOMPARE(ck.back(), kEpochs);
    QCOMPARE(int(ck.size()), (kEpochs - 100) / kEvery + 1);
    QVERIFY(sameTensors(child.load_checkpoint(100), parent.load_checkpoint(100)));
    QVERIFY(!sameTensors(child.load_checkpoint(kEpochs), parent.load_checkpoint(kEpochs)));  // it trained otherwise
    QVERIFY(QDir::isAbsolutePath(QString::fromStdString(child.meta("parent"))));
    QCOMPARE(QFileInfo(QString::fromStdString(child.meta("parent"))), QFileInfo(QString::fromStdString(parent_)));
    QCOMPARE(child.meta("parent_epoch"), std::string("100"));
    QCOMPARE(child.meta("optimizer_state"), std::string("fresh"));
    QCOMPARE(child.config().train_fraction, 0.25);
    QCOMPARE(child.config().weight_decay, 0.0);
    QCOMPARE(child.config().p, kP);
    QCOMPARE(child.metrics().front().epoch, 100);
    QVERIFY(child.complete());

    // The window: the child's curves from 100 on, the parent's under them from 0, and where it came from.
    QVERIFY(w.viewer()->reference()->active());
    QCOMPARE(QFileInfo(w.viewer()->reference()->path()), QFileInfo(QString::fromStdString(parent_)));
    QCOMPARE(loss(w)->seriesCount(), 4);
    QVERIFY(loss(w)->isReference(2) && loss(w)->isReference(3));
    QCOMPARE(loss(w)->seriesX(0).first(), 100.0);
    QCOMPARE(loss(w)->seriesX(0).last(), double(kEpochs));
    QCOMPARE(loss(w)->seriesX(2).first(), 0.0);
    QCOMPARE(loss(w)->seriesName(3), QString("test (ref: parent.grok)"));
    const QString line = w.viewer()->referenceLabel()->text();
    QVERIFY2(line.startsWith("Forked from parent.grok at epoch 100 (optimizer: fresh)"), qPrintable(line));
    QVERIFY2(line.contains("train_fraction") && line.contains("weight_decay"), qPrintable(line));
    QVERIFY2(
        w.windowTitle().endsWith("parent-fork-e100.grok · forked from parent.grok at epoch 100 (optimizer: fresh)"),
        qPrintable(w.windowTitle()));
    // The x axis spans both: the child continues the parent's axis.
    QVERIFY(loss(w)->xAxis->range().lower <= 0.0 && loss(w)->xAxis->range().upper >= kEpochs);
    // Every view shows the child's first checkpoint.
    QCOMPARE(w.viewer()->scrubber()->checkpoints().front(), 100);
    w.viewer()->scrubber()->setEpoch(0);  // the nearest is its first
    QCOMPARE(w.viewer()->scrubber()->epoch(), 100);
    QTRY_COMPARE_WITH_TIMEOUT(w.viewer()->shownSnapshotEpoch(), 100, 30000);
    QTRY_COMPARE_WITH_TIMEOUT(w.viewer()->shownChecksEpoch(), 100, 30000);
  }

  void forkFromTheNewestCarriesTheOptimizer() {
    MainWindow w;
    w.show();
    ForkDialog* d = dialogAt(w, kEpochs);
    QVERIFY(d);
    QVERIFY(d->carriesOptimizer());
    QVERIFY(d->findChild<QLabel*>("fork-optimizer")->text().contains("the parent's"));
    // A complete parent: its target is no target for the fork, which goes as far again.
    QCOMPARE(text(d->fieldEditor("epochs")), QString::number(2 * kEpochs));
    QVERIFY(d->okButton()->isEnabled());
    d->setField("epochs", QString::number(kEpochs + 3 * kEvery));
    d->setField("path", dir_.qfile("on.grok"));
    QSignalSpy finished(&w, &MainWindow::trainingFinished);
    d->okButton()->click();
    QVERIFY2(finished.wait(120000), qPrintable(boxes_.texts.join("; ")));
    QVERIFY2(boxes_.texts.isEmpty(), qPrintable(boxes_.texts.join("; ")));
    const RunStore child = RunStore::open(dir_.file("on.grok"));
    QCOMPARE(child.meta("optimizer_state"), std::string("parent"));
    QCOMPARE(child.meta("parent_epoch"), std::to_string(kEpochs));
    QCOMPARE(child.checkpoint_epochs().front(), kEpochs);
    QCOMPARE(child.checkpoint_epochs().back(), kEpochs + 3 * kEvery);
    QVERIFY(sameTensors(child.load_checkpoint(kEpochs), RunStore::open(parent_).load_checkpoint(kEpochs)));
    QVERIFY(w.viewer()->referenceLabel()->text().startsWith(
        QString("Forked from parent.grok at epoch %1 (optimizer: parent)").arg(kEpochs)));
  }

  void dialogShowsForkConfigsErrorAndRefuses() {
    MainWindow w;
    w.show();
    ForkDialog* d = dialogAt(w, 100);
    QVERIFY(d);
    // A kept field, typed anyway: fork_config's line, OK off.
    d->setField("p", "11");
    QCOMPARE(d->messageLabel()->text(),
             QString("p: a fork keeps the parent's model, task and split (parent: %1)").arg(kP));
    QVERIFY(!d->okButton()->isEnabled());
    QVERIFY(d->okButton()->toolTip().startsWith("Cannot fork: p: a fork keeps"));
    QVERIFY(!d->config());
    d->setField("p", QString::number(kP));
    QVERIFY(d->okButton()->isEnabled());
    QVERIFY(d->config());
    // A target not after the fork's epoch.
    d->setField("epochs", "100");
    QVERIFY2(d->messageLabel()->text().startsWith("epochs: 100 is not after the fork's epoch 100"),
             qPrintable(d->messageLabel()->text()));
    QVERIFY(!d->okButton()->isEnabled());
    d->okButton()->click();  // refused: nothing starts
    QVERIFY(d->isVisible() && !w.training());
    d->setField("epochs", "150");
    QVERIFY(d->okButton()->isEnabled());
    // A value out of range, and the parent's own file as the fork's.
    d->setField("lr", "7");
    QVERIFY2(d->messageLabel()->text().startsWith("lr: "), qPrintable(d->messageLabel()->text()));
    d->setField("lr", "0.001");
    d->setField("path", QString::fromStdString(parent_));
    QVERIFY2(d->messageLabel()->text().contains("is the parent run"), qPrintable(d->messageLabel()->text()));
    QVERIFY(!d->okButton()->isEnabled());
    d->reject();
    QVERIFY(!w.training());
    QVERIFY(boxes_.texts.isEmpty());
  }

  // The parent gone between the dialog and its OK: the fork fails on the training thread, an error
  // dialog says why, and the window keeps what it showed.
  void aFailedForkSaysSoAndKeepsTheParent() {
    const QString gone = dir_.qfile("gone.grok");
    QVERIFY(QFile::copy(QString::fromStdString(parent_), gone));
    MainWindow w;
    w.show();
    QVERIFY(w.openRun(gone, true));
    w.viewer()->scrubber()->setEpoch(100);
    ForkDialog* d = w.forkFromHere();
    QVERIFY(d);
    QVERIFY(QFile::remove(gone));
    d->okButton()->click();
    QTRY_VERIFY_WITH_TIMEOUT(!boxes_.texts.isEmpty(), 30000);
    QVERIFY2(boxes_.texts.first().contains("gone.grok"), qPrintable(boxes_.texts.first()));
    boxes_.texts.clear();
    QVERIFY(!w.training());
    QCOMPARE(w.runPath(), gone);
    QCOMPARE(w.viewer()->scrubber()->epoch(), 100);
    QVERIFY(!QFileInfo::exists(dir_.qfile("gone-fork-e100.grok")));
    QVERIFY(w.forkAction()->isEnabled());
  }

  void openingTheChildDrawsItsParentAnotherRunDoesNot() {
    QVERIFY(!child_.isEmpty());
    MainWindow w;
    w.show();
    QVERIFY(w.openRun(child_, true));
    QVERIFY(w.viewer()->reference()->active());
    // The parent itself is no fork: the parent drawn for the child goes.
    QVERIFY(w.openRun(QString::fromStdString(parent_), true));
    QVERIFY(!w.viewer()->reference()->active());
    QVERIFY(!w.windowTitle().contains("forked"));
    QVERIFY(w.viewer()->referenceLabel()->isHidden());
    // A reference the user chose stays over a run that is no fork.
    QVERIFY(w.setReference(child_, true));
    QVERIFY(w.openRun(QString::fromStdString(parent_), true));
    QCOMPARE(w.viewer()->reference()->path(), child_);
  }

  // The child's phases begin at its first epoch; a test loss that only falls there is no peak.
  void phasesOfAForkBeginAtItsEpoch() {
    QVERIFY(!child_.isEmpty());
    const RunStore child = RunStore::open(child_.toStdString());
    const Phases ph = detect_phases(child.metrics(), sum_sq_weights_series(child));
    QCOMPARE(ph.first_epoch, 100);
    QVERIFY(ph.memorisation_end == -1 || ph.memorisation_end > 100);
    std::vector<EpochMetrics> falling;
    for (int e = 100; e <= 200; e += 5) falling.push_back({e, 1.0, 0.5, 3.0 - e / 100.0, 0.5, 1e-3});
    QCOMPARE(detect_phases(falling, {}).memorisation_end, -1);
    for (EpochMetrics& m : falling) m.epoch -= 100;  // from epoch 0 the first is the peak (as before)
    QCOMPARE(detect_phases(falling, {}).memorisation_end, 0);
  }

  // A fork whose file lacks its measures (as from an older version): the fill computes them for its
  // checkpoints, from the fork's epoch on, and the curves draw them there.
  void measuresOfAForkAreFilledFromItsEpoch() {
    QVERIFY(!child_.isEmpty());
    const std::string bare = dir_.file("bare-fork.grok");
    {
      const RunStore src = RunStore::open(child_.toStdString());
      std::map<std::string, std::string> meta;
      for (const char* k : {"parent", "parent_epoch", "optimizer_state"}) meta[k] = src.meta(k);
      RunStore dst = RunStore::create(bare, src.config(), false, meta);
      int prev = -1;
      for (int e : src.checkpoint_epochs())
        dst.commit_checkpoint(e, src.load_checkpoint(e), src.metrics(prev + 1, e), ResumeState{e, 0, {}}, {}), prev = e;
    }
    MainWindow w;
    w.show();
    QVERIFY(w.openRun(QString::fromStdString(bare), true));
    const int checkpoints = (kEpochs - 100) / kEvery + 1;
    QTRY_COMPARE_WITH_TIMEOUT(w.viewer()->measuresView()->pointCount(2), checkpoints, 30000);
    QCOMPARE(w.viewer()->measuresView()->seriesX(2).first(), 100.0);
    QCOMPARE(int(RunStore::open(bare).load_measures(KeySelection::Live).size()), checkpoints);
    QVERIFY(w.viewer()->reference()->active());  // its parent under it, as for the fork itself
  }

  void compareDrawsTheChildBesideItsParent() {
    QVERIFY(!child_.isEmpty());
    CompareView v;
    v.resize(1400, 900);
    v.show();
    QVERIFY(test::openAndRead(v, {QString::fromStdString(parent_), child_}));
    RunTable* t = v.table();
    QCOMPARE(t->rowCount(), 2);
    const int fork = t->column("fork of");
    QVERIFY(fork > 0);
    QCOMPARE(t->item(0, fork)->text(), QString("-"));
    QCOMPARE(t->item(1, fork)->text(), QString("parent.grok at 100"));
    QVERIFY(t->item(1, 0)->toolTip().contains("forked from parent.grok at epoch 100"));
    QCOMPARE(t->item(1, t->column("epoch"))->text(), QString("%1/%1").arg(kEpochs));
    OverlayFigure* f = v.overlays()->figure(CompareSeries::TestLoss);
    QCOMPARE(f->curveCount(), 2);
    QCOMPARE(f->curve(0)->data()->constBegin()->key, 0.0);
    QCOMPARE(f->curve(1)->data()->constBegin()->key, 100.0);
    QCOMPARE(f->pointCount(1), (kEpochs - 100) / 5 + 1);
    QVERIFY(f->xAxis->range().lower <= 0.0 && f->xAxis->range().upper >= kEpochs);
  }
};

GROK_TEST_MAIN(TestUiFork, QApplication)
#include "test_ui_fork.moc"
