// MainWindow's animations (issue 27): File > Export animation... and what `grokking RUN
// --export-animation` calls. The frames and ffmpeg are AnimationExport's (animation_export.h);
// this file names the views that can be animated and asks the user for a range.
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDockWidget>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressDialog>
#include <QPushButton>
#include <QSpinBox>
#include <QStatusBar>

#include "ui/checkpoint/epoch_scrubber.h"
#include "ui/window/export_dialogs.h"
#include "ui/window/main_window.h"
#include "ui/window/run_viewer.h"

namespace grok {

QStringList MainWindow::animationViews() const {
  QStringList names;
  for (const QDockWidget* d : findChildren<QDockWidget*>()) {
    const QString name = d->objectName().mid(5);  // "dock-"
    if (name != "run" && name != "compare" && !d->isHidden()) names << name;
  }
  names.sort();
  return names << "dashboard";
}

AnimationExport* MainWindow::exportAnimation(const QString& view, AnimationRequest request, QString* error) {
  *error = {};
  if (training()) return *error = tr("stop training before exporting an animation"), nullptr;
  if (runPath().isEmpty()) return *error = tr("open a run to animate"), nullptr;
  QWidget* target = this;
  if (view != "dashboard") {
    auto* dock = findChild<QDockWidget*>("dock-" + view);
    if (!dock || view == "run" || view == "compare")
      return *error = tr("no view '%1' (one of: %2)").arg(view, animationViews().join(", ")), nullptr;
    if (dock->isHidden()) return *error = tr("this run's model has no '%1' view").arg(view), nullptr;
    dock->raise();  // a tab behind another draws nothing
    target = dock->widget();
  }
  request.needsChecks = view == "checks" || view == "dashboard";
  auto* ex = new AnimationExport(viewer_, target, request, this);
  if ((*error = ex->start()).isEmpty()) return ex;
  delete ex;
  return nullptr;
}

void MainWindow::buildAnimationAction(QMenu* file) {
  QAction* a = file->addAction(tr("Export a&nimation..."), this, [this] {
    const std::vector<int>& ck = viewer_->scrubber()->checkpoints();
    if (ck.empty()) return error(tr("Cannot export"), tr("Open a run with checkpoints to animate."));
    QDialog d(this);
    d.setObjectName("animation-dialog");
    d.setWindowTitle(tr("Export animation"));
    auto* form = new QFormLayout(&d);
    auto* view = new QComboBox;
    view->addItems(animationViews());
    view->setCurrentText("prediction");
    auto spin = [](int lo, int hi, int v) {
      auto* s = new QSpinBox;
      s->setRange(lo, hi);
      s->setValue(v);
      return s;
    };
    QSpinBox *from = spin(ck.front(), ck.back(), ck.front()), *to = spin(ck.front(), ck.back(), ck.back());
    QSpinBox *fps = spin(1, 120, 10), *w = spin(16, 7680, 1280), *h = spin(16, 4320, 720);
    auto* size = new QHBoxLayout;
    size->addWidget(w), size->addWidget(new QLabel("x")), size->addWidget(h);
    auto* file = new QLineEdit(QDir(exports_->startDir()).filePath("grokking.mp4"));
    auto* browse = new QPushButton(tr("..."));
    auto* fileRow = new QHBoxLayout;
    fileRow->addWidget(file, 1), fileRow->addWidget(browse);
    connect(browse, &QPushButton::clicked, &d, [&] {
      const QString p = QFileDialog::getSaveFileName(
          &d, tr("Animation file"), file->text(), tr("MP4 video (*.mp4);;WebM video (*.webm);;Animated GIF (*.gif)"));
      if (!p.isEmpty()) file->setText(p);
    });
    form->addRow(tr("View"), view);
    form->addRow(tr("From epoch"), from);
    form->addRow(tr("To epoch"), to);
    form->addRow(tr("Frames per second"), fps);
    form->addRow(tr("Frame size"), size);
    form->addRow(tr("File (.mp4, .webm, .gif)"), fileRow);
    auto* note = new QLabel(tr("One frame per checkpoint in the range, drawn as the window draws the view."));
    note->setWordWrap(true);
    form->addRow(note);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::accepted, &d, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &d, &QDialog::reject);
    if (d.exec() != QDialog::Accepted) return;
    QString err;
    AnimationExport* ex =
        exportAnimation(view->currentText(),
                        {file->text(), from->value(), to->value(), fps->value(), QSize(w->value(), h->value())}, &err);
    if (!ex) return error(tr("Cannot export the animation"), err);
    auto* bar =
        new QProgressDialog(tr("Rendering %1 frames...").arg(ex->frames()), tr("Cancel"), 0, ex->frames(), this);
    bar->setObjectName("animation-progress");
    bar->setWindowModality(Qt::WindowModal);
    bar->setMinimumDuration(0);
    connect(ex, &AnimationExport::progress, bar, &QProgressDialog::setValue);
    connect(bar, &QProgressDialog::canceled, ex, &AnimationExport::cancel);
    connect(ex, &AnimationExport::finished, this, [this, ex, bar, out = file->text()](const QString& e) {
      bar->deleteLater();
      ex->deleteLater();
      if (e.isEmpty())
        statusBar()->showMessage(
            tr("Exported %1 frames to %2 in %3 s").arg(ex->frames()).arg(out).arg(ex->seconds(), 0, 'f', 1), 8000);
      else if (!e.endsWith(tr("cancelled")))
        error(tr("Animation export failed"), e);
    });
  });
  a->setObjectName("export-animation");
}

}  // namespace grok
