#include "ui/help/dock_help.h"

#include <QDockWidget>
#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QStyle>
#include <QToolButton>
#include <QWhatsThis>

namespace grok {

namespace {

const char* kHelpKey = "grokHelpKey";

// What's This inside the dock (the event climbs from the widget clicked to the dock): the page.
class WhatsThisFilter : public QObject {
 public:
  WhatsThisFilter(QString key, std::function<void(const QString&)> open, QObject* parent)
      : QObject(parent), key_(std::move(key)), open_(std::move(open)) {}

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override {
    if (event->type() == QEvent::QueryWhatsThis) return event->accept(), true;
    if (event->type() == QEvent::WhatsThis) {
      // Qt leaves What's This mode when a text is shown (QWhatsThis::showText); this opens a page
      // instead, so it leaves the mode itself: else the next click would ask What's This again.
      QWhatsThis::leaveWhatsThisMode();
      open_(key_);
      return true;
    }
    return QObject::eventFilter(watched, event);
  }

 private:
  QString key_;
  std::function<void(const QString&)> open_;
};

QToolButton* titleButton(QWidget* parent, const QString& name, const QString& tip) {
  auto* b = new QToolButton(parent);
  b->setObjectName(name);
  b->setToolTip(tip);
  b->setAutoRaise(true);
  b->setFocusPolicy(Qt::NoFocus);
  return b;
}

}  // namespace

void attachWhatsThis(QWidget* w, const QString& key, std::function<void(const QString&)> open) {
  w->setProperty(kHelpKey, key);
  w->installEventFilter(new WhatsThisFilter(key, std::move(open), w));
}

void attachDockHelp(QDockWidget* dock, const QString& key, std::function<void(const QString&)> open) {
  attachWhatsThis(dock, key, open);

  auto* bar = new QWidget(dock);
  bar->setObjectName("titlebar-" + key);
  auto* row = new QHBoxLayout(bar);
  row->setContentsMargins(6, 1, 2, 1);
  row->setSpacing(1);
  auto* title = new QLabel(dock->windowTitle(), bar);
  QObject::connect(dock, &QDockWidget::windowTitleChanged, title, &QLabel::setText);
  row->addWidget(title, 1);
  QToolButton* help = titleButton(bar, "help-" + key, QObject::tr("What this view shows, how to read it (F1)"));
  help->setText("?");
  QObject::connect(help, &QToolButton::clicked, dock, [open, key] { open(key); });
  row->addWidget(help);
  QToolButton* flt = titleButton(bar, "float-" + key, QObject::tr("Undock / dock"));
  flt->setIcon(dock->style()->standardIcon(QStyle::SP_TitleBarNormalButton, nullptr, dock));
  QObject::connect(flt, &QToolButton::clicked, dock, [dock] { dock->setFloating(!dock->isFloating()); });
  row->addWidget(flt);
  QToolButton* close = titleButton(bar, "close-" + key, QObject::tr("Close (View menu shows it again)"));
  close->setIcon(dock->style()->standardIcon(QStyle::SP_TitleBarCloseButton, nullptr, dock));
  QObject::connect(close, &QToolButton::clicked, dock, &QDockWidget::close);
  row->addWidget(close);
  for (QToolButton* b : {help, flt, close}) b->setFixedSize(20, 18);
  dock->setTitleBarWidget(bar);
}

QString dockHelpKey(const QWidget* w) {
  for (; w; w = w->parentWidget())
    if (const QVariant key = w->property(kHelpKey); key.isValid()) return key.toString();
  return {};
}

}  // namespace grok
