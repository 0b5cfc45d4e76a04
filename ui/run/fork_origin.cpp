#include "ui/run/fork_origin.h"

#include <QFileInfo>
#include <QObject>

#include "core/store/run_store.h"

namespace grok {

QString ForkOrigin::parentName() const { return QFileInfo(parent).fileName(); }

bool ForkOrigin::parentExists() const { return isFork() && QFileInfo(parent).isFile(); }

QString ForkOrigin::describe() const {
  if (!isFork()) return {};
  return QObject::tr("forked from %1 at epoch %2 (optimizer: %3)").arg(parentName()).arg(epoch).arg(optimizer);
}

ForkOrigin forkOrigin(const RunStore& store) {
  ForkOrigin o;
  o.parent = QString::fromStdString(store.meta("parent"));
  if (!o.isFork()) return o;
  bool ok = false;
  o.epoch = QString::fromStdString(store.meta("parent_epoch")).toInt(&ok);
  if (!ok) o.epoch = -1;
  o.optimizer = QString::fromStdString(store.meta("optimizer_state"));
  return o;
}

QString runOriginLine(const QString& path) {
  try {
    const RunStore store = RunStore::open(path.toStdString());
    if (const ForkOrigin f = forkOrigin(store); f.isFork()) return f.describe();
    const QString imported = QString::fromStdString(store.meta("imported_from"));
    if (!imported.isEmpty()) return QObject::tr("imported from %1").arg(QFileInfo(imported).fileName());
    return QObject::tr("trained here");
  } catch (const std::exception&) {
    return {};
  }
}

ForkOrigin readForkOrigin(const QString& path) {
  try {
    return forkOrigin(RunStore::open(path.toStdString()));
  } catch (const std::exception&) {
    return {};
  }
}

}  // namespace grok
