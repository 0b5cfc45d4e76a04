// "Fork from here...": a new run from the scrubbed checkpoint of the open run, with settings changed
// (core/training/trainer.h Trainer::fork). It shows the epoch forked and whether the optimizer's
// moments carry over (only the parent's newest checkpoint keeps them), every config field of the
// parent to edit (those a fork keeps disabled, their tooltips saying why), quick toggles for the
// common forks (a smaller training set: Varma et al.'s ungrokking; weight decay off; a recipe on),
// the file to write, and core's own one-line verdict (fork_config) as you type: OK only without one.
//
//   ForkDialog d("base.grok", cfg, /*epoch=*/600, /*newest=*/1000);
//   d.toggle("no-weight-decay")->setChecked(true);  // weight_decay=0
//   d.setField("train_fraction", "0.2");            // as if typed
//   d.changes();     // {"train_fraction=0.2", "weight_decay=0"}: what differs from the parent
//   d.outputPath();  // ".../base-fork-e600.grok", beside the parent
//
// Threading: GUI thread only. It only edits; the main window forks once it is accepted.
#pragma once

#include <QDialog>
#include <QMap>
#include <QStringList>
#include <optional>
#include <vector>

#include "core/base/config.h"

class QCheckBox;
class QGridLayout;
class QLabel;
class QLineEdit;
class QPushButton;

namespace grok {

class ForkDialog : public QDialog {
  Q_OBJECT
 public:
  // `epoch`: the parent's checkpoint to fork; `newest`: its newest, the only one with optimizer state.
  ForkDialog(const QString& parentPath, const Config& parentCfg, int epoch, int newest, QWidget* parent = nullptr);
  int epoch() const { return epoch_; }
  bool carriesOptimizer() const { return epoch_ == newest_; }
  // "key=value" for every field whose text differs from the parent's, in config_fields() order.
  QStringList changes() const;
  QString outputPath() const;
  std::optional<Config> config() const;  // the fork's, nullopt while error() says why not
  QString error() const { return error_; }
  // As if typed: a config field by its JSON name, or "path" for the fork's file.
  void setField(const QString& key, const QString& value);
  QWidget* fieldEditor(const QString& name) const { return editors_.value(name); }
  // The quick toggles: "smaller-train-set", "no-weight-decay", "grokfast", "stablemax", "orthogonal".
  QCheckBox* toggle(const QString& name) const { return toggles_.value(name); }
  QPushButton* okButton() const { return ok_; }
  QLabel* messageLabel() const { return message_; }  // the error, or what the fork changes
  // <parent's folder>/<parent's name>-fork-e<epoch>.grok, with -2, -3... if that exists.
  static QString defaultPath(const QString& parentPath, int epoch);

 private:
  struct Toggle {
    QString field, on, off;  // the field it sets, to `on` when checked, back to `off` when not
    bool below = false;      // checked while the field is below `off` (a smaller training set)
  };
  void addToggle(const QString& name, const QString& label, const QString& tip, Toggle t);
  void validate();
  QString fieldText(const QString& name) const;
  QString parentText(const QString& name) const;
  QString parentPath_;
  Config parentCfg_;
  int epoch_, newest_;
  QMap<QString, QWidget*> editors_;  // config field name -> editor (ui/run/config_editors.h)
  QMap<QString, QLabel*> labels_;
  QMap<QString, QCheckBox*> toggles_;
  QGridLayout* commonGrid_;
  QMap<QString, Toggle> toggleFields_;
  QLineEdit* path_;
  QLabel* message_;
  QPushButton* ok_;
  QString error_;
  bool syncing_ = false;  // toggles being set from the fields
};

}  // namespace grok
