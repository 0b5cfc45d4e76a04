// Phases as they happen (issue 27): each boundary core/analysis/phases.h defines, and
// "generalised" at 99 % test accuracy, becomes a labelled mark on the epoch scrubber (its tooltip:
// what changed, which view shows it) and, while training, a sentence in the status bar once the
// rule can decide it, saying how late that is. The guided first run (guided_run.h) follows the
// same announcements.
//
// When a boundary is decided:
//   memorisation ended  the test loss peak has held as long again as training took to reach it
//                       (a peak is only known in hindsight; mainline: peak 1 420, told ~2 840)
//   circuit formed      when the test loss first falls to half its peak (at once)
//   cleanup ended       when phases.h finds the weight norm's collapse over (at once)
//   generalised         at the first epoch with 99 % test accuracy (at once)
// Marks may move as epochs arrive (a higher test-loss peak, a steeper fall); each is told once.
//
//   PhaseAnnouncer a;
//   connect(curves, &CurvesPanel::phasesUpdated, [&] { a.update(curves->phases(), curves->newestEpoch(), live); });
//   connect(&a, &PhaseAnnouncer::marksChanged, scrubber, &EpochScrubber::setPhaseMarks);
//
// Threading: GUI thread.
#pragma once

#include <QObject>
#include <QSet>
#include <QString>
#include <vector>

#include "core/analysis/phases.h"
#include "ui/checkpoint/phase_marks.h"

namespace grok {

class PhaseAnnouncer : public QObject {
  Q_OBJECT
 public:
  // The boundaries by key, in the order a grokking run meets them.
  static QStringList keys() { return {"memorised", "circuit", "cleanup", "generalised"}; }
  explicit PhaseAnnouncer(QObject* parent = nullptr);
  // After the phases were re-detected with data up to `newestEpoch`; `live`: a run training now,
  // whose newly decided boundaries are announced (an opened run's are marked, not announced).
  void update(const Phases& phases, int newestEpoch, bool live);
  void reset();  // a new run: nothing announced yet
  const std::vector<PhaseMark>& marks() const { return marks_; }
  // The epoch of boundary `key` as decided so far, -1 while undecided.
  int epochOf(const QString& key) const;
  // The view that shows boundary `key` best (a dock name: "loss", "measures", ...).
  static QString viewOf(const QString& key);

 signals:
  void marksChanged(const std::vector<grok::PhaseMark>& marks);
  // Once per boundary and run: `sentence` for the status bar; `epoch` the boundary, `decidedAt`
  // the newest epoch when it was decided.
  void announced(const QString& key, const QString& sentence, int epoch, int decidedAt);

 private:
  std::vector<PhaseMark> marks_;
  QSet<QString> told_;
  Phases phases_;
  int newest_ = -1;
};

}  // namespace grok
