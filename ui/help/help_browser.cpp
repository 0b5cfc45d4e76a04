#include "ui/help/help_browser.h"

#include <QHBoxLayout>
#include <QListWidget>
#include <QTextBrowser>

#include "ui/help/help_pages.h"

namespace grok {

HelpBrowser::HelpBrowser(QWidget* parent) : QDialog(parent), index_(new QListWidget), text_(new QTextBrowser) {
  setObjectName("help-browser");
  setModal(false);
  setWindowFlag(Qt::WindowContextHelpButtonHint, false);
  text_->setObjectName("help-text");
  text_->setOpenLinks(false);  // help: links turn pages, others open outside
  index_->setObjectName("help-index");
  for (const QString& key : helpPageKeys()) {
    auto* item = new QListWidgetItem(helpTitle(helpMarkdown(key, tags_)), index_);
    item->setData(Qt::UserRole, key);
  }
  index_->setMaximumWidth(index_->sizeHintForColumn(0) + 24);
  auto* row = new QHBoxLayout(this);
  row->addWidget(index_);
  row->addWidget(text_, 1);
  connect(index_, &QListWidget::currentItemChanged, this, [this](QListWidgetItem* item) {
    if (item && item->data(Qt::UserRole).toString() != key_) showPage(item->data(Qt::UserRole).toString());
  });
  connect(text_, &QTextBrowser::anchorClicked, this, [this](const QUrl& url) {
    if (url.scheme() == "help") showPage(url.path());
  });
  resize(760, 720);
}

void HelpBrowser::setTags(const QStringList& tags) {
  tags_ = tags;
  if (!key_.isEmpty()) render();
}

bool HelpBrowser::showPage(const QString& key) {
  if (!helpPageKeys().contains(key)) return false;
  key_ = key;
  render();
  for (int i = 0; i < index_->count(); ++i)
    if (index_->item(i)->data(Qt::UserRole).toString() == key) index_->setCurrentRow(i);
  show();
  raise();
  activateWindow();
  return true;
}

void HelpBrowser::render() {
  markdown_ = helpMarkdown(key_, tags_);
  text_->setMarkdown(markdown_);
  setWindowTitle(tr("Grokking Lab help - %1").arg(helpTitle(markdown_)));
}

}  // namespace grok
