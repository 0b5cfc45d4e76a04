#include "gui_animation.h"

#include <QApplication>
#include <QFileInfo>
#include <QRegularExpression>
#include <cstdio>

#include "ui/window/animation_export.h"
#include "ui/window/main_window.h"

namespace grok {

int startAnimationExport(MainWindow& w, const QCommandLineParser& p, const AnimationOptions& o) {
  const auto refuse = [](const QString& what) {
    std::fprintf(stderr, "--export-animation: %s\n", qPrintable(what));
    return 2;
  };
  if (w.runPath().isEmpty()) return refuse(QObject::tr("give a run file to animate"));
  AnimationRequest r;
  r.out = QFileInfo(p.value(o.out)).absoluteFilePath();
  bool ok = true;
  const auto number = [&](const QCommandLineOption& opt, const char* name, int fallback) {
    if (!p.isSet(opt) && opt.defaultValues().isEmpty()) return fallback;
    bool good = false;
    const int v = p.value(opt).toInt(&good);
    if (!good || v < 0)
      ok = false, refuse(QObject::tr("--%1: '%2' is not a whole number >= 0").arg(name, p.value(opt)));
    return v;
  };
  r.from = number(o.from, "from", -1);
  r.to = number(o.to, "to", -1);
  r.fps = number(o.fps, "fps", 10);
  if (!ok) return 2;
  if (p.isSet(o.size)) {
    const QRegularExpressionMatch m = QRegularExpression("^(\\d{1,5})x(\\d{1,5})$").match(p.value(o.size));
    if (!m.hasMatch()) return refuse(QObject::tr("--size: '%1' is not WIDTHxHEIGHT").arg(p.value(o.size)));
    r.size = QSize(m.captured(1).toInt(), m.captured(2).toInt());
  }
  QString err;
  AnimationExport* ex = w.exportAnimation(p.value(o.view), r, &err);
  if (!ex) return refuse(err);
  QObject::connect(ex, &AnimationExport::progress, ex, [](int done, int total) {
    std::fprintf(stderr, "\rframe %d/%d", done, total);
    if (done == total) std::fprintf(stderr, "\n");
  });
  QObject::connect(ex, &AnimationExport::finished, ex, [ex, out = r.out](const QString& e) {
    if (e.isEmpty())
      std::printf("wrote %s: %d frames in %.1f s\n", qPrintable(out), ex->frames(), ex->seconds());
    else
      std::fprintf(stderr, "\nerror: %s\n", qPrintable(e));
    QApplication::exit(e.isEmpty() ? 0 : 1);
  });
  return 0;
}

}  // namespace grok
