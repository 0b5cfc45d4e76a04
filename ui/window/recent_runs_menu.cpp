#include "ui/window/recent_runs_menu.h"

#include <QFileInfo>
#include <QSettings>

namespace grok {

namespace {
constexpr int kMaxRecent = 8;
}  // namespace

RecentRunsMenu::RecentRunsMenu(const QString& title, QWidget* parent) : QMenu(title, parent) { rebuild(); }

void RecentRunsMenu::add(const QString& path) {
  QSettings s;
  QStringList recent = s.value("recent").toStringList();
  const QString full = QFileInfo(path).absoluteFilePath();
  recent.removeAll(full);
  recent.prepend(full);
  while (recent.size() > kMaxRecent) recent.removeLast();
  s.setValue("recent", recent);
  rebuild();
}

void RecentRunsMenu::rebuild() {
  clear();
  const QStringList recent = QSettings().value("recent").toStringList();
  for (const QString& p : recent)
    addAction(QFileInfo(p).fileName(), this, [this, p] { emit openRequested(p); })->setToolTip(p);
  setEnabled(!recent.isEmpty());
}

}  // namespace grok
