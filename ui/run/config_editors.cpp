#include "ui/run/config_editors.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QToolButton>

namespace grok {

QWidget* makeConfigEditor(const ConfigField& f, QWidget* parent) {
  QWidget* editor = nullptr;
  const std::vector<std::string> choices = config_field_choices(f);
  if (!choices.empty()) {  // a Choice, a Boolean or a registered name
    auto* combo = new QComboBox(parent);
    for (const std::string& choice : choices) combo->addItem(QString::fromStdString(choice));
    combo->setEditable(f.kind == ConfigField::Kind::Task);  // Z30, table:FILE...: the list only suggests
    editor = combo;
  } else {
    editor = new QLineEdit(parent);
  }
  editor->setObjectName(QString::fromUtf8(f.name));
  editor->setToolTip(QObject::tr("%1 (allowed: %2)").arg(QObject::tr(f.help), QString::fromStdString(f.range)));
  return editor;
}

QString configEditorText(const QWidget* editor) {
  if (auto* combo = qobject_cast<const QComboBox*>(editor)) return combo->currentText();
  if (auto* edit = qobject_cast<const QLineEdit*>(editor)) return edit->text().trimmed();
  return {};
}

void setConfigEditorText(QWidget* editor, const QString& text) {
  if (auto* combo = qobject_cast<QComboBox*>(editor)) combo->setCurrentText(text);
  if (auto* edit = qobject_cast<QLineEdit*>(editor)) edit->setText(text);
}

void onConfigEditorChanged(QWidget* editor, QObject* context, const std::function<void()>& changed) {
  if (auto* combo = qobject_cast<QComboBox*>(editor))
    QObject::connect(combo, &QComboBox::currentTextChanged, context, [changed] { changed(); });
  else if (auto* edit = qobject_cast<QLineEdit*>(editor))
    QObject::connect(edit, &QLineEdit::textChanged, context, [changed] { changed(); });
}

QWidget* makeRunFileRow(QLineEdit* edit, const QString& title, QWidget* parent) {
  auto* row = new QWidget(parent);
  auto* layout = new QHBoxLayout(row);
  layout->setContentsMargins(0, 0, 0, 0);
  edit->setParent(row);
  auto* browse = new QToolButton(row);
  browse->setText("...");
  QObject::connect(browse, &QToolButton::clicked, edit, [edit, title] {
    const QString p = QFileDialog::getSaveFileName(edit, title, edit->text(), QObject::tr("Grokking runs (*.grok)"));
    if (!p.isEmpty()) edit->setText(p.endsWith(".grok") ? p : p + ".grok");
  });
  layout->addWidget(edit, 1);
  layout->addWidget(browse);
  return row;
}

QString unusedRunPath(const QString& stem) {
  QString path = stem + ".grok";
  for (int i = 2; QFileInfo::exists(path); i++) path = stem + QString("-%1.grok").arg(i);
  return path;
}

}  // namespace grok
