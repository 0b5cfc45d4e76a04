// The editor of one config field (core/base/config.h config_fields()), as the run panel and the fork
// dialog show it: a combo box for a choice or a boolean, a line edit otherwise, named after the field,
// its help and allowed range as tooltip. One place, so that both read and write fields alike.
//
//   QWidget* e = makeConfigEditor(*find_config_field("lr"), this);
//   setConfigEditorText(e, "0.003");
//   onConfigEditorChanged(e, this, [this] { validate(); });
//   QString text = configEditorText(e);  // "0.003", as set_config_field reads it
//
// Threading: GUI thread only.
#pragma once

#include <QString>
#include <functional>

#include "core/base/config.h"

class QLineEdit;
class QObject;
class QWidget;

namespace grok {

QWidget* makeConfigEditor(const ConfigField& f, QWidget* parent);
QString configEditorText(const QWidget* editor);  // trimmed
void setConfigEditorText(QWidget* editor, const QString& text);
// `changed` runs (in `context`) whenever the editor's text changes, typed or set.
void onConfigEditorChanged(QWidget* editor, QObject* context, const std::function<void()>& changed);

// A run file's path: `edit` beside a "..." button whose save dialog (titled `title`) fills it, ".grok"
// appended when missing. The row to place in a layout (parented to `parent`).
QWidget* makeRunFileRow(QLineEdit* edit, const QString& title, QWidget* parent);
// `stem`.grok, or `stem`-2.grok, -3... : the first that does not exist (a new run's default file).
QString unusedRunPath(const QString& stem);

}  // namespace grok
