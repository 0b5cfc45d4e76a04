// Exports from the window, headless: the metrics CSV is core's (what `grokking-cli export-csv`
// writes), every export checks its writes and names the file and the problem, and the dialogs open
// at the run's folder, then at the last export's.
#include <QAbstractButton>
#include <QApplication>
#include <QFileDialog>
#include <QMessageBox>
#include <QtTest>

#include <qcustomplot.h>
#include <sys/resource.h>

#include <csignal>

#include "test_util.h"
#include "ui/plots/figure.h"
#include "ui/window/export_dialogs.h"
#include "ui/window/main_window.h"
#include "ui/window/run_viewer.h"
#include "ui_test_util.h"

using namespace grok;

namespace {

QByteArray readAll(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// A disk that fills while the export writes: a file size limit of a few bytes (writes past it fail
// with EFBIG) for as long as it lives.
class FullDisk {
 public:
  FullDisk() {
    std::signal(SIGXFSZ, SIG_IGN);
    getrlimit(RLIMIT_FSIZE, &old_);
    const rlimit tiny{16, old_.rlim_max};
    setrlimit(RLIMIT_FSIZE, &tiny);
  }
  ~FullDisk() { setrlimit(RLIMIT_FSIZE, &old_); }

 private:
  rlimit old_{};
};

QAction* action(QWidget& w, const QString& textStart) {
  for (QAction* a : w.findChildren<QAction*>())
    if (a->text().startsWith(textStart)) return a;
  return nullptr;
}

// Answers the modal dialogs that come up while `fn` runs, each by `answer`, in order of appearance;
// returns how many it answered. Polls the modal stack from the dialogs' own event loops.
int answering(const std::function<void(QWidget*)>& answer, const std::function<void()>& fn) {
  int answered = 0;
  QTimer poll;
  poll.setInterval(10);
  QObject::connect(&poll, &QTimer::timeout, [&] {
    QWidget* modal = QApplication::activeModalWidget();
    if (!modal || !modal->isVisible() || modal->property("answered").toBool()) return;
    modal->setProperty("answered", true);  // a dialog on its way out is still on the modal stack
    answered++;
    QTimer::singleShot(0, modal, [&answer, modal] { answer(modal); });
  });
  poll.start();
  fn();
  return answered;
}

}  // namespace

class TestUiExport : public QObject {
  Q_OBJECT
  QTemporaryDir settings_;
  test::SharedWindow w_;  // the exports' window: each function opens its own run in it

 private slots:
  void initTestCase() { initUiTest(settings_.path()); }
  void init() { QSettings().remove("export/dir"); }  // each test begins with no export made

  void crowdedCategoryLabelsTurn() {
    // Power's 12 tasks side by side: the labels turn when they would overlap, and turn back when
    // the figure is wide enough (the exported figures read as the window does).
    Figure f("tasks");
    QSharedPointer<QCPAxisTickerText> ticks(new QCPAxisTickerText);
    for (int i = 0; i < 12; i++) ticks->addTick(i, QString("x2+xy+y2+x #%1").arg(i));
    f.xAxis->setTicker(ticks);
    f.xAxis->setRange(-0.5, 11.5);
    f.resize(500, 300);
    f.show();
    QVERIFY(QTest::qWaitForWindowExposed(&f));
    f.replot();
    QCOMPARE(f.xAxis->tickLabelRotation(), -40.0);
    f.resize(4000, 300);
    f.replot();
    QCOMPARE(f.xAxis->tickLabelRotation(), 0.0);
  }

  void metricsCsvIsWhatTheCliWrites() {
    test::ScratchDir dir;
    test::train_run(test::tiny_config(11, 40, 10, 4), dir.file("run.grok"));
    MainWindow& w = *w_;
    QVERIFY(w.openRun(dir.qfile("run.grok"), true));
    QCOMPARE(w.exportMetricsCsv(dir.qfile("gui.csv")), QString());
    QProcess cli;
    cli.start(GROKKING_CLI, {"export-csv", dir.qfile("run.grok"), "--out", dir.qfile("cli.csv")});
    QVERIFY(cli.waitForFinished(60000));
    QCOMPARE(cli.exitCode(), 0);
    const QByteArray want = readAll(dir.qfile("cli.csv"));
    QCOMPARE(want.count('\n'), 42);  // the header and epochs 0..40
    QCOMPARE(readAll(dir.qfile("gui.csv")), want);
    // Zoomed in, the epochs shown: the same rows.
    w.viewer()->lossPlot()->xAxis->setRange(9.5, 20.5);
    QCOMPARE(w.exportMetricsCsv(dir.qfile("zoom.csv")), QString());
    QList<QByteArray> rows = want.split('\n');
    QByteArray zoomed = rows[0] + '\n';
    for (int e = 10; e <= 20; e++) zoomed += rows[e + 1] + '\n';
    QCOMPARE(readAll(dir.qfile("zoom.csv")), zoomed);
  }

