#include "ui/run/run_panel.h"

#include "core/base/task.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalBlocker>
#include <QStandardPaths>
#include <QVBoxLayout>
#include <map>

#include "core/base/presets.h"
#include "core/model/model_family.h"
#include "ui/run/config_editors.h"

namespace grok {

namespace {

// The run panel's sections, in order (the run file goes in the last).
QStringList fieldTopics() {
  return {QObject::tr("Task"), QObject::tr("Model"), QObject::tr("Optimiser"),
          QObject::tr("Regularisation and recipes"), QObject::tr("Schedule")};
}

// Which section a config field goes in; a field added to the table later lands under Schedule
// until it is placed here.
QString fieldTopic(const std::string& name) {
  static const std::map<std::string, int> topic = {{"task", 0},
                                                   {"p", 0},
                                                   {"train_fraction", 0},
                                                   {"seed", 0},
                                                   {"label_noise", 0},
                                                   {"model", 1},
                                                   {"n_layers", 1},
                                                   {"d_model", 1},
                                                   {"n_heads", 1},
                                                   {"d_head", 1},
                                                   {"d_mlp", 1},
                                                   {"attention_rate", 1},
                                                   {"activation", 1},
                                                   {"init_scale", 1},
                                                   {"lr", 2},
                                                   {"beta1", 2},
                                                   {"beta2", 2},
                                                   {"eps", 2},
                                                   {"warmup_steps", 2},
                                                   {"regularizer", 3},
                                                   {"weight_decay", 3},
                                                   {"dropout", 3},
                                                   {"l1", 3},
                                                   {"loss", 3},
                                                   {"grad_filter", 3},
                                                   {"grokfast_alpha", 3},
                                                   {"grokfast_lambda", 3},
                                                   {"grokfast_window", 3},
                                                   {"orthogonal_gradient", 3},
                                                   {"norm_constraint", 3}};
  const auto it = topic.find(name);
  return fieldTopics()[it == topic.end() ? 4 : it->second];
}

}  // namespace

RunPanel::RunPanel(QWidget* parent) : QWidget(parent) {
  auto* outer = new QVBoxLayout(this);
  run_header_ = new QLabel(this);  // the open run: its name and where it came from
  run_header_->setObjectName("run-header");
  run_header_->setWordWrap(true);
  run_header_->setTextFormat(Qt::PlainText);
  run_header_->setVisible(false);
  // Wrapped to the dock's width, never widening it (a long file name would resize the dashboard).
  run_header_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Minimum);
  run_header_->setMinimumWidth(1);
  outer->addWidget(run_header_);
  new_from_ = new QPushButton(tr("New run from these settings"), this);
  new_from_->setObjectName("new-run-from-settings");
  new_from_->setToolTip(tr("Edit these settings as the form of a new run (the open run stays as it is)"));
  new_from_->setVisible(false);
  outer->addWidget(new_from_);
  connect(new_from_, &QPushButton::clicked, this, &RunPanel::newRunFromShown);
  back_ = new QPushButton(tr("Back to your new run's form"), this);
  back_->setObjectName("back-to-form");
  back_->setToolTip(tr("The preset and fields you were setting up before this run was opened"));
  back_->setVisible(false);
  outer->addWidget(back_);
  connect(back_, &QPushButton::clicked, this, &RunPanel::backToForm);
  preset_ = new QComboBox(this);
  for (const Preset& p : presets()) {
    preset_->addItem(QString::fromStdString(p.name), QString::fromStdString(p.name));
    preset_->setItemData(preset_->count() - 1, QString::fromStdString(p.description), Qt::ToolTipRole);
  }
  preset_->setPlaceholderText(tr("(the run's own settings)"));  // shown with no preset chosen
  auto* top = new QFormLayout;
  top->addRow(tr("Preset"), preset_);
  outer->addLayout(top);
  // The fields by topic, each a titled section; those the run does not read are hidden
  // (setState), unless "Show unused fields" is ticked.
  QMap<QString, QFormLayout*> sections;
  for (const QString& topic : fieldTopics()) {
    auto* box = new QGroupBox(topic, this);
    box->setObjectName("topic-" + topic.section(' ', 0, 0).toLower());
    box->setFlat(true);
    sections[topic] = new QFormLayout(box);
    outer->addWidget(box);
  }
  for (const ConfigField& f : config_fields()) {
    QWidget* editor = makeConfigEditor(f, this);
    editors_[editor->objectName()] = editor;
    sections[fieldTopic(f.name)]->addRow(editor->objectName(), editor);
  }
  for (auto it = sections.begin(); it != sections.end(); ++it)
    if (it.value()->rowCount() == 0) it.value()->parentWidget()->hide();
  auto* form = sections[fieldTopics().last()];
  show_unused_ = new QCheckBox(tr("Show unused fields"), this);
  show_unused_->setObjectName("show-unused");
  show_unused_->setToolTip(tr("Also the fields this task, model family or recipe does not read (greyed)"));
  connect(show_unused_, &QCheckBox::toggled, this, [this] { setState(state_, resumable_); });
  // The run file is a row of the form like the fields, its label in their column: beside a line
  // edit in a row of its own, the label was squeezed under its text's width in a narrow dock.
  path_ = new QLineEdit(this);
  path_->setObjectName("run-file");
  path_->setToolTip(tr("The run file training writes (one SQLite file)"));
  QWidget* pathRow = makeRunFileRow(path_, tr("Run file"), this);
  auto* pathLabel = new QLabel(tr("Run file"), this);
  pathLabel->setObjectName("run-file-label");
  pathLabel->setBuddy(path_);
  form->addRow(pathLabel, pathRow);
  outer->addWidget(show_unused_);
  // One label column through every section: the fields line up as in one form.
  int labelWidth = 0;
  for (QFormLayout* f : sections)
    for (int row = 0; row < f->rowCount(); row++)
      if (QLayoutItem* l = f->itemAt(row, QFormLayout::LabelRole))
        labelWidth = std::max(labelWidth, l->widget()->sizeHint().width());
  for (QFormLayout* f : sections)
    for (int row = 0; row < f->rowCount(); row++)
      if (QLayoutItem* l = f->itemAt(row, QFormLayout::LabelRole)) l->widget()->setMinimumWidth(labelWidth);
  error_label_ = new QLabel(this);
  error_label_->setWordWrap(true);
  error_label_->setStyleSheet("color: #d62728");
  outer->addWidget(error_label_);
  auto* buttons = new QHBoxLayout;
  start_ = new QPushButton(tr("Start"), this);
  start_->setObjectName("start");
  pause_ = new QPushButton(tr("Pause"), this);
  stop_ = new QPushButton(tr("Stop"), this);
  resume_ = new QPushButton(tr("Resume"), this);
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

