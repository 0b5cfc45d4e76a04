#include "ui/run/fork_dialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFileInfo>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScreen>
#include <QScrollArea>
#include <QVBoxLayout>
#include <algorithm>

#include "core/training/trainer.h"
#include "ui/run/config_editors.h"

namespace grok {

namespace {

// What a kept field stands for, in its tooltip.
QString keptReason(const QString& name) {
  if (name == "task" || name == "p") return QObject::tr("the task");
  if (name == "seed") return QObject::tr("the split: the seed shuffles the pairs");
  if (name == "init_scale")
    return QObject::tr("it acts on the initial weights only, which a fork takes from its parent");
  return QObject::tr("the model's shape, which the parent's weights have");
}

bool isKept(const QString& name) {
  const std::vector<std::string>& kept = fork_kept_fields();
  return std::find(kept.begin(), kept.end(), name.toStdString()) != kept.end();
}

}  // namespace

QString ForkDialog::defaultPath(const QString& parentPath, int epoch) {
  const QFileInfo info(parentPath);
  return unusedRunPath(info.absolutePath() + "/" + info.completeBaseName() + QString("-fork-e%1").arg(epoch));
}

ForkDialog::ForkDialog(const QString& parentPath, const Config& parentCfg, int epoch, int newest, QWidget* parent)
    : QDialog(parent), parentPath_(parentPath), parentCfg_(parentCfg), epoch_(epoch), newest_(newest) {
  setWindowTitle(tr("Fork from epoch %1").arg(epoch));
  setObjectName("fork-dialog");
  auto* outer = new QVBoxLayout(this);
  auto* title = new QLabel(
      tr("<b>Fork %1 at epoch %2</b>").arg(QFileInfo(parentPath).fileName().toHtmlEscaped()).arg(epoch), this);
  title->setObjectName("fork-title");
  title->setToolTip(parentPath);
  auto* optimizer = new QLabel(this);
  optimizer->setObjectName("fork-optimizer");
  optimizer->setWordWrap(true);
  optimizer->setText(
      carriesOptimizer()
          ? tr("Optimizer: <b>the parent's</b>. Epoch %1 is its newest checkpoint, so AdamW's moments (and a Grokfast "
               "filter) carry over: with no change the fork trains on exactly as the parent would.")
                .arg(epoch)
          : tr("Optimizer: <b>fresh</b>. Only the parent's newest checkpoint (epoch %1) keeps AdamW's moments; "
               "scrub there to carry them over.")
                .arg(newest));
  auto* axis = new QLabel(tr("The fork's first checkpoint holds the parent's weights at epoch %1; it trains on to "
                             "its epochs, its curves continuing the parent's (drawn dashed under them).")
                              .arg(epoch),
                          this);
  axis->setWordWrap(true);
  outer->addWidget(title);
  outer->addWidget(optimizer);
  outer->addWidget(axis);

  auto* common = new QGroupBox(tr("Common forks"), this);
  commonGrid_ = new QGridLayout(common);
  outer->addWidget(common);

  auto* settings = new QGroupBox(tr("Settings (the parent's; changed ones in bold)"), this);
  auto* scroll = new QScrollArea(settings);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  auto* fields = new QWidget(scroll);
  auto* grid = new QGridLayout(fields);
  grid->setColumnStretch(1, 1);
  grid->setColumnStretch(3, 1);
  grid->setColumnMinimumWidth(2, 120);
  const std::vector<ConfigField>& all = config_fields();
  const int rows = static_cast<int>(all.size() + 1) / 2;  // two columns, in the table's order
  // The fork's own defaults: no stop after grokking (fork_config), and a target after the epoch forked.
  Config start = parentCfg;
  start.stop_after_grok = 0;
  if (start.epochs <= epoch)
    start.epochs = std::min(epoch + parentCfg.epochs, static_cast<int>(find_config_field("epochs")->hi));
  for (int i = 0; i < static_cast<int>(all.size()); i++) {
    const ConfigField& f = all[i];
    const QString name = QString::fromUtf8(f.name);
    QWidget* editor = makeConfigEditor(f, fields);
    setConfigEditorText(editor, QString::fromStdString(config_value_text(start, f)));
    auto* label = new QLabel(name, fields);
    label->setBuddy(editor);
    if (isKept(name)) {
      editor->setEnabled(false);
      const QString why = tr("%1 is kept: a fork continues the parent's weights at epoch %2, and %1 sets %3.")
                              .arg(name)
                              .arg(epoch)
                              .arg(keptReason(name));
      editor->setToolTip(why);
      label->setToolTip(why);
      label->setEnabled(false);
    }
    editors_[name] = editor;
    labels_[name] = label;
    const int col = i < rows ? 0 : 2;
    grid->addWidget(label, i % rows, col);
    grid->addWidget(editor, i % rows, col + 1);
  }
  scroll->setWidget(fields);
  // Every field in view where the screen has room (a scroll bar on a small one).
  const int room = screen() ? screen()->availableGeometry().height() * 55 / 100 : 600;
  scroll->setMinimumHeight(std::min(fields->sizeHint().height() + 4, room));
  auto* settingsLayout = new QVBoxLayout(settings);
  settingsLayout->setContentsMargins(2, 2, 2, 2);
  settingsLayout->addWidget(scroll);
  outer->addWidget(settings, 1);

  const QString half = QString::number(parentCfg.train_fraction / 2, 'g', 6);
  const QString tf = parentText("train_fraction");
  addToggle("smaller-train-set", tr("Smaller training set (ungrokking)"),
            tr("train_fraction %1 instead of %2: half the parent's training pairs, a subset of them (the same seed "
               "shuffles alike). Below the critical data size a grokked network ungroks (Varma et al. 2023).")
                .arg(half, tf),
            {"train_fraction", half, tf, true});
  const Config mainline;
  // Off: the parent's value, or the mainline's where the parent's already is the toggle's.
  auto offOf = [&](const QString& field, const QString& on) {
    const QString p = parentText(field);
    return p != on ? p : QString::fromStdString(config_value_text(mainline, *find_config_field(field.toStdString())));
  };
  addToggle("no-weight-decay", tr("Weight decay off"),
            tr("weight_decay 0: does the circuit survive without the pressure that formed it?"),
            {"weight_decay", "0", offOf("weight_decay", "0")});
  addToggle("grokfast", tr("Grokfast (EMA filter)"),
            tr("grad_filter ema: the gradients' slow part amplified (Lee et al. 2024)"),
            {"grad_filter", "ema", offOf("grad_filter", "ema")});
  addToggle("stablemax", tr("StableMax loss"), tr("loss stablemax: no softmax collapse (Prieto et al. 2025)"),
            {"loss", "stablemax", offOf("loss", "stablemax")});
  addToggle("orthogonal", tr("⊥Grad"),
            tr("orthogonal_gradient true: each gradient orthogonal to its weights (Prieto et al. 2025)"),
            {"orthogonal_gradient", "true", offOf("orthogonal_gradient", "true")});

  path_ = new QLineEdit(defaultPath(parentPath, epoch), this);
  path_->setObjectName("fork-file");
  path_->setToolTip(tr("The run file the fork writes (a new SQLite file; the parent is only read)"));
  auto* pathRow = new QHBoxLayout;
  auto* pathLabel = new QLabel(tr("Fork file"), this);
  pathLabel->setBuddy(path_);
  pathRow->addWidget(pathLabel);
  pathRow->addWidget(makeRunFileRow(path_, tr("Fork file"), this), 1);
  outer->addLayout(pathRow);
  message_ = new QLabel(this);
  message_->setObjectName("fork-message");
  message_->setWordWrap(true);
  outer->addWidget(message_);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  ok_ = buttons->button(QDialogButtonBox::Ok);
  ok_->setText(tr("Fork and train"));
  connect(buttons, &QDialogButtonBox::accepted, this, [this] {
    if (error_.isEmpty()) accept();
  });
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  outer->addWidget(buttons);

  for (QWidget* editor : editors_) onConfigEditorChanged(editor, this, [this] { validate(); });
  connect(path_, &QLineEdit::textChanged, this, [this] { validate(); });
  validate();
  resize(std::max(760, sizeHint().width()), sizeHint().height());
}

void ForkDialog::addToggle(const QString& name, const QString& label, const QString& tip, Toggle t) {
  auto* box = new QCheckBox(label, this);
  box->setObjectName(name);
  box->setToolTip(tip);
  commonGrid_->addWidget(box, toggles_.size() / 3, toggles_.size() % 3);  // in the order added
  toggles_[name] = box;
  toggleFields_[name] = t;
  connect(box, &QCheckBox::toggled, this, [this, t](bool on) {
    if (!syncing_) setField(t.field, on ? t.on : t.off);
  });
}

QString ForkDialog::fieldText(const QString& name) const { return configEditorText(editors_.value(name)); }

QString ForkDialog::parentText(const QString& name) const {
  return QString::fromStdString(config_value_text(parentCfg_, *find_config_field(name.toStdString())));
}

void ForkDialog::setField(const QString& key, const QString& value) {
  if (key == "path") return path_->setText(value);
  if (QWidget* editor = editors_.value(key)) setConfigEditorText(editor, value);
}

QString ForkDialog::outputPath() const { return path_->text().trimmed(); }

QStringList ForkDialog::changes() const {
  QStringList out;
  for (const ConfigField& f : config_fields()) {
    const QString name = QString::fromUtf8(f.name), text = fieldText(name);
    if (text != parentText(name)) out << name + "=" + text;
  }
  return out;
}

std::optional<Config> ForkDialog::config() const {
  std::vector<std::string> c;
  for (const QString& s : changes()) c.push_back(s.toStdString());
  try {
    return fork_config(parentCfg_, epoch_, c);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

void ForkDialog::validate() {
  for (auto it = editors_.begin(); it != editors_.end(); ++it) {
    QFont font = labels_[it.key()]->font();
    font.setBold(fieldText(it.key()) != parentText(it.key()));
    labels_[it.key()]->setFont(font);
  }
  {
    syncing_ = true;  // the toggles follow the fields, without setting them back
    for (auto it = toggleFields_.begin(); it != toggleFields_.end(); ++it) {
      const QString text = fieldText(it->field);
      bool numbers = false, ok = false;
      const double value = text.toDouble(&numbers), on = it->on.toDouble(&ok);
      numbers = numbers && ok;
      toggles_[it.key()]->setChecked(it->below ? value < it->off.toDouble() : numbers ? value == on : text == it->on);
    }
    syncing_ = false;
  }
  error_.clear();
  std::vector<std::string> c;
  for (const QString& s : changes()) c.push_back(s.toStdString());
  try {
    fork_config(parentCfg_, epoch_, c);
  } catch (const std::exception& e) {
    error_ = QString::fromStdString(e.what());
  }
  const QString path = outputPath();
  const QFileInfo out(path);
  if (error_.isEmpty() && path.isEmpty())
    error_ = tr("fork file: choose the run file the fork writes");
  else if (error_.isEmpty() && out.exists() && out.canonicalFilePath() == QFileInfo(parentPath_).canonicalFilePath())
    error_ = tr("%1: is the parent run; fork into a new file").arg(path);
  else if (error_.isEmpty() && !QFileInfo(out.absolutePath()).isDir())
    error_ = tr("%1: no such folder").arg(out.absolutePath());
  const QString field = error_.section(':', 0, 0);
  for (auto it = editors_.begin(); it != editors_.end(); ++it)
    it.value()->setStyleSheet(it.key() == field ? "border: 1px solid #d62728" : QString());
  path_->setStyleSheet(!error_.isEmpty() && !editors_.contains(field) ? "border: 1px solid #d62728" : QString());
  if (!error_.isEmpty()) {
    message_->setStyleSheet("color: #d62728");
    message_->setText(error_);
  } else {
    const QStringList ch = changes();
    QString text = ch.isEmpty() ? tr("No change: the fork trains on with the parent's settings.")
                                : tr("Changes: %1").arg(ch.join(", "));
    if (out.exists()) text += tr("\n%1 exists and will be replaced.").arg(out.fileName());
    message_->setStyleSheet(out.exists() ? "color: #d67a00" : QString());
    message_->setText(text);
  }
  ok_->setEnabled(error_.isEmpty());
  ok_->setToolTip(error_.isEmpty() ? tr("Write the fork's first checkpoint, open it and train it")
                                   : tr("Cannot fork: %1").arg(error_));
}

}  // namespace grok
