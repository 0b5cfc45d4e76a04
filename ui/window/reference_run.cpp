#include "ui/window/reference_run.h"

#include <QFileInfo>
#include <utility>

#include "core/base/task.h"

namespace grok {

ReferenceRun::ReferenceRun(QObject* parent) : QObject(parent) {
  timer_.setInterval(2000);
  connect(&timer_, &QTimer::timeout, this, [this] {
    if (poll()) emit changed();
  });
}

QString ReferenceRun::name() const { return QFileInfo(path_).fileName(); }

QString ReferenceRun::set(const QString& path) {
  const RunFileStamp stamp = RunFileStamp::of(path);  // before reading: a commit meanwhile is read at the next poll
  RunContents run;
  try {
    run = loadRunContents(path, std::nullopt);  // the live measures
  } catch (const std::exception& e) {
    return QString::fromStdString(e.what());
  }
  path_ = path;
  stamp_ = stamp;
  run_ = std::move(run);
  timer_.start();
  emit changed();
  return {};
}

void ReferenceRun::clear() {
  if (!active()) return;
  timer_.stop();
  path_.clear();
  stamp_ = {};
  run_ = {};
  emit changed();
}

bool ReferenceRun::poll() {
  if (!active()) return false;
  const RunFileStamp now = RunFileStamp::of(path_);
  if (now == stamp_) return false;
  stamp_ = now;  // a file that cannot be read now is tried again when it changes again
  try {
    // The same run, grown: only the epochs added; another run made over the path: all of it.
    RunTail t = loadRunTail(path_, std::nullopt, shownOf(run_));  // the live measures
    if (t.replaced)
      run_ = loadRunContents(path_, std::nullopt);
    else
      appendTail(run_, std::move(t));
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

ReferenceDescription describeReference(const Config& open, const Config& reference, const QString& referencePath,
                                       const QString& title) {
  ReferenceDescription d;
  QStringList values;
  for (const ConfigField& f : config_fields()) {
    const std::string a = config_value_text(open, f), b = config_value_text(reference, f);
    if (a == b) continue;
    d.fields << f.name;
    values << QObject::tr("%1: %2 here, %3 in the reference")
                  .arg(f.name, QString::fromStdString(a), QString::fromStdString(b));
  }
  const Task here(open), there(reference);
  d.differentTask = here != there;
  const QString name = QFileInfo(referencePath).fileName();
  d.line = title.isEmpty() ? QObject::tr("Reference: %1").arg(name) : title;
  if (d.differentTask)
    d.line += QObject::tr(" · a different task (%1 here, %2 in the reference)")
                  .arg(QString::fromStdString(here.describe()), QString::fromStdString(there.describe()));
  if (d.fields.isEmpty()) {
    d.line += QObject::tr(" · the same settings");
  } else {
    constexpr int kShown = 4;  // the status bar has room for a few; the tooltip lists them all
    QStringList shown = d.fields.mid(0, kShown);
    if (d.fields.size() > kShown) shown << QObject::tr("%1 more").arg(d.fields.size() - kShown);
    d.line += QObject::tr(" · differs in %1").arg(shown.join(", "));
  }
  d.details = QObject::tr("Reference run (dashed curves): %1").arg(referencePath);
  if (!values.isEmpty()) d.details += "\n" + values.join("\n");
  return d;
}

}  // namespace grok
