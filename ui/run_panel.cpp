#include "ui/run_panel.h"

#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QStandardPaths>
#include <QToolButton>
#include <QVBoxLayout>
#include <nlohmann/json.hpp>

#include "core/base/presets.h"

namespace grok {

namespace {
// Hyperparameters in the order shown, with a tooltip each.
const std::pair<const char*, const char*> kFields[] = {
    {"p", "modulus (odd): the task is (a op b) mod p"},
    {"train_fraction", "share of the p*p pairs used for training"},
    {"seed", "data split and initialisation seed"},
    {"n_layers", "transformer layers"},
    {"d_model", "residual stream width"},
    {"n_heads", "attention heads"},
    {"d_head", "width of each head"},
    {"d_mlp", "MLP neurons"},
    {"lr", "AdamW learning rate"},
    {"weight_decay", "AdamW weight decay (regulariser weight_decay)"},
    {"dropout", "MLP dropout probability (regulariser dropout)"},
    {"l1", "L1 coefficient (regulariser l1)"},
    {"beta1", "AdamW beta1"},
    {"beta2", "AdamW beta2"},
    {"warmup_steps", "linear learning-rate warm-up steps"},
    {"epochs", "full-batch steps to train"},
    {"checkpoint_interval", "epochs between checkpoints (what the scrubber steps through)"},
    {"test_interval", "epochs between test evaluations"},
};
}  // namespace

RunPanel::RunPanel(QWidget* parent) : QWidget(parent) {
  auto* outer = new QVBoxLayout(this);
  auto* form = new QFormLayout;
  preset_ = new QComboBox(this);
  for (const Preset& p : presets()) {
    preset_->addItem(QString::fromStdString(p.name), QString::fromStdString(p.name));
    preset_->setItemData(preset_->count() - 1, QString::fromStdString(p.description), Qt::ToolTipRole);
  }
  form->addRow(tr("Preset"), preset_);
  operation_ = new QComboBox(this);
  operation_->addItems({"add", "subtract", "multiply"});
  form->addRow(tr("Operation"), operation_);
  regularizer_ = new QComboBox(this);
  regularizer_->addItems({"weight_decay", "dropout", "l1"});
  form->addRow(tr("Regulariser"), regularizer_);
  for (const auto& [key, tip] : kFields) {
    auto* e = new QLineEdit(this);
    e->setToolTip(tr(tip));
    fields_[key] = e;
    form->addRow(QString(key), e);
    connect(e, &QLineEdit::textChanged, this, &RunPanel::validateFields);
  }
  outer->addLayout(form);
  auto* pathRow = new QHBoxLayout;
  path_ = new QLineEdit(this);
  path_->setToolTip(tr("The run file training writes (one SQLite file)"));
  auto* browse = new QToolButton(this);
  browse->setText("...");
  connect(browse, &QToolButton::clicked, this, [this] {
    const QString p = QFileDialog::getSaveFileName(this, tr("Run file"), path_->text(), tr("Grokking runs (*.grok)"));
    if (!p.isEmpty()) path_->setText(p.endsWith(".grok") ? p : p + ".grok");
  });
  pathRow->addWidget(new QLabel(tr("Run file"), this));
  pathRow->addWidget(path_, 1);
  pathRow->addWidget(browse);
  outer->addLayout(pathRow);
  error_label_ = new QLabel(this);
  error_label_->setWordWrap(true);
  error_label_->setStyleSheet("color: #d62728");
  outer->addWidget(error_label_);
  auto* buttons = new QHBoxLayout;
  start_ = new QPushButton(tr("Start"), this);
  pause_ = new QPushButton(tr("Pause"), this);
  stop_ = new QPushButton(tr("Stop"), this);
  resume_ = new QPushButton(tr("Resume"), this);
  start_->setToolTip(tr("Train a new run with these settings"));
  pause_->setToolTip(tr("Pause / continue training"));
  stop_->setToolTip(tr("Stop and commit a checkpoint at the epoch reached"));
  resume_->setToolTip(tr("Continue the open run from its newest checkpoint (a complete one: to a new epoch count)"));
  for (QPushButton* b : {start_, pause_, stop_, resume_}) buttons->addWidget(b);
  outer->addLayout(buttons);
  progress_ = new QProgressBar(this);
  progress_->setRange(0, 1000);
  progress_->setValue(0);
  progress_label_ = new QLabel(tr("Idle"), this);
  outer->addWidget(progress_);
  outer->addWidget(progress_label_);
  outer->addStretch(1);

  connect(preset_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] {
    loadConfig(preset(presetName().toStdString()).config);
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation) + "/Grokking Lab";
    path_->setText(dir + "/" + presetName() + "-" + QDateTime::currentDateTime().toString("yyyyMMdd-HHmmss") + ".grok");
  });
  connect(operation_, &QComboBox::currentTextChanged, this, &RunPanel::validateFields);
  connect(regularizer_, &QComboBox::currentTextChanged, this, &RunPanel::validateFields);
  connect(start_, &QPushButton::clicked, this, &RunPanel::startRequested);
  connect(pause_, &QPushButton::clicked, this, [this] { emit pauseRequested(state_ == State::Training); });
  connect(stop_, &QPushButton::clicked, this, &RunPanel::stopRequested);
  connect(resume_, &QPushButton::clicked, this, &RunPanel::resumeRequested);
  selectPreset("mainline");
  emit preset_->currentIndexChanged(preset_->currentIndex());
  setState(State::Idle);
}

