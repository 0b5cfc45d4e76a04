#include "ui/window/guided_run.h"

#include <QDockWidget>
#include <QEvent>
#include <QFrame>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QPushButton>
#include <QVBoxLayout>

#include "core/base/presets.h"
#include "ui/window/main_window.h"
#include "ui/window/phase_announcer.h"

namespace grok {

namespace {

struct Stop {
  const char* key;
  const char* view;  // the dock outlined
  const char* title;
  const char* text;
};

// One or two sentences a stop, about the quick preset: (a + b) mod 59 from 35 % of the pairs.
const Stop kStops[] = {
    {"start", "loss", QT_TR_NOOP("Watch grokking: (a + b) mod 59"),
     QT_TR_NOOP("A one-layer transformer learns modular addition from 35 % of the 3 481 pairs, with weight decay. "
                "Watch the training (blue) and test (orange) accuracy here: the tour stops at each phase.")},
    {"memorising", "prediction", QT_TR_NOOP("It has memorised the training pairs"),
     QT_TR_NOOP("Training accuracy is 99 %, test accuracy is low: in the grid, the white-dotted training pairs are "
                "blue (right), the rest mostly red. The model has learned a lookup table.")},
    {"memorised", "loss", QT_TR_NOOP("The test loss has peaked"),
     QT_TR_NOOP("Memorisation is over. The test loss stays high for a while, yet inside the model a general "
                "algorithm is forming: watch the progress measures next.")},
    {"circuit", "wl", QT_TR_NOOP("The circuit has formed"),
     QT_TR_NOOP("A few key frequencies stand out in W_L: the model computes a + b with rotations on a circle. "
                "The test loss has fallen to half its peak.")},
    {"generalised", "prediction", QT_TR_NOOP("It has generalised"),
     QT_TR_NOOP("Test accuracy is 99 %: the test pairs have turned blue. This is grokking: generalisation long "
                "after memorisation.")},
    {"cleanup", "measures", QT_TR_NOOP("Cleanup is over"),
     QT_TR_NOOP("Weight decay has removed the memorising weights: the sum of squared weights has stopped "
                "falling and the Gini of the Fourier norms is high.")},
    {"done", "", QT_TR_NOOP("Replay it"),
     QT_TR_NOOP("Training is done. Drag the epoch slider, or click a phase mark over it, to see any checkpoint "
                "again; F1 on any view explains it.")},
};

const Stop& stopOf(const QString& key) {
  for (const Stop& s : kStops)
    if (key == s.key) return s;
  return kStops[0];
}

// An orange outline over a dock: the view the card speaks of.
class Outline : public QWidget {
 public:
  explicit Outline(QWidget* parent) : QWidget(parent) {
    setAttribute(Qt::WA_TransparentForMouseEvents);
    setAttribute(Qt::WA_NoSystemBackground);
    setObjectName("guide-outline");
    setGeometry(parent->rect());
    parent->installEventFilter(this);
    show();
    raise();
  }

