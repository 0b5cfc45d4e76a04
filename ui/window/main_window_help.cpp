// MainWindow's help (issue 27): the help window, a "?" on every dock, What's This, F1 and the Help
// menu. The pages are resources (ui/help/help_pages.h); the tags follow the open run.
#include <QApplication>
#include <QCursor>
#include <QDockWidget>
#include <QMenuBar>
#include <QShortcut>
#include <QToolBar>
#include <QWhatsThis>

#include "ui/help/dock_help.h"
#include "ui/help/help_browser.h"
#include "ui/help/help_pages.h"
#include "ui/plots/figure.h"
#include "ui/window/guided_run.h"
#include "ui/window/main_window.h"
#include "ui/window/run_viewer.h"

namespace grok {

void MainWindow::buildHelp(QToolBar* scrubberBar) {
  help_ = new HelpBrowser(this);
  auto open = [this](const QString& key) { help_->showPage(key); };
  for (QDockWidget* d : findChildren<QDockWidget*>()) attachDockHelp(d, d->objectName().mid(5), open);  // "dock-"
  attachWhatsThis(scrubberBar, "scrubber", open);
  // A click on a plot focuses it, so that F1 knows which view is meant.
  for (Figure* f : findChildren<Figure*>())
    if (f->focusPolicy() == Qt::NoFocus) f->setFocusPolicy(Qt::ClickFocus);
  auto* f1 = new QShortcut(QKeySequence::HelpContents, this);
  connect(f1, &QShortcut::activated, this, &MainWindow::showHelpForFocus);

  QMenu* menu = menuBar()->addMenu(tr("&Help"));
  menu->addAction(tr("Watch grokking in two minutes"), this, &MainWindow::startGuidedRun)->setObjectName("guided-run");
  menu->addSeparator();
  menu->addAction(tr("The views, phase by phase"), this, [open] { open("index"); });
  menu->addAction(tr("Tasks and model families"), this, [open] { open("tasks"); });
  menu->addAction(tr("Help on the focused view"), QKeySequence::HelpContents, this, &MainWindow::showHelpForFocus)
      ->setShortcutContext(Qt::WidgetShortcut);  // F1 itself is the QShortcut above (any focus)
  QAction* whatsThis = QWhatsThis::createAction(this);
  whatsThis->setText(tr("What's This? (then click a view)"));
  menu->addAction(whatsThis);
  connect(viewer_, &RunViewer::opened, help_, [this] { help_->setTags(helpContextTags(viewer_->config())); });
}

GuidedRun* MainWindow::startGuidedRun() {
  if (GuidedRun* running = findChild<GuidedRun*>()) return running;
  auto* tour = new GuidedRun(this);
  if (const QString err = tour->start(); !err.isEmpty()) {
    delete tour;
    error(tr("Cannot start the tour"), err);
    return nullptr;
  }
  return tour;
}

void MainWindow::showHelpForFocus() {
  QString key = dockHelpKey(QApplication::focusWidget());
  if (key.isEmpty()) key = dockHelpKey(QApplication::widgetAt(QCursor::pos()));
  help_->showPage(key.isEmpty() ? "index" : key);
}

}  // namespace grok
