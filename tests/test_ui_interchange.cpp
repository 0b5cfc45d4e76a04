// The window's PyTorch interchange (ui/window/main_window_import.cpp, ui/run/import_dialog.h): a
// full_run_data-style file trained and saved by PyTorch (tests/python/train_full_run_data.py) opens
// through the import dialog, is written on a thread and scrubs like a native run; the scrubbed
// checkpoint exports as a .pt holding exactly its weights; a refused file says why in one dialog.
#include <QApplication>
#include <QLabel>
#include <QMessageBox>
#include <QProcess>
#include <QPushButton>
#include <QTimer>
#include <QtTest>

#include "core/interchange/pt_file.h"
#include "core/store/run_store.h"
#include "core/transfer/transfer.h"
#include "test_util.h"
#include "ui/checkpoint/epoch_scrubber.h"
#include "ui/run/import_dialog.h"
#include "ui/window/main_window.h"
#include "ui/window/run_viewer.h"
#include "ui_test_util.h"

using namespace grok;

namespace {
constexpr int kCheckpoints = 100;
}

class TestUiInterchange : public QObject {
  Q_OBJECT
  QTemporaryDir settings_;
  test::ScratchDir dir_;
  QString pth_;
  test::MessageBoxCloser boxes_;  // any message box the window showed, closed

 private slots:
  void initTestCase() {
    initUiTest(settings_.path());
    // Trained in PyTorch with the authors' recipe: p = 13, 100 checkpoints (one per epoch).
    pth_ = dir_.qfile("full_run_data.pth");
    QProcess py;
    py.start(GROK_TORCH_PYTHON, {GROK_SOURCE_DIR "/tests/python/train_full_run_data.py", "--p", "13", "--d-model", "16",
                                 "--epochs", QString::number(kCheckpoints - 1), "--save-every", "1", "--out", pth_});
    QVERIFY(py.waitForFinished(300000));
    QVERIFY2(py.exitCode() == 0, py.readAllStandardError().constData());
    boxes_.start();
  }

  void aPythonRunOpensAndScrubs() {
    MainWindow w;
    w.show();
    QSignalSpy imported(&w, &MainWindow::imported);
    QVERIFY(w.openRun(pth_));  // File > Open, a drop and the command line all come here
    auto* d = w.findChild<ImportDialog*>("import-dialog");
    QVERIFY(d && d->isVisible());
    const QString summary = d->findChildren<QLabel*>().first()->text();
    QVERIFY2(summary.contains("100 checkpoints, epochs 0..99") && summary.contains("p = 13"), qPrintable(summary));
    QCOMPARE(d->settings(), QStringList({"task=add", "train_fraction=0.3", "seed=0"}));  // from its config
    QCOMPARE(d->outputPath(), dir_.qfile("full_run_data.grok"));
    d->okButton()->click();
    QVERIFY(imported.wait(120000));
    QCOMPARE(imported.first().at(1).toString(), QString());
    QVERIFY2(boxes_.texts.isEmpty(), qPrintable(boxes_.texts.join("; ")));
    QCOMPARE(w.runPath(), dir_.qfile("full_run_data.grok"));
    EpochScrubber* s = w.viewer()->scrubber();
    QCOMPARE(static_cast<int>(s->checkpoints().size()), kCheckpoints);
    QCOMPARE(s->checkpoints().back(), kCheckpoints - 1);
    // Scrubbing draws each checkpoint's views, as for a native run.
    for (int e : {0, 37, 99}) {
      QSignalSpy shown(&w, &MainWindow::snapshotShown);
      s->setEpoch(e);
      QVERIFY(shown.wait(30000) || !shown.isEmpty());
      QCOMPARE(shown.last().first().toInt(), e);
    }
    const RunStore run = RunStore::open(dir_.file("full_run_data.grok"));
    QCOMPARE(run.meta("optimizer_state"), std::string("fresh"));
    QCOMPARE(static_cast<int>(run.metrics().size()), kCheckpoints);
    QCOMPARE(static_cast<int>(run.load_measures(KeySelection::Live).size()), kCheckpoints);
  }

  void theScrubbedCheckpointExports() {
    MainWindow w;
    QVERIFY(!w.exportPtAction()->isEnabled());
    QVERIFY(w.openRun(dir_.qfile("full_run_data.grok"), true));
    w.viewer()->scrubber()->setEpoch(42);
    QVERIFY(w.exportPtAction()->isEnabled());
    QVERIFY(w.exportPtAction()->toolTip().contains("epoch 42"));
    const QString pt = dir_.qfile("e42.pt");
    QCOMPARE(w.exportCheckpoint(pt, PtLayout::TransformerLens, false), QString());
    const PtFile f = read_pt_file(pt.toStdString());
    QCOMPARE(f.checkpoints.size(), std::size_t{1});
    QCOMPARE(*f.checkpoints[0].epoch, 42);
    ModelShape shape;
    const std::vector<NamedArray> back = to_run_layout(f.checkpoints[0].tensors, "e42.pt", &shape);
    const std::vector<NamedArray> stored = RunStore::open(dir_.file("full_run_data.grok")).load_checkpoint(42);
    QCOMPARE(back.size(), stored.size());
    for (std::size_t i = 0; i < back.size(); ++i) QVERIFY2(back[i].bytes == stored[i].bytes, back[i].name.c_str());
    QCOMPARE(w.exportCheckpoint(dir_.qfile("all.pth"), PtLayout::Authors, true), QString());
    QCOMPARE(read_pt_file(dir_.file("all.pth")).checkpoints.size(), std::size_t{kCheckpoints});
    QVERIFY(w.exportCheckpoint(dir_.qfile("no/such/folder/x.pt"), PtLayout::Authors, false).contains("x.pt"));
  }

  // Without a config the task is the mainline's, said so; a bad value disables OK with the reason.
  void theDialogSaysWhatItAssumes() {
    MainWindow w;
    QVERIFY(w.openRun(dir_.qfile("full_run_data.grok"), true));
    const QString pt = dir_.qfile("authors.pt");
    QCOMPARE(w.exportCheckpoint(pt, PtLayout::Authors, false), QString());
    ImportDialog* d = w.importCheckpoint(pt);
    QVERIFY(d);
    bool said = false;
    for (QLabel* l : d->findChildren<QLabel*>())
      said |= l->text().contains("does not say its task, train_fraction, seed");
    QVERIFY(said);
    d->setField("train_fraction", "2");
    QVERIFY(!d->okButton()->isEnabled());
    QVERIFY2(d->error().contains("train_fraction"), qPrintable(d->error()));
    d->setField("train_fraction", "0.3");
    QVERIFY(d->okButton()->isEnabled());
    d->reject();
  }

  void aRefusedFileSaysWhy() {
    MainWindow w;
    const QString bad = dir_.qfile("bad.pt");
    QFile f(bad);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(
        "\x80\x02"
        "cposix\nsystem\n(X\x02\x00\x00\x00lstR.",
        27);
    f.close();
    boxes_.texts.clear();
    QVERIFY(!w.openRun(bad));
    QTRY_COMPARE(boxes_.texts.size(), 1);
    QVERIFY2(boxes_.texts.first().contains("pre-1.6 format"), qPrintable(boxes_.texts.first()));
    QVERIFY(!w.findChild<ImportDialog*>());
  }
};

GROK_TEST_MAIN(TestUiInterchange, QApplication)
#include "test_ui_interchange.moc"