QString RunPanel::presetName() const { return preset_->currentData().toString(); }
QString RunPanel::runPath() const { return path_->text(); }

bool RunPanel::selectPreset(const QString& name) {
  const int i = preset_->findData(name);
  if (i >= 0) preset_->setCurrentIndex(i);
  return i >= 0;
}

void RunPanel::setField(const QString& key, const QString& value) {
  if (key == "operation")
    operation_->setCurrentText(value);
  else if (key == "regularizer")
    regularizer_->setCurrentText(value);
  else if (fields_.contains(key))
    fields_[key]->setText(value);
  else if (key == "path")
    path_->setText(value);
}

void RunPanel::loadConfig(const Config& c) {
  const nlohmann::json j = config_to_json(c);
  for (auto it = fields_.begin(); it != fields_.end(); ++it) {
    const auto& v = j.at(it.key().toStdString());
    it.value()->setText(QString::fromStdString(v.is_string() ? v.get<std::string>() : v.dump()));
  }
  operation_->setCurrentText(to_string(c.operation));
  regularizer_->setCurrentText(to_string(c.regularizer));
  validateFields();
}

std::optional<Config> RunPanel::config() const {
  Config c;
  try {
    set_config_value(c, "operation=" + operation_->currentText().toStdString());
    set_config_value(c, "regularizer=" + regularizer_->currentText().toStdString());
    for (auto it = fields_.begin(); it != fields_.end(); ++it)
      set_config_value(c, it.key().toStdString() + "=" + it.value()->text().trimmed().toStdString());
    validate(c);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return c;
}

void RunPanel::validateFields() {
  // Field by field, so the message names the first wrong one and it is marked in red.
  Config c;
  error_.clear();
  for (auto it = fields_.begin(); it != fields_.end(); ++it) it.value()->setStyleSheet(QString());
  try {
    set_config_value(c, "operation=" + operation_->currentText().toStdString());
    set_config_value(c, "regularizer=" + regularizer_->currentText().toStdString());
    for (auto it = fields_.begin(); it != fields_.end(); ++it) {
      try {
        set_config_value(c, it.key().toStdString() + "=" + it.value()->text().trimmed().toStdString());
      } catch (const std::exception&) {
        it.value()->setStyleSheet("border: 1px solid #d62728");
        throw;
      }
    }
    validate(c);
  } catch (const std::exception& e) {
    error_ = QString::fromStdString(e.what());
  }
  error_label_->setText(error_);
  error_label_->setVisible(!error_.isEmpty());
  setState(state_, resumable_);
}

void RunPanel::setState(State s, bool resumable) {
  state_ = s;
  resumable_ = resumable;
  const bool idle = s == State::Idle;
  start_->setEnabled(idle && error_.isEmpty());
  start_->setToolTip(error_.isEmpty() ? tr("Train a new run with these settings") : tr("Cannot start: %1").arg(error_));
  pause_->setEnabled(s == State::Training || s == State::Paused);
  pause_->setText(s == State::Paused ? tr("Continue") : tr("Pause"));
  stop_->setEnabled(s == State::Training || s == State::Paused);
  resume_->setEnabled(idle && resumable);
  for (QWidget* w : findChildren<QLineEdit*>()) w->setEnabled(idle);
  for (QWidget* w :
       {static_cast<QWidget*>(preset_), static_cast<QWidget*>(operation_), static_cast<QWidget*>(regularizer_)})
    w->setEnabled(idle);
  if (s == State::Stopping) progress_label_->setText(tr("Stopping: committing a checkpoint..."));
  if (s == State::Paused) progress_label_->setText(progress_label_->text().section(" (", 0, 0) + tr(" (paused)"));
}

void RunPanel::setProgress(int epoch, int target, double eps) {
  progress_->setValue(target > 0 ? static_cast<int>(1000.0 * epoch / target) : 0);
  QString eta = "-";
  if (eps > 0) {
    const int s = static_cast<int>((target - epoch) / eps);
    eta = s >= 3600 ? QString("%1h%2m").arg(s / 3600).arg((s % 3600) / 60, 2, 10, QChar('0'))
                    : QString("%1m%2s").arg(s / 60).arg(s % 60, 2, 10, QChar('0'));
  }
  progress_->setFormat(QString("%1 / %2").arg(epoch).arg(target));
  progress_label_->setText(
      tr("epoch %1 of %2 · %3 epochs/s · ETA %4").arg(epoch).arg(target).arg(eps, 0, 'f', 1).arg(eta));
}

}  // namespace grok
