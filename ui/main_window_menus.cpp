// MainWindow's menus: opening runs (and the recent-files list), figure, dashboard and CSV export,
// and the View menu (docks, playback). The rest of the window is in main_window.cpp.
#include <QAction>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenuBar>
#include <QSettings>
#include <QStatusBar>
#include <QTextStream>
#include <cmath>

#include "ui/epoch_scrubber.h"
#include "ui/figure_export.h"
#include "ui/main_window.h"
#include "ui/series_view.h"

namespace grok {

namespace {
constexpr int kMaxRecent = 8;
}  // namespace

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  file->addAction(tr("&Open run..."), QKeySequence::Open, this, [this] {
    const QString p = QFileDialog::getOpenFileName(this, tr("Open run"), QFileInfo(path_).absolutePath(),
                                                   tr("Grokking runs (*.grok);;All files (*)"));
    if (!p.isEmpty()) openRun(p);
  });
  recentMenu_ = file->addMenu(tr("Open &recent"));
  updateRecentMenu();
  file->addSeparator();
  file->addAction(tr("&Export dashboard..."), QKeySequence(Qt::CTRL | Qt::Key_E), this, [this] {
    QSettings s;
    const QString p =
        QFileDialog::getSaveFileName(this, tr("Export dashboard"), s.value("export/dir").toString() + "/dashboard.png",
                                     tr("PNG image (*.png);;SVG vector (*.svg);;PDF (*.pdf)"));
    if (p.isEmpty()) return;
    s.setValue("export/dir", QFileInfo(p).absolutePath());
    const QString err = exportDashboard(p);
    if (!err.isEmpty()) error(tr("Export failed"), err);
  });
  file->addAction(tr("Export &all figures..."), this, [this] {
    const QString d = QFileDialog::getExistingDirectory(this, tr("Export all figures to"),
                                                        QSettings().value("export/dir").toString());
    if (d.isEmpty()) return;
    const QString err = exportAllFigures(d);
    if (!err.isEmpty())
      error(tr("Export failed"), err);
    else
      statusBar()->showMessage(tr("Exported %1 figures to %2").arg(figures_.size()).arg(d), 5000);
  });
  QMenu* one = file->addMenu(tr("Export &figure"));
  for (auto it = figures_.begin(); it != figures_.end(); ++it) {
    QWidget* w = it.value();
    one->addAction(it.key(), this, [this, w] { exportFigureDialog(w, this); });
  }
  file->addAction(tr("Export metrics as &CSV (visible epochs)..."), this, [this] {
    const QString p = QFileDialog::getSaveFileName(
        this, tr("Export metrics"), QSettings().value("export/dir").toString() + "/metrics.csv", tr("CSV (*.csv)"));
    if (p.isEmpty()) return;
    QFile f(p);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
      return error(tr("Export failed"), tr("%1: cannot write the file").arg(p));
    QTextStream out(&f);
    const QCPRange r = lossView_->xAxis->range();
    out << "epoch,train_loss,train_acc,test_loss,test_acc\n";
    for (const EpochMetrics& m : metrics_) {
      if (m.epoch < r.lower || m.epoch > r.upper) continue;
      out << m.epoch << ',' << QString::number(m.train_loss, 'g', 9) << ',' << m.train_acc << ',';
      if (!std::isnan(m.test_loss))
        out << QString::number(m.test_loss, 'g', 9) << ',' << m.test_acc;
      else
        out << ',';
      out << '\n';
    }
  });
  file->addSeparator();
  file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);
  QMenu* view = menuBar()->addMenu(tr("&View"));
  for (QDockWidget* d : findChildren<QDockWidget*>()) view->addAction(d->toggleViewAction());
  view->addSeparator();
  QAction* play = view->addAction(tr("Play / pause checkpoints"), scrubber_, &EpochScrubber::togglePlay);
  play->setShortcut(Qt::Key_Space);
  view->addAction(tr("Previous checkpoint"), QKeySequence(Qt::Key_Left), scrubber_, [this] { scrubber_->step(-1); });
  view->addAction(tr("Next checkpoint"), QKeySequence(Qt::Key_Right), scrubber_, [this] { scrubber_->step(+1); });
  view->addAction(tr("Fit all curves to their data"), this, [this] {
    for (SeriesView* v : seriesViews_) v->setFollow(true), v->refresh();
  });
}

void MainWindow::rememberRecent(const QString& path) {
  QSettings s;
  QStringList recent = s.value("recent").toStringList();
  recent.removeAll(QFileInfo(path).absoluteFilePath());
  recent.prepend(QFileInfo(path).absoluteFilePath());
  while (recent.size() > kMaxRecent) recent.removeLast();
  s.setValue("recent", recent);
  updateRecentMenu();
}

void MainWindow::updateRecentMenu() {
  recentMenu_->clear();
  const QStringList recent = QSettings().value("recent").toStringList();
  for (const QString& p : recent)
    recentMenu_->addAction(QFileInfo(p).fileName(), this, [this, p] { openRun(p); })->setToolTip(p);
  recentMenu_->setEnabled(!recent.isEmpty());
}

QString MainWindow::exportDashboard(const QString& path) {
  // Everything the user sees at the current epoch, as one figure.
  return exportWidget(this, path, 1.0);
}

QString MainWindow::exportAllFigures(const QString& dir) {
  for (auto it = figures_.begin(); it != figures_.end(); ++it)
    for (const char* ext : {"png", "svg"}) {
      const QString err = exportWidget(it.value(), dir + "/" + it.key() + "." + ext, 2.0);
      if (!err.isEmpty()) return err;
    }
  return {};
}

}  // namespace grok
