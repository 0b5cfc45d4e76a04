// The window the help pages open in (help_pages.h): one non-modal window per main window, beside
// the dashboard, showing one page at a time for the open run's task and model family. Links
// between pages read "help:KEY"; an index of every page runs down the left.
//
//   HelpBrowser* h = new HelpBrowser(mainWindow);
//   h->setTags(helpContextTags(cfg));   // when a run is opened
//   h->showPage("we");                  // raises the window
//
// Threading: GUI thread.
#pragma once

#include <QDialog>
#include <QStringList>

class QListWidget;
class QTextBrowser;

namespace grok {

class HelpBrowser : public QDialog {
  Q_OBJECT
 public:
  explicit HelpBrowser(QWidget* parent = nullptr);
  // The open run's tags (helpContextTags); the page shown is re-rendered for them.
  void setTags(const QStringList& tags);
  QStringList tags() const { return tags_; }
  // Shows page `key` and raises the window; false (and nothing shown) when there is no such page.
  bool showPage(const QString& key);
  QString page() const { return key_; }
  QString markdown() const { return markdown_; }
  QTextBrowser* text() const { return text_; }

 private:
  void render();

  QListWidget* index_;
  QTextBrowser* text_;
  QStringList tags_{"cyclic", "transformer"};  // the mainline's until a run is open
  QString key_, markdown_;
};

}  // namespace grok
