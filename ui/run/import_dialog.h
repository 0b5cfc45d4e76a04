// Opening a PyTorch checkpoint (File > Open of a .pt/.pth, a drop, the command line): what the
// file holds, read by core's reader that runs nothing (core/transfer/transfer.h), and what it
// cannot say. The shape comes from the tensors; the task (operation, training fraction, split
// seed) from the file's config when it has one, else it is the mainline's, which the dialog says
// and lets the user change. OK writes a run file beside the checkpoint, which the window opens.
//
//   ImportDialog d("full_run_data.pth", plan_import("full_run_data.pth", {}));
//   d.setField("seed", "598");
//   d.settings();    // {"operation=add", "train_fraction=0.3", "seed=598"}
//   d.outputPath();  // ".../full_run_data.grok"
//
// Threading: GUI thread only. It only edits; the main window imports once it is accepted.
#pragma once

#include <QDialog>
#include <QMap>
#include <QStringList>

#include "core/transfer/transfer.h"

class QLabel;
class QLineEdit;
class QPushButton;

namespace grok {

class ImportDialog : public QDialog {
  Q_OBJECT
 public:
  ImportDialog(const QString& file, const ImportPtResult& plan, QWidget* parent = nullptr);
  QStringList settings() const;  // "key=value" for the task's fields, as import's --set
  QString outputPath() const;
  QString error() const { return error_; }                  // why OK is disabled, "" when it is not
  void setField(const QString& key, const QString& value);  // a task field, or "path"
  QPushButton* okButton() const { return ok_; }
  // <checkpoint's folder>/<its name>.grok, with -2, -3... if that exists.
  static QString defaultPath(const QString& file);

 private:
  void validate();
  ImportPtResult plan_;
  QMap<QString, QWidget*> editors_;
  QLineEdit* path_ = nullptr;
  QLabel* message_ = nullptr;
  QPushButton* ok_ = nullptr;
  QString error_;
};

}  // namespace grok