  void failedWritesAreErrorsNamingTheFile_data() {
    QTest::addColumn<QString>("ext");
    for (const char* ext : {"csv", "png", "svg", "pdf"}) QTest::newRow(ext) << ext;
  }
  void failedWritesAreErrorsNamingTheFile() {
    QFETCH(QString, ext);
    test::ScratchDir dir;
    test::train_run(test::tiny_config(11, 20, 10, 4), dir.file("run.grok"));
    MainWindow& w = *w_;
    QVERIFY(w.openRun(dir.qfile("run.grok"), true));
    auto exportTo = [&](const QString& path) {
      return ext == "csv" ? w.exportMetricsCsv(path) : w.exportDashboard(path);
    };
    // A full disk: the file opens, its bytes do not fit. The CSV is written beside and renamed
    // (file_beside.h), so a device file would simply be replaced: its disk fills instead, and the
    // file that was there stays as it was.
    const QString full = dir.qfile("full." + ext);
    QString err;
    if (ext == "csv") {
      QFile old(full);
      QVERIFY(old.open(QIODevice::WriteOnly) && old.write("keep me\n") == 8);
      old.close();
      FullDisk disk;
      err = exportTo(full);
      QVERIFY2(err.contains("File too large"), qPrintable(err));
      QCOMPARE(readAll(full), QByteArray("keep me\n"));
      QCOMPARE(QDir(dir.qfile("")).entryList(QDir::Hidden | QDir::Files).filter(".full.csv").size(), 0);
    } else {
      QVERIFY(QFile::link("/dev/full", full));
      err = exportTo(full);
      QVERIFY2(err.contains("No space left on device"), qPrintable(err));
    }
    QVERIFY2(err.startsWith(full + ": "), qPrintable(err));
    QVERIFY(!err.contains('\n'));
    // A folder that does not exist: the file cannot be created.
    const QString nowhere = dir.qfile("missing/out." + ext);
    QVERIFY2(exportTo(nowhere).startsWith(nowhere + ": cannot write the file"), qPrintable(exportTo(nowhere)));
    // And where it can be written, it is.
    QCOMPARE(exportTo(dir.qfile("ok." + ext)), QString());
    QVERIFY(QFileInfo(dir.qfile("ok." + ext)).size() > 100);
  }

  void theMenuShowsTheProblem() {
    test::ScratchDir dir;
    test::train_run(test::tiny_config(11, 20, 10, 4), dir.file("run.grok"));
    MainWindow& w = *w_;
    QVERIFY(w.openRun(dir.qfile("run.grok"), true));
    const QString full = dir.qfile("metrics.csv");
    QFile old(full);
    QVERIFY(old.open(QIODevice::WriteOnly) && old.write("keep me\n") == 8);
    old.close();
    QString shown;
    std::optional<FullDisk> disk;
    const int answered = answering(
        [&](QWidget* modal) {
          if (auto* files = qobject_cast<QFileDialog*>(modal)) {
            files->selectFile(full);
            static_cast<QDialog*>(files)->accept();  // QFileDialog::accept, which checks the name
          } else if (auto* box = qobject_cast<QMessageBox*>(modal)) {
            if (box->text().contains("already exists")) {
              disk.emplace();  // the disk fills once the user has chosen to replace the file
              return box->button(QMessageBox::Yes)->click();
            }
            disk.reset();
            shown = box->text();
            box->accept();
          }
        },
        [&] { action(w, "Export metrics as &CSV")->trigger(); });
    QCOMPARE(answered, 3);  // where to, replace it?, and what went wrong
    QVERIFY2(shown.startsWith(full + ": cannot write the file") && shown.contains("File too large"), qPrintable(shown));
    QCOMPARE(readAll(full), QByteArray("keep me\n"));
    QCOMPARE(w.lastError(), shown);
  }

  void startDirIsTheLastExportsThenTheRunsFolder() {
    test::ScratchDir dir;
    QVERIFY(QDir().mkpath(dir.qfile("runs")) && QDir().mkpath(dir.qfile("figures")));
    const QString run = dir.qfile("runs/a.grok");
    QCOMPARE(exportStartDir("", run), dir.qfile("runs"));
    QCOMPARE(exportStartDir(dir.qfile("figures"), run), dir.qfile("figures"));
    QCOMPARE(exportStartDir(dir.qfile("gone"), run), dir.qfile("runs"));  // a deleted folder: the run's
    const QString home = exportStartDir("", "");                          // nothing yet: the user's documents
    QVERIFY(home != "/" && !home.isEmpty() && QFileInfo(home).isDir());
  }

  void dialogsOpenAtTheRunsFolderThenTheLastExports() {
    test::ScratchDir dir;
    QVERIFY(QDir().mkpath(dir.qfile("runs")) && QDir().mkpath(dir.qfile("figures")));
    test::train_run(test::tiny_config(11, 20, 10, 4), dir.file("runs/run.grok"));
    MainWindow w;
    w.resize(1200, 800);
    w.show();
    QVERIFY(w.openRun(dir.qfile("runs/run.grok"), true));
    QStringList opened;                             // the folder each dialog opened at
    const auto note = [&](const QString& saveAs) {  // saveAs: the folder to save in, "" to cancel
      return [&opened, saveAs](QWidget* modal) {
        auto* files = qobject_cast<QFileDialog*>(modal);
        if (!files) return;
        opened << files->directory().absolutePath();
        if (saveAs.isEmpty()) return files->reject();
        files->setDirectory(saveAs);             // under the name proposed
        static_cast<QDialog*>(files)->accept();  // QFileDialog::accept, which checks the name
      };
    };
    QCOMPARE(answering(note(""), [&] { action(w, "&Export dashboard")->trigger(); }), 1);
    QCOMPARE(answering(note(dir.qfile("figures")), [&] { action(w, "&Export dashboard")->trigger(); }), 1);
    QVERIFY(QFileInfo(dir.qfile("figures/dashboard.png")).size() > 1000);
    QCOMPARE(answering(note(""), [&] { action(w, "Export metrics as &CSV")->trigger(); }), 1);
    QCOMPARE(opened, (QStringList{dir.qfile("runs"), dir.qfile("runs"), dir.qfile("figures")}));
  }
};

GROK_TEST_MAIN(TestUiExport, QApplication)
#include "test_ui_export.moc"
