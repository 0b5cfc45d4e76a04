// Animations of training (issue 27): a view, or the whole dashboard, across a range of checkpoints,
// one frame a checkpoint, encoded by FFmpeg (Debian's `ffmpeg`, started as a process) into MP4
// (H.264), WebM (VP9) or an animated GIF for slides, by the output's extension.
//
// Each frame is the window's own: the scrubber is moved to the checkpoint, and once the views show
// it (the check table too, for views that hold it) the target widget is drawn off screen, as the
// figure export draws it (vector plots), scaled to fit the frame size and centred. Frames are piped
// to ffmpeg as raw RGB; the video goes to a temporary file beside the output, renamed over it only
// when ffmpeg has finished cleanly, so a failed or cancelled export leaves a file already there as
// it was.
//
//   AnimationExport ex(window->viewer(), target, {"neurons.mp4", {}, 0, 20000, 10, {1280, 720}, false});
//   connect(&ex, &AnimationExport::progress, bar, ...);
//   connect(&ex, &AnimationExport::finished, ..., [](const QString& error) { ... });  // "" when written
//   if (QString err = ex.start(); !err.isEmpty()) ...   // one line: no ffmpeg, no checkpoint in range
//
// Threading: GUI thread; ffmpeg runs as a child process, fed as it reads.
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QProcess>
#include <QSize>
#include <QString>
#include <vector>

class QWidget;

namespace grok {

class RunViewer;

struct AnimationRequest {
  QString out;             // .mp4, .webm or .gif
  int from = -1, to = -1;  // epochs; -1: the run's first / last checkpoint
  int fps = 10;
  QSize size;                // frame size (rounded down to even numbers for the video codecs)
  bool needsChecks = false;  // the target shows the check table: wait for it too
};

class AnimationExport : public QObject {
  Q_OBJECT
 public:
  AnimationExport(RunViewer* viewer, QWidget* target, AnimationRequest request, QObject* parent = nullptr);
  ~AnimationExport() override;
  // Checks the request and starts: "" or a one-line error (nothing started then).
  QString start();
  void cancel();  // stops ffmpeg, removes the partial file; finished("cancelled")
  int frames() const { return static_cast<int>(epochs_.size()); }
  double seconds() const { return clock_.isValid() ? clock_.elapsed() / 1000.0 : 0; }
  // The ffmpeg arguments for `request` writing to `file` (the format from the output's extension).
  static QStringList ffmpegArguments(const AnimationRequest& request, const QString& file);

 signals:
  void progress(int done, int total);
  void finished(const QString& error);  // "" when the file is written

 private:
  void next();            // scrub to the next checkpoint, or finish
  void shown(int epoch);  // the views show `epoch`
  void writeFrame();
  void finish(const QString& error);

  RunViewer* viewer_;
  QPointer<QWidget> target_;
  AnimationRequest req_;
  std::vector<int> epochs_;
  std::size_t at_ = 0;
  bool waiting_ = false;  // for the views to show epochs_[at_]
  bool done_ = false;
  QString part_;  // the temporary file ffmpeg writes
  QProcess ffmpeg_;
  QElapsedTimer clock_;
  std::vector<QMetaObject::Connection> links_;
};

// The extensions an animation may have.
QStringList animationFormats();

}  // namespace grok
