// File > Open recent: the last eight run files opened, newest first, kept in the settings.
//
//   auto* recent = new RecentRunsMenu(tr("Open &recent"), fileMenu);
//   connect(recent, &RecentRunsMenu::openRequested, window, &MainWindow::openRun);
//   recent->add("/runs/mainline.grok");
//
// Threading: GUI thread only.
#pragma once

#include <QMenu>

namespace grok {

class RecentRunsMenu : public QMenu {
  Q_OBJECT
 public:
  RecentRunsMenu(const QString& title, QWidget* parent);
  void add(const QString& path);

 signals:
  void openRequested(const QString& path);

 private:
  void rebuild();
};

}  // namespace grok
