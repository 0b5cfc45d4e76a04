#include "ui/window/animation_export.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QPainter>
#include <QTimer>
#include <QWidget>
#include <algorithm>

#include "ui/checkpoint/checkpoint_views.h"
#include "ui/checkpoint/epoch_scrubber.h"
#include "ui/plots/figure_export.h"
#include "ui/window/run_viewer.h"

namespace grok {

namespace {
// ffmpeg reads as it encodes: past this much unread, the next frame waits for it (a 100-frame
// dashboard at 1920x1080 is 600 MB of raw frames).
constexpr qint64 kMaxUnread = 32 << 20;
}  // namespace

QStringList animationFormats() { return {"mp4", "webm", "gif"}; }

QStringList AnimationExport::ffmpegArguments(const AnimationRequest& r, const QString& file) {
  const QString ext = QFileInfo(r.out).suffix().toLower();
  QStringList a = {"-hide_banner", "-loglevel",
                   "error",        "-y",
                   "-f",           "rawvideo",
                   "-pix_fmt",     "rgb24",
                   "-s",           QString("%1x%2").arg(r.size.width()).arg(r.size.height()),
                   "-framerate",   QString::number(r.fps),
                   "-i",           "-"};
  if (ext == "mp4")  // H.264 in 4:2:0, what every player and slide program reads
    a << "-c:v"
      << "libx264"
      << "-preset"
      << "veryfast"
      << "-crf"
      << "18"
      << "-pix_fmt"
      << "yuv420p"
      << "-movflags"
      << "+faststart"
      << "-f"
      << "mp4";
  else if (ext == "webm")
    a << "-c:v"
      << "libvpx-vp9"
      << "-deadline"
      << "realtime"
      << "-cpu-used"
      << "8"
      << "-b:v"
      << "0"
      << "-crf"
      << "30"
      << "-pix_fmt"
      << "yuv420p"
      << "-f"
      << "webm";
  else  // gif: one palette made from all frames, so that the colour maps keep their colours
    a << "-filter_complex"
      << "[0:v]split[a][b];[a]palettegen=stats_mode=full[p];[b][p]paletteuse=dither=sierra2_4a"
      << "-loop"
      << "0"
      << "-f"
      << "gif";
  return a << file;
}

AnimationExport::AnimationExport(RunViewer* viewer, QWidget* target, AnimationRequest request, QObject* parent)
    : QObject(parent), viewer_(viewer), target_(target), req_(std::move(request)) {}

AnimationExport::~AnimationExport() {
  for (const auto& c : links_) disconnect(c);
  if (ffmpeg_.state() != QProcess::NotRunning) ffmpeg_.kill(), ffmpeg_.waitForFinished(3000);
  if (!part_.isEmpty()) QFile::remove(part_);
}

QString AnimationExport::start() {
  const QString ext = QFileInfo(req_.out).suffix().toLower();
  if (!animationFormats().contains(ext))
    return tr("%1: unknown animation format \"%2\" (allowed: mp4, webm, gif)").arg(req_.out, ext);
  if (!target_) return tr("no view to animate");
  if (req_.fps < 1 || req_.fps > 120) return tr("frames per second: %1 is not in 1..120").arg(req_.fps);
  if (req_.size.isEmpty()) req_.size = target_->size();
  req_.size = QSize(req_.size.width() & ~1, req_.size.height() & ~1);  // 4:2:0 needs even sizes
  if (req_.size.width() < 16 || req_.size.height() < 16 || req_.size.width() > 7680 || req_.size.height() > 4320)
    return tr("frame size %1x%2 is not within 16x16 and 7680x4320").arg(req_.size.width()).arg(req_.size.height());
  const std::vector<int>& ck = viewer_->scrubber()->checkpoints();
  for (int e : ck)
    if ((req_.from < 0 || e >= req_.from) && (req_.to < 0 || e <= req_.to)) epochs_.push_back(e);
  if (epochs_.empty()) return tr("no checkpoint between epochs %1 and %2").arg(req_.from).arg(req_.to);
  const QFileInfo out(req_.out);
  if (!out.absoluteDir().exists()) return tr("%1: the folder does not exist").arg(req_.out);
  part_ = out.absoluteDir().filePath("." + out.fileName() + ".part");
  ffmpeg_.setProcessChannelMode(QProcess::SeparateChannels);
  ffmpeg_.start("ffmpeg", ffmpegArguments(req_, part_));
  if (!ffmpeg_.waitForStarted(10000)) {
    part_.clear();
    return tr("cannot start ffmpeg (%1): install Debian's ffmpeg package").arg(ffmpeg_.errorString());
  }
  connect(&ffmpeg_, &QProcess::finished, this, [this](int code, QProcess::ExitStatus status) {
    if (done_) return;
    if (at_ < epochs_.size()) {  // ended before its input did
      const QString err = QString::fromUtf8(ffmpeg_.readAllStandardError()).trimmed().section('\n', -1);
      return finish(tr("ffmpeg stopped: %1").arg(err.isEmpty() ? tr("exit code %1").arg(code) : err));
    }
    if (status != QProcess::NormalExit || code != 0) {
      const QString err = QString::fromUtf8(ffmpeg_.readAllStandardError()).trimmed().section('\n', -1);
      return finish(tr("ffmpeg failed: %1").arg(err.isEmpty() ? tr("exit code %1").arg(code) : err));
    }
    QFile::remove(req_.out);
    if (!QFile::rename(part_, req_.out)) return finish(tr("%1: cannot write the file").arg(req_.out));
    part_.clear();
    finish({});
  });
  CheckpointViews* v = viewer_->views();
  links_.push_back(connect(v, &CheckpointViews::snapshotShown, this, [this](int e) {
    if (!req_.needsChecks) shown(e);
  }));
  links_.push_back(connect(v, &CheckpointViews::checksShown, this, [this](int e) {
    if (req_.needsChecks) shown(e);
  }));
  clock_.start();
  QTimer::singleShot(0, this, &AnimationExport::next);
  return {};
}

void AnimationExport::cancel() {
  if (done_) return;
  finish(tr("cancelled"));
}

void AnimationExport::next() {
  if (done_) return;
  if (at_ >= epochs_.size()) {
    ffmpeg_.closeWriteChannel();  // ffmpeg ends the file and exits: finished() above
    return;
  }
  const int e = epochs_[at_];
  const CheckpointViews* v = viewer_->views();
  waiting_ = true;
  if ((req_.needsChecks ? v->shownChecksEpoch() : v->shownEpoch()) == e && viewer_->scrubber()->epoch() == e)
    return shown(e);
  viewer_->scrubber()->setEpoch(e);
}

void AnimationExport::shown(int epoch) {
  if (done_ || !waiting_ || at_ >= epochs_.size() || epoch != epochs_[at_]) return;
  waiting_ = false;
  // The views replot queued: draw once their new data is laid out.
  QTimer::singleShot(0, this, &AnimationExport::writeFrame);
}

void AnimationExport::writeFrame() {
  if (done_) return;
  if (!target_) return finish(tr("the view was closed"));
  QImage frame = renderWidget(target_, req_.size);
  {  // the epoch in the corner: a view alone does not say which checkpoint it shows
    QPainter p(&frame);
    QFont f = target_->font();
    f.setPixelSize(std::max(11, req_.size.height() / 40));
    f.setBold(true);
    p.setFont(f);
    const QString text = tr("epoch %1").arg(epochs_[at_]);
    const QRect box =
        p.fontMetrics().boundingRect(text).adjusted(-4, -2, 4, 2).translated(6, 6 + p.fontMetrics().ascent());
    p.fillRect(box, QColor(255, 255, 255, 200));
    p.setPen(Qt::black);
    p.drawText(box, Qt::AlignCenter, text);
  }
  frame = frame.convertToFormat(QImage::Format_RGB888);
  for (int y = 0; y < frame.height(); y++)  // rows one by one: a QImage row may be padded
    ffmpeg_.write(reinterpret_cast<const char*>(frame.constScanLine(y)), 3 * frame.width());
  ++at_;
  emit progress(static_cast<int>(at_), frames());
  if (ffmpeg_.bytesToWrite() <= kMaxUnread) return next();
  auto link = std::make_shared<QMetaObject::Connection>();
  *link = connect(&ffmpeg_, &QProcess::bytesWritten, this, [this, link] {
    if (ffmpeg_.bytesToWrite() > kMaxUnread) return;
    disconnect(*link);
    next();
  });
}

void AnimationExport::finish(const QString& error) {
  if (done_) return;
  done_ = true;
  for (const auto& c : links_) disconnect(c);
  links_.clear();
  if (ffmpeg_.state() != QProcess::NotRunning) ffmpeg_.kill(), ffmpeg_.waitForFinished(3000);
  if (!part_.isEmpty()) QFile::remove(part_), part_.clear();
  emit finished(error.isEmpty() ? QString() : tr("%1: %2").arg(req_.out, error));
}

}  // namespace grok
