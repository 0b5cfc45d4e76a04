// Help on a dock, the Qt way (issue 27): a "?" in the dock's title bar, and What's This (Shift+F1,
// then a click anywhere in the dock) both open the dock's help page (help_pages.h). F1 opens the
// page of the dock that holds the focus: dockHelpKey finds it.
//
//   attachDockHelp(dock, "we", [browser](const QString& key) { browser->showPage(key); });
//
// Threading: GUI thread.
#pragma once

#include <QString>
#include <functional>

class QDockWidget;
class QWidget;

namespace grok {

// Replaces `dock`'s title bar with one that has a "?" button (objectName "help-KEY") beside the
// float and close buttons, and answers What's This inside the dock with open(key).
void attachDockHelp(QDockWidget* dock, const QString& key, std::function<void(const QString&)> open);
// What's This anywhere in `w` (a toolbar) opens open(key); dockHelpKey(w's children) is `key`.
void attachWhatsThis(QWidget* w, const QString& key, std::function<void(const QString&)> open);
// The help key of the dock or toolbar that holds `w` (attachDockHelp, attachWhatsThis), or "".
QString dockHelpKey(const QWidget* w);

}  // namespace grok