  for (QWidget* editor : editors_) onConfigEditorChanged(editor, this, [this] { validateFields(); });
  connect(preset_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] {
    shownRun_.clear();  // a preset chosen: the form of a new run
    behind_.reset();
    setConfig(preset(presetName().toStdString()).config);
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation) + "/Grokking Lab";
    path_->setText(dir + "/" + presetName() + "-" + QDateTime::currentDateTime().toString("yyyyMMdd-HHmmss") + ".grok");
  });
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
  if (key == "path") return path_->setText(value);
  if (QWidget* editor = editors_.value(key == "operation" ? QString("task") : key))  // the alias, as configs read it
    setConfigEditorText(editor, value);
}

void RunPanel::setConfig(const Config& c) {
  for (const ConfigField& f : config_fields()) setField(f.name, QString::fromStdString(config_value_text(c, f)));
  validateFields();
}

void RunPanel::showRun(const QString& path, const Config& c, const QString& origin) {
  if (shownRun_.isEmpty()) {  // the user's new-run form goes behind the run, not away
    Form f{preset_->currentIndex(), {}, path_->text()};
    for (const ConfigField& field : config_fields()) f.fields[QString::fromStdString(field.name)] = fieldText(field);
    behind_ = f;
  }
  shownRun_ = path;
  {
    const QSignalBlocker quiet(preset_);  // no preset's settings: the run's own
    preset_->setCurrentIndex(-1);
  }
  setConfig(c);
  QString line = tr("Open run: %1").arg(QFileInfo(path).fileName());
  if (!origin.isEmpty()) line += " · " + origin;
  const std::string recipes = recipe_summary(c);
  if (!recipes.empty()) line += " · " + tr("recipes: %1").arg(QString::fromStdString(recipes));
  run_header_->setText(line + "\n" + tr("Its own settings, read-only."));
  run_header_->setToolTip(path);
  setState(state_, resumable_);
}

