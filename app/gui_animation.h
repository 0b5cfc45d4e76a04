// `grokking RUN --export-animation OUT.mp4 [--view NAME] [--from E] [--to E] [--fps N] [--size WxH]`:
// the window's File > Export animation... from the command line (ui/window/animation_export.h), a
// frame per checkpoint in the range, progress on stderr, then exit: 0 written, 1 failed, 2 refused.
#pragma once

#include <QCommandLineOption>
#include <QCommandLineParser>

namespace grok {

class MainWindow;

struct AnimationOptions {
  QCommandLineOption out{"export-animation",
                         "With a run file: write an animation of --view over its checkpoints to OUT (.mp4, .webm or "
                         ".gif, through ffmpeg), one frame a checkpoint, then exit.",
                         "OUT"};
  QCommandLineOption view{"view",
                          "With --export-animation: the view, by its dock name (loss, measures, numerics, mechanism, "
                          "we, wl, neurons, attention, logits, checks, prediction) or dashboard (default).",
                          "NAME", "dashboard"};
  QCommandLineOption from{"from", "With --export-animation: the first epoch (default: the first checkpoint).", "E"};
  QCommandLineOption to{"to", "With --export-animation: the last epoch (default: the last checkpoint).", "E"};
  QCommandLineOption fps{"fps", "With --export-animation: frames per second (default 10).", "N", "10"};
  QCommandLineOption size{"size", "With --export-animation: the frame size (default: the view's size on screen).",
                          "WxH"};
  void add(QCommandLineParser& p) const { p.addOptions({out, view, from, to, fps, size}); }
};

// Checks the options and starts the export once the run is open in `w`: 0 when started (the
// event loop exits when it ends), or 2 after printing one line naming the problem.
int startAnimationExport(MainWindow& w, const QCommandLineParser& p, const AnimationOptions& o);

}  // namespace grok
