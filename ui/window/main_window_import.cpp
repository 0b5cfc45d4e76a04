// MainWindow's PyTorch interchange (core/transfer/transfer.h): File > Export checkpoint for
// PyTorch... at the scrubbed epoch, and opening a .pt/.pth (File > Open, a drop, the command line)
// through the import dialog, the import running on a thread of its own.
#include <QAction>
#include <QApplication>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenuBar>
#include <QMessageBox>
#include <QPointer>
#include <QProgressDialog>
#include <QStatusBar>
#include <memory>

#include "core/store/run_file_error.h"
#include "core/transfer/transfer.h"
#include "ui/checkpoint/epoch_scrubber.h"
#include "ui/jobs/job_runner.h"
#include "ui/run/import_dialog.h"
#include "ui/window/main_window.h"
#include "ui/window/run_viewer.h"

namespace grok {

namespace {

// The save dialog's filters, each a format and a scope.
struct ExportChoice {
  const char* filter;
  PtLayout layout;
  bool all;
};
const ExportChoice kChoices[] = {
    {QT_TRANSLATE_NOOP("MainWindow", "The authors' state_dict, this checkpoint (*.pt)"), PtLayout::Authors, false},
    {QT_TRANSLATE_NOOP("MainWindow", "TransformerLens HookedTransformer, this checkpoint (*.pt)"),
     PtLayout::TransformerLens, false},
    {QT_TRANSLATE_NOOP("MainWindow", "Every checkpoint, authors' layout, like full_run_data (*.pth)"),
     PtLayout::Authors, true},
    {QT_TRANSLATE_NOOP("MainWindow", "Every checkpoint, TransformerLens layout (*.pth)"), PtLayout::TransformerLens,
     true},
};

}  // namespace

bool isPyTorchCheckpoint(const QString& path) {
  const QString s = QFileInfo(path).suffix().toLower();
  return s == "pt" || s == "pth";
}

void MainWindow::buildInterchangeActions(QMenu* file) {
  exportPtAction_ = file->addAction(tr("Export checkpoint for &PyTorch..."), this, [this] {
    const int epoch = viewer_->scrubber()->epoch();
    const QFileInfo run(runPath());
    QStringList filters;
    for (const ExportChoice& c : kChoices) filters << tr(c.filter);
    QString chosen = filters[0];
    QString path = QFileDialog::getSaveFileName(
        this, tr("Export checkpoint for PyTorch"),
        run.absolutePath() + "/" + run.completeBaseName() + QString("-e%1.pt").arg(epoch), filters.join(";;"), &chosen);
    if (path.isEmpty()) return;
    const ExportChoice& c = kChoices[std::max<qsizetype>(0, filters.indexOf(chosen))];
    if (QFileInfo(path).suffix().isEmpty()) path += c.all ? ".pth" : ".pt";
    if (const QString err = exportCheckpoint(path, c.layout, c.all); !err.isEmpty())
      error(tr("Cannot export checkpoint"), err);
  });
  exportPtAction_->setObjectName("export-pytorch");
  auto update = [this] {
    const bool can = !runPath().isEmpty() && viewer_->scrubber()->epoch() >= 0;
    exportPtAction_->setEnabled(can);
    exportPtAction_->setToolTip(can ? tr("The checkpoint at epoch %1 as a .pt file that torch.load(f, "
                                         "weights_only=True) opens (docs/interchange.md)")
                                          .arg(viewer_->scrubber()->epoch())
                                    : tr("Open a run with a checkpoint to export it"));
  };
  connect(viewer_, &RunViewer::opened, this, update);
  connect(viewer_->scrubber(), &EpochScrubber::epochChanged, this, update);
  update();
}

QString MainWindow::exportCheckpoint(const QString& path, PtLayout layout, bool all) {
  const int epoch = viewer_->scrubber()->epoch();
  if (runPath().isEmpty() || epoch < 0) return tr("Open a run with a checkpoint to export it.");
  QApplication::setOverrideCursor(Qt::WaitCursor);
  QString err;
  try {
    ExportPtOptions opt;
    opt.layout = layout;
    opt.all = all;
    if (!all) opt.epoch = epoch;
    // Every checkpoint of a long run is ~100 MB to write: off the GUI thread.
    const ExportPtResult r =
        runAndWait<ExportPtResult>(*jobs_, [run = runPath().toStdString(), opt, out = path.toStdString()](JobControl&) {
          return export_pt(run, opt, out);
        });
    statusBar()->showMessage(
        all ? tr("Wrote %1: %2 checkpoints, %3 layout").arg(path).arg(r.epochs.size()).arg(to_string(layout))
            : tr("Wrote %1: checkpoint %2, %3 layout").arg(path).arg(epoch).arg(to_string(layout)),
        10000);
  } catch (const std::exception& e) {
    err = QString::fromStdString(e.what());
  }
  QApplication::restoreOverrideCursor();
  return err;
}

ImportDialog* MainWindow::importCheckpoint(const QString& file, bool quiet) {
  if (training()) return error(tr("Cannot open"), tr("Stop training before opening another run.")), nullptr;
  ImportPtResult plan;
  try {
    QApplication::setOverrideCursor(Qt::WaitCursor);
    // Reading a large or hostile file takes a while: off the GUI thread, the window painting.
    plan = runAndWait<ImportPtResult>(*jobs_, [f = file.toStdString()](JobControl&) { return plan_import(f, {}); });
    QApplication::restoreOverrideCursor();
  } catch (const std::exception& e) {
    QApplication::restoreOverrideCursor();
    lastError_ = QString::fromStdString(e.what());
    if (!quiet) error(tr("Cannot open checkpoint"), lastError_);
    return nullptr;
  }
  auto* d = new ImportDialog(file, plan, this);
  d->setAttribute(Qt::WA_DeleteOnClose);
  connect(d, &QDialog::accepted, this, [this, d, file] {
    const QString out = d->outputPath();
    std::vector<std::string> sets;
    for (const QString& s : d->settings()) sets.push_back(s.toStdString());
    auto* progress = new QProgressDialog(tr("Importing %1...").arg(QFileInfo(file).fileName()), QString(), 0,
                                         static_cast<int>(d->property("checkpoints").toInt()), this);
    progress->setWindowModality(Qt::WindowModal);
    progress->setMinimumDuration(300);
    progress->setAttribute(Qt::WA_DeleteOnClose);
    // The import computes every checkpoint's metrics and measures: seconds for a long run, as a
    // job (ui/jobs/job_runner.h); its progress and result arrive only while this window exists.
    const QPointer<QProgressDialog> bar = progress;
    auto finish = [this, out, bar](const QString& err) {
      if (bar) bar->close();
      if (err.isEmpty() && openRun(out)) statusBar()->showMessage(tr("Imported into %1").arg(out), 10000);
      if (!err.isEmpty()) error(tr("Cannot import checkpoint"), err);
      emit imported(out, err.isEmpty() ? lastError_ : err);
    };
    jobs_->run(
        this,
        [file = file.toStdString(), sets, out = out.toStdString()](JobControl& c) {
          // Closing the window stops it at the next checkpoint; a new file goes, an old run stays.
          import_pt(file, sets, out, /*overwrite=*/true, [&c](int done, int total) {
            if (c.cancelled()) throw std::runtime_error("import cancelled");
            c.progress(done, total);
          });
        },
        [finish] { finish(QString()); }, finish,
        [bar](int done, int total) {
          if (!bar) return;
          bar->setMaximum(total);
          bar->setValue(done);
        });
  });
  d->setProperty("checkpoints", static_cast<int>(plan.epochs.size()));
  d->open();
  return d;
}

}  // namespace grok
