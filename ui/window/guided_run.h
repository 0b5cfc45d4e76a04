// Help > "Watch grokking in two minutes" (issue 27): trains the quick preset from the window into a
// temporary run file and, at each phase, pauses training, outlines the view that shows it and
// says in a sentence or two what to look at; Continue trains on to the next phase. The phases are
// the PhaseAnnouncer's (phase_announcer.h), plus the moment training accuracy first reaches 99 %
// (memorising). Leave ends the tour at any time (training carries on, unpaused); the user's
// preset, form and settings are never touched.
//
//   GuidedRun* tour = new GuidedRun(window);   // parented by the window; deletes itself when left or done
//   tour->start();                             // "" or why not (training already running)
//
// Threading: GUI thread.
#pragma once

#include <QObject>
#include <QPointer>
#include <QString>
#include <QTemporaryDir>
#include <deque>

class QDockWidget;
class QFrame;
class QLabel;
class QPushButton;
class QWidget;

namespace grok {

class MainWindow;

class GuidedRun : public QObject {
  Q_OBJECT
 public:
  explicit GuidedRun(MainWindow* window);
  ~GuidedRun() override;
  QString start();
  // The stop shown now: "start", "memorising", then PhaseAnnouncer::keys() in the order they come,
  // then "done".
  QString stop() const { return stop_; }
  QString text() const;         // the card's words
  QString pointedView() const;  // the dock outlined ("loss", "prediction", ...), "" for none
  QPushButton* continueButton() const { return next_; }
  QPushButton* leaveButton() const { return leave_; }
  QFrame* card() const { return card_; }
  QString runPath() const;

 signals:
  void stopShown(const QString& stop);  // after the card shows a stop
  void left();                          // the user left, or the tour ended

 public slots:
  void leave();

 private:
  void arrive(const QString& stop);  // pause (unless done) and show `stop`'s card
  void show(const QString& stop);
  void placeCard();
  bool eventFilter(QObject* watched, QEvent* event) override;

  MainWindow* window_;
  QTemporaryDir dir_;
  QFrame* card_;
  QLabel* title_;
  QLabel* body_;
  QPushButton *next_, *leave_;
  QPointer<QWidget> outline_;  // drawn over the dock pointed at
  QString stop_, view_;
  std::deque<QString> waiting_;  // stops reached while one is shown
  bool memorising_ = false;
};

}  // namespace grok