 protected:
  void paintEvent(QPaintEvent*) override {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(QPen(QColor(255, 127, 14), 4));
    p.drawRoundedRect(QRectF(rect()).adjusted(2, 2, -2, -2), 6, 6);
  }
  bool eventFilter(QObject* o, QEvent* e) override {
    if (o == parentWidget() && e->type() == QEvent::Resize) setGeometry(parentWidget()->rect());
    return false;
  }
};

}  // namespace

GuidedRun::GuidedRun(MainWindow* window) : QObject(window), window_(window) {
  card_ = new QFrame(window);
  card_->setObjectName("guide-card");
  card_->setFrameShape(QFrame::StyledPanel);
  card_->setAutoFillBackground(true);
  card_->setStyleSheet(
      "#guide-card { border: 2px solid rgb(255, 127, 14); border-radius: 6px; background-color: palette(base); }");
  title_ = new QLabel(card_);
  QFont f = title_->font();
  f.setBold(true);
  f.setPointSizeF(f.pointSizeF() * 1.15);
  title_->setFont(f);
  body_ = new QLabel(card_);
  body_->setWordWrap(true);
  body_->setObjectName("guide-text");
  next_ = new QPushButton(tr("Continue"), card_);
  next_->setObjectName("guide-continue");
  leave_ = new QPushButton(tr("Leave the tour"), card_);
  leave_->setObjectName("guide-leave");
  auto* col = new QVBoxLayout(card_);
  col->addWidget(title_);
  col->addWidget(body_, 1);
  auto* row = new QHBoxLayout;
  row->addWidget(leave_);
  row->addStretch(1);
  row->addWidget(next_);
  col->addLayout(row);
  card_->setFixedWidth(340);
  card_->hide();
  window->installEventFilter(this);
  connect(leave_, &QPushButton::clicked, this, &GuidedRun::leave);
  connect(next_, &QPushButton::clicked, this, [this] {
    if (stop_ == "done") return leave();
    if (stop_ == "start") {  // read first, then train
      card_->hide();
      delete outline_;
      if (const QString err = window_->startTrainingWith(preset("quick").config, runPath()); !err.isEmpty()) {
        window_->showError(tr("Cannot start the tour"), err);
        return leave();
      }
      return;
    }
    if (!waiting_.empty()) {  // phases passed while this card was read (a fast machine)
      const QString s = waiting_.front();
      waiting_.pop_front();
      return show(s);
    }
    card_->hide();
    delete outline_;
    window_->pauseTraining(false);
  });
}

GuidedRun::~GuidedRun() {
  delete outline_;
  delete card_;
}

QString GuidedRun::runPath() const { return dir_.filePath("guided-quick.grok"); }
QString GuidedRun::text() const { return body_->text(); }
QString GuidedRun::pointedView() const { return view_; }

QString GuidedRun::start() {
  if (window_->training()) return tr("Stop training first: the tour trains a run of its own.");
  if (!dir_.isValid()) return tr("cannot create a temporary folder for the tour's run");
  PhaseAnnouncer* phases = window_->phaseAnnouncer();
  connect(phases, &PhaseAnnouncer::announced, this, [this](const QString& key) { arrive(key); });
  connect(window_, &MainWindow::epochsArrived, this, [this](const QVector<EpochMetrics>& batch) {
    for (const EpochMetrics& m : batch)
      if (!memorising_ && m.train_acc >= 0.99) memorising_ = true, arrive("memorising");
  });
  connect(window_, &MainWindow::trainingFinished, this, [this] { arrive("done"); });
  show("start");
  return {};
}

void GuidedRun::arrive(const QString& stop) {
  if (stop != "done") window_->pauseTraining(true);
  if (card_->isVisible() && stop_ != "done") return waiting_.push_back(stop);
  show(stop);
}

void GuidedRun::show(const QString& stop) {
  const Stop& s = stopOf(stop);
  stop_ = stop;
  view_ = s.view;
  title_->setText(tr(s.title));
  body_->setText(tr(s.text));
  next_->setText(stop == "done" ? tr("Close") : stop == "start" ? tr("Start") : tr("Continue"));
  delete outline_;
  if (auto* dock = window_->findChild<QDockWidget*>("dock-" + view_)) {
    dock->show();
    dock->raise();
    outline_ = new Outline(dock);
  }
  placeCard();
  card_->show();
  card_->raise();
  emit stopShown(stop);
}

void GuidedRun::placeCard() {
  // Bottom left, over the run panel (the tour does not use its form), clear of the views.
  card_->adjustSize();
  const int h = std::max(card_->sizeHint().height(), 150);
  card_->setGeometry(8, window_->height() - h - 80, card_->width(), h);
}

bool GuidedRun::eventFilter(QObject* watched, QEvent* event) {
  if (watched == window_ && event->type() == QEvent::Resize && card_->isVisible()) placeCard();
  return false;
}

void GuidedRun::leave() {
  if (window_->training()) window_->pauseTraining(false);
  emit left();
  deleteLater();
}

}  // namespace grok