void RunPanel::backToForm() {
  if (!behind_ || shownRun_.isEmpty()) return;
  const Form f = *behind_;
  behind_.reset();
  shownRun_.clear();
  {
    const QSignalBlocker quiet(preset_);  // the fields as the user left them, not the preset's
    preset_->setCurrentIndex(f.preset);
  }
  for (auto it = f.fields.begin(); it != f.fields.end(); ++it) setField(it.key(), it.value());
  path_->setText(f.path);
  validateFields();
}

void RunPanel::newRunFromShown() {
  if (shownRun_.isEmpty()) return;
  behind_.reset();
  const QFileInfo old(shownRun_);
  shownRun_.clear();
  path_->setText(old.absolutePath() + "/" + old.completeBaseName() + "-new-" +
                 QDateTime::currentDateTime().toString("yyyyMMdd-HHmmss") + ".grok");
  validateFields();
}

QString RunPanel::fieldText(const ConfigField& f) const { return configEditorText(editors_.value(f.name)); }

std::optional<Config> RunPanel::read(QString* error, QString* field) const {
  Config c;
  try {
    for (const ConfigField& f : config_fields()) {
      *field = f.name;
      set_config_field(c, f, fieldText(f).toStdString());
    }
    // A rule joining fields names the field it is about first ("d_model: 130 is not divisible...").
    field->clear();
    validate(c);
  } catch (const std::exception& e) {
    *error = QString::fromStdString(e.what());
    if (field->isEmpty()) *field = error->section(':', 0, 0);
    return std::nullopt;
  }
  return c;
}

std::optional<Config> RunPanel::config() const {
  QString error, field;
  return read(&error, &field);
}

void RunPanel::validateFields() {
  // The message names the first wrong field, which is marked in red.
  QString field;
  error_.clear();
  read(&error_, &field);
  for (auto it = editors_.begin(); it != editors_.end(); ++it)
    it.value()->setStyleSheet(!error_.isEmpty() && it.key() == field ? "border: 1px solid #d62728" : QString());
  error_label_->setText(error_);
  error_label_->setVisible(!error_.isEmpty());
  setState(state_, resumable_);
}

void RunPanel::setState(State s, bool resumable) {
  state_ = s;
  resumable_ = resumable;
  const bool idle = s == State::Idle, shown = !shownRun_.isEmpty();
  const bool editable = idle && !shown;  // an open run's settings are its own: read, not edited
  run_header_->setVisible(shown);
  new_from_->setVisible(shown);
  new_from_->setEnabled(idle);
  back_->setVisible(shown && behind_.has_value());
  back_->setEnabled(idle);
  start_->setEnabled(editable && error_.isEmpty());
  start_->setToolTip(shown              ? tr("These are the open run's settings: press \"New run from these settings\" "
                                                          "to train a new run, or Resume to train this one on")
                     : error_.isEmpty() ? tr("Train a new run with these settings")
                                        : tr("Cannot start: %1").arg(error_));
  pause_->setEnabled(s == State::Training || s == State::Paused);
  pause_->setText(s == State::Paused ? tr("Continue") : tr("Pause"));
  stop_->setEnabled(s == State::Training || s == State::Paused);
  resume_->setEnabled(idle && resumable);
  for (QWidget* w : findChildren<QLineEdit*>()) w->setEnabled(editable);
  for (QWidget* w : findChildren<QComboBox*>()) w->setEnabled(editable);
  // A field the task, the model family or the recipe does not read is hidden, or greyed when
  // shown (p for a group's task, docs/tasks.md; activation for the transformer; dropout unless the
  // regulariser is dropout: core/model/model_family.h unused_field_reason).
  Config t;
  for (const char* name : {"task", "model", "regularizer", "grad_filter"}) try {
      if (QWidget* e = editors_.value(name))
        set_config_field(t, *find_config_field(name), configEditorText(e).toStdString());
    } catch (const std::exception&) {  // being typed: the default's reasons meanwhile
    }
  for (const ConfigField& f : config_fields()) {
    QWidget* editor = editors_.value(f.name);
    if (!editor) continue;
    std::string why;
    try {
      why = unused_field_reason(t, f.name);
    } catch (const std::exception&) {  // a task or family being typed: nothing to say yet
    }
    editor->setEnabled(editable && why.empty());
    auto* section = qobject_cast<QFormLayout*>(editor->parentWidget()->layout());
    if (section) section->setRowVisible(editor, why.empty() || show_unused_->isChecked());
    editor->setToolTip(tr("%1 (allowed: %2)").arg(tr(f.help), QString::fromStdString(f.range)) +
                       (why.empty() ? QString() : tr("; unused: %1").arg(QString::fromStdString(why))));
  }
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
