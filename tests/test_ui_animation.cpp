// Animations (issue 27): a view over 100 checkpoints as an MP4 that ffprobe reads as 100 frames of
// the size asked, frames that change as the model trains, a GIF and a WebM; from the window and
// from `grokking RUN --export-animation`; refusals in one line, and a failed export leaves the file
// already there as it was. FFmpeg (Debian's package) is started for real.
#include <QApplication>
#include <QFile>
#include <QProcess>
#include <QtTest>

#include "test_util.h"
#include "ui/window/animation_export.h"
#include "ui/window/main_window.h"
#include "ui_test_util.h"

using namespace grok;

namespace {

// ffprobe's count of the frames it decodes, and their size: "100,320,240".
QString probe(const QString& file) {
  QProcess p;
  p.start("ffprobe", {"-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                      "stream=nb_read_frames,width,height", "-of", "csv=p=0:nokey=1", file});
  p.waitForFinished(60000);
  const QStringList f = QString::fromUtf8(p.readAllStandardOutput()).trimmed().split(',');
  return f.size() == 3 ? QString("%1,%2,%3").arg(f[2], f[0], f[1]) : QString::fromUtf8(p.readAllStandardError());
}

// Frame `n` of a video as raw RGB bytes.
QByteArray frame(const QString& file, int n) {
  QProcess p;
  p.start("ffmpeg", {"-v", "error", "-i", file, "-vf", QString("select=eq(n\\,%1)").arg(n), "-frames:v", "1", "-f",
                     "rawvideo", "-pix_fmt", "rgb24", "-"});
  p.waitForFinished(60000);
  return p.readAllStandardOutput();
}

// Runs an export to its end: "" or its error.
QString run(MainWindow& w, const QString& view, AnimationRequest r) {
  QString err;
  AnimationExport* ex = w.exportAnimation(view, r, &err);
  if (!ex) return err;
  QSignalSpy done(ex, &AnimationExport::finished);
  if (!done.wait(120000)) return "timed out";
  ex->deleteLater();
  return done[0][0].toString();
}

}  // namespace

class TestUiAnimation : public QObject {
  Q_OBJECT
  QTemporaryDir settings_;
  test::ScratchDir dir_;
  QString run_;

 private slots:
  void initTestCase() {
    initUiTest(settings_.path());
    test::train_run(test::tiny_config(11, 990, 10, 5), dir_.file("run.grok"));  // 100 checkpoints
    run_ = dir_.qfile("run.grok");
  }

  void neuronsOverAHundredCheckpoints() {
    MainWindow w;
    w.resize(MainWindow::designSize());
    w.show();
    QVERIFY(w.openRun(run_, true));
    const QString mp4 = dir_.qfile("neurons.mp4");
    QElapsedTimer t;
    t.start();
    QCOMPARE(run(w, "neurons", {mp4, -1, -1, 10, QSize(320, 240)}), QString());
    qInfo("100 frames of the neuron maps in %.1f s", t.elapsed() / 1000.0);
    QCOMPARE(probe(mp4), QString("100,320,240"));
    // The maps change as the model trains: the first and last frames differ.
    QVERIFY(frame(mp4, 0) != frame(mp4, 99));
    QCOMPARE(frame(mp4, 0).size(), 320 * 240 * 3);
  }

  void gifWebmAndTheirRange() {
    MainWindow w;
    w.show();
    QVERIFY(w.openRun(run_, true));
    const QString gif = dir_.qfile("grid.gif"), webm = dir_.qfile("dash.webm");
    QCOMPARE(run(w, "prediction", {gif, 500, 590, 5, QSize(200, 200)}), QString());
    QFile g(gif);
    QVERIFY(g.open(QIODevice::ReadOnly));
    QCOMPARE(g.read(6), QByteArray("GIF89a"));
    QCOMPARE(probe(gif), QString("10,200,200"));
    QCOMPARE(run(w, "dashboard", {webm, 0, 30, 10, QSize(641, 361)}), QString());
    QCOMPARE(probe(webm), QString("4,640,360"));  // 4:2:0 wants even sizes
  }

  void refusalsAndFailuresKeepTheFileThere() {
    MainWindow w;
    w.show();
    QVERIFY(w.openRun(run_, true));
    const QString out = dir_.qfile("kept.mp4");
    QFile f(out);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("already here");
    f.close();
    QVERIFY(run(w, "nosuchview", {out, -1, -1, 10, {}}).contains("no view 'nosuchview'"));
    QVERIFY(run(w, "neurons", {dir_.qfile("x.avi"), -1, -1, 10, {}}).contains("unknown animation format"));
    QVERIFY(run(w, "neurons", {out, 5000, 6000, 10, {}}).contains("no checkpoint between"));
    QVERIFY(run(w, "neurons", {out, -1, -1, 0, {}}).contains("frames per second"));
    // Cancelled half way: the file as it was, no partial file beside it.
    QString err;
    AnimationExport* ex = w.exportAnimation("neurons", {out, -1, -1, 10, QSize(320, 240)}, &err);
    QVERIFY2(ex, qPrintable(err));
    QSignalSpy done(ex, &AnimationExport::finished);
    connect(ex, &AnimationExport::progress, ex, [ex](int n) {
      if (n == 5) ex->cancel();
    });
    QVERIFY(done.wait(60000));
    QVERIFY(done[0][0].toString().endsWith("cancelled"));
    delete ex;
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), QByteArray("already here"));
    QCOMPARE(QDir(dir_.qfile("")).entryList({".kept.mp4.part"}, QDir::Hidden | QDir::Files).size(), 0);
  }

  void fromTheCommandLine() {
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("QT_QPA_PLATFORM", "offscreen");
    env.insert("XDG_CONFIG_HOME", settings_.path());
    p.setProcessEnvironment(env);
    const QString out = dir_.qfile("cli.mp4");
    p.start(GROKKING_GUI, {run_, "--export-animation", out, "--view", "prediction", "--from", "100", "--to", "190",
                           "--fps", "5", "--size", "160x160"});
    QVERIFY(p.waitForFinished(120000));
    QCOMPARE(p.exitCode(), 0);
    QVERIFY(QString::fromUtf8(p.readAllStandardOutput()).contains("10 frames"));
    QCOMPARE(probe(out), QString("10,160,160"));
    p.start(GROKKING_GUI, {run_, "--export-animation", out, "--view", "nosuchview"});
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 2);
    const QStringList lines = QString::fromUtf8(p.readAllStandardError()).trimmed().split('\n');
    QVERIFY2(lines.last().startsWith("--export-animation: no view 'nosuchview'"), qPrintable(lines.last()));
  }
};

QTEST_MAIN(TestUiAnimation)
#include "test_ui_animation.moc"
