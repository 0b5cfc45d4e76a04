// The run panel (a dock): preset, operation and every hyperparameter, validated as you type by
// core's own config rules; the run file; Start / Pause / Stop / Resume; progress with epochs/s and
// ETA. It only edits and reports; the main window owns the training thread.
#pragma once

#include <QMap>
#include <QWidget>
#include <optional>

#include "core/base/config.h"

class QComboBox;
class QLineEdit;
class QLabel;
class QPushButton;
class QProgressBar;
class QFormLayout;

namespace grok {

class RunPanel : public QWidget {
  Q_OBJECT
 public:
  explicit RunPanel(QWidget* parent = nullptr);
  // The config the fields describe, or nullopt with error() saying which field is wrong.
  std::optional<Config> config() const;
  QString error() const { return error_; }
  QString runPath() const;
  QString presetName() const;
  bool selectPreset(const QString& name);  // false if there is no such preset
  void setField(const QString& key, const QString& value);  // as if typed

  enum class State { Idle, Training, Paused, Stopping };
  void setState(State s, bool resumable = false);
  void setProgress(int epoch, int target, double epochs_per_second);

 signals:
  void startRequested();
  void pauseRequested(bool pause);
  void stopRequested();
  void resumeRequested();

 private:
  void loadConfig(const Config& c);
  void validateFields();
  QComboBox *preset_, *operation_, *regularizer_;
  QMap<QString, QLineEdit*> fields_;
  QLineEdit* path_;
  QLabel *error_label_, *progress_label_;
  QPushButton *start_, *pause_, *stop_, *resume_;
  QProgressBar* progress_;
  QString error_;
  State state_ = State::Idle;
  bool resumable_ = false;
};

}  // namespace grok
