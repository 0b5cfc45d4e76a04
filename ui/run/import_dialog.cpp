#include "ui/run/import_dialog.h"

#include <QDialogButtonBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

#include "ui/run/config_editors.h"

namespace grok {

namespace {
const char* kTaskFields[] = {"task", "train_fraction", "seed"};
}

QString ImportDialog::defaultPath(const QString& file) {
  const QFileInfo info(file);
  return unusedRunPath(info.absolutePath() + "/" + info.completeBaseName());
}

ImportDialog::ImportDialog(const QString& file, const ImportPtResult& plan, QWidget* parent)
    : QDialog(parent), plan_(plan) {
  setWindowTitle(tr("Open PyTorch checkpoint"));
  setObjectName("import-dialog");
  const Config& c = plan.config;
  auto* outer = new QVBoxLayout(this);
  const int n = static_cast<int>(plan.epochs.size());
  auto* what =
      new QLabel(tr("<b>%1</b><br>%2, epochs %3..%4, in the %5 layout<br>The model: p = %6, %7 layer(s), d_model "
                    "%8, %9 heads of %10, d_mlp %11 (from its tensors)")
                     .arg(QFileInfo(file).fileName().toHtmlEscaped())
                     .arg(n == 1 ? tr("1 checkpoint") : tr("%1 checkpoints").arg(n))
                     .arg(plan.epochs.front())
                     .arg(plan.epochs.back())
                     .arg(plan.layout == PtLayout::Authors ? tr("authors'") : tr("TransformerLens"))
                     .arg(c.p)
                     .arg(c.n_layers)
                     .arg(c.d_model)
                     .arg(c.n_heads)
                     .arg(c.d_head)
                     .arg(c.d_mlp),
                 this);
  what->setToolTip(file);
  outer->addWidget(what);
  auto* note = new QLabel(this);
  note->setWordWrap(true);
  QStringList assumed;
  for (const std::string& f : plan.assumed) assumed << QString::fromStdString(f);
  note->setText(assumed.isEmpty()
                    ? tr("The task comes from the file's config.")
                    : tr("The file does not say its %1: the mainline's are filled in. Change them if the model "
                         "trained otherwise; the split decides which pairs are train and test.")
                          .arg(assumed.join(", ")));
  outer->addWidget(note);
  auto* form = new QFormLayout;
  for (const char* name : kTaskFields) {
    const ConfigField& f = *find_config_field(name);
    QWidget* e = makeConfigEditor(f, this);
    setConfigEditorText(e, QString::fromStdString(config_value_text(c, f)));
    onConfigEditorChanged(e, this, [this] { validate(); });
    editors_[name] = e;
    form->addRow(name, e);
  }
  path_ = new QLineEdit(defaultPath(file), this);
  path_->setObjectName("import-path");
  connect(path_, &QLineEdit::textChanged, this, [this] { validate(); });
  form->addRow(tr("run file"), makeRunFileRow(path_, tr("Import into run file"), this));
  outer->addLayout(form);
  auto* fresh = new QLabel(tr("Optimizer: <b>fresh</b> (a checkpoint holds no AdamW moments). The run opens with "
                              "every view and measure, and trains or forks like a native one."),
                           this);
  fresh->setWordWrap(true);
  outer->addWidget(fresh);
  message_ = new QLabel(this);
  message_->setObjectName("import-message");
  message_->setWordWrap(true);
  outer->addWidget(message_);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  ok_ = buttons->button(QDialogButtonBox::Ok);
  ok_->setText(tr("Import and open"));
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  outer->addWidget(buttons);
  validate();
}

QStringList ImportDialog::settings() const {
  QStringList out;
  for (const char* name : kTaskFields) out << QString(name) + "=" + configEditorText(editors_.value(name));
  return out;
}

QString ImportDialog::outputPath() const {
  const QString p = path_->text().trimmed();
  return p.isEmpty() || p.endsWith(".grok") ? p : p + ".grok";
}

void ImportDialog::setField(const QString& key, const QString& value) {
  if (key == "path")
    path_->setText(value);
  else if (QWidget* e = editors_.value(key))
    setConfigEditorText(e, value);
}

void ImportDialog::validate() {
  error_.clear();
  Config c = plan_.config;
  try {
    for (const QString& s : settings()) set_config_value(c, s.toStdString());
  } catch (const ConfigError& e) {
    error_ = QString::fromStdString(e.what());
  }
  if (error_.isEmpty() && outputPath().isEmpty()) error_ = tr("Choose the run file to write.");
  if (error_.isEmpty() && QFileInfo::exists(outputPath()))
    message_->setText(tr("%1 exists and will be replaced.").arg(QFileInfo(outputPath()).fileName()));
  else
    message_->setText(error_.isEmpty() ? QString() : "<span style='color:#b00'>" + error_.toHtmlEscaped() + "</span>");
  ok_->setEnabled(error_.isEmpty());
}

}  // namespace grok
