// The run panel (a dock): preset, then every field of core's config table (core/base/config.h
// config_fields(): a combo box for a choice, a line edit otherwise, with its help and range as
// tooltip) in sections by topic (task, model, optimiser, regularisation and recipes, schedule),
// showing those the chosen task, model family and recipe read, validated as you type by core's
// own rules; the run file; Start /
// Pause / Stop / Resume; progress with epochs/s and ETA. It only edits and reports; the training
// controller (ui/run/training_controller.h) owns training.
//
// Two modes. A new run: the preset's fields, editable, and Start. An open run (showRun): that
// run's own settings, read-only, with where it came from (its recipes, the run it was forked from
// or the file it was imported from) and "New run from these settings", which makes them the form
// of a new run: a user never reads a preset's settings beside a run trained with others.
//
//   RunPanel panel;
//   panel.setConfig(preset("quick").config);
//   panel.setField("eps", "1e-6");            // as if typed
//   std::optional<Config> c = panel.config();  // nullopt: panel.error() names the field
//
// Threading: GUI thread only.
#pragma once

#include <QMap>
#include <QString>
#include <QWidget>
#include <optional>

#include "core/base/config.h"
#include "ui/run/training_state.h"

class QCheckBox;
class QComboBox;
class QLineEdit;
class QLabel;
class QPushButton;
class QProgressBar;

namespace grok {

class RunPanel : public QWidget {
  Q_OBJECT
 public:
  explicit RunPanel(QWidget* parent = nullptr);
  // The config the fields describe, or nullopt with error() saying which field is wrong.
  std::optional<Config> config() const;
  void setConfig(const Config& c);  // every field, as a preset does
  // The open run's settings, read-only; `origin` says where it came from (fork_origin.h).
  void showRun(const QString& path, const Config& c, const QString& origin);
  // Back to the form of a new run, with the settings shown (a fresh run file beside the old one).
  void newRunFromShown();
  // Back to the new-run form as it was when a run was first shown over it (preset, fields, run
  // file): opening a run, or the guided tour, never loses what the user was setting up.
  void backToForm();
  bool hasFormBehind() const { return behind_.has_value(); }
  bool showingRun() const { return !shownRun_.isEmpty(); }
  QString shownRun() const { return shownRun_; }
  QLabel* runHeader() const { return run_header_; }
  QString error() const { return error_; }
  QString runPath() const;
  QString presetName() const;
  bool selectPreset(const QString& name);  // false if there is no such preset
  // As if typed: a config field by its JSON name, or "path" for the run file.
  void setField(const QString& key, const QString& value);
  // The editor of a config field (QComboBox or QLineEdit), nullptr if the panel has none.
  QWidget* fieldEditor(const QString& name) const { return editors_.value(name); }

  using State = TrainingState;
  void setState(State s, bool resumable = false);
  void setProgress(int epoch, int target, double epochs_per_second);

 signals:
  void startRequested();
  void pauseRequested(bool pause);
  void stopRequested();
  void resumeRequested();

 private:
  QString fieldText(const ConfigField& f) const;
  // The config of the fields; on a problem, the message and the name of the field it is about.
  std::optional<Config> read(QString* error, QString* field) const;
  void validateFields();
  QComboBox* preset_;
  QMap<QString, QWidget*> editors_;  // config field name -> QComboBox (choices) or QLineEdit
  QLineEdit* path_;
  QLabel *error_label_, *progress_label_, *run_header_;
  QPushButton *start_, *pause_, *stop_, *resume_, *new_from_, *back_;
  QString shownRun_;  // the open run shown read-only; "" in the new-run form
  struct Form {       // the new-run form under an open run (showRun)
    int preset = -1;
    QMap<QString, QString> fields;
    QString path;
  };
  std::optional<Form> behind_;
  QProgressBar* progress_;
  QCheckBox* show_unused_;
  QString error_;
  State state_ = State::Idle;
  bool resumable_ = false;
};

}  // namespace grok
