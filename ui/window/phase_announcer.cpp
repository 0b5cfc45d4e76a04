#include "ui/window/phase_announcer.h"

namespace grok {

namespace {

struct Boundary {
  const char* key;
  const char* label;  // over the scrubber
  const char* what;   // what changed
  const char* where;  // which view shows it
};

// The words of each mark and announcement: the paper's Section 5.2 phases, read on this run.
const Boundary kBoundaries[] = {
    {"memorised", QT_TR_NOOP("memorised"),
     QT_TR_NOOP("Memorisation is over: the model fits its training pairs and the test loss has peaked. It has "
                "learned a lookup table that does not generalise."),
     QT_TR_NOOP("the Loss and accuracy view (test loss at its peak) and the Prediction grid (training pairs "
                "right, test pairs mostly wrong)")},
    {"circuit", QT_TR_NOOP("circuit formed"),
     QT_TR_NOOP("Circuit formation is over: the test loss has fallen to half its peak. The Fourier circuit, "
                "built slowly while test accuracy stayed low, now wins over memorisation."),
     QT_TR_NOOP("the Progress measures (restricted loss falling, excluded loss rising) and the W_L Fourier norms "
                "(a few key frequencies stand out)")},
    {"cleanup", QT_TR_NOOP("cleaned up"),
     QT_TR_NOOP("Cleanup is over: weight decay has removed the memorising weights, and the weight norm has "
                "stopped collapsing."),
     QT_TR_NOOP("the Progress measures (sum of squared weights, Gini of the Fourier norms) and the W_E Fourier "
                "norms (sparse)")},
    {"generalised", QT_TR_NOOP("generalised"), QT_TR_NOOP("Generalised: test accuracy has reached 99 %."),
     QT_TR_NOOP("the Loss and accuracy view and the Prediction grid (the test pairs have turned blue)")},
};

int boundaryEpoch(const Phases& ph, const QString& key) {
  if (key == "memorised") return ph.memorisation_end;
  if (key == "circuit") return ph.circuit_formation_end;
  if (key == "cleanup") return ph.cleanup_end;
  return ph.generalised;
}

}  // namespace

PhaseAnnouncer::PhaseAnnouncer(QObject* parent) : QObject(parent) {}

void PhaseAnnouncer::reset() {
  told_.clear();
  phases_ = {};
  newest_ = -1;
  marks_.clear();
  emit marksChanged(marks_);
}

int PhaseAnnouncer::epochOf(const QString& key) const {
  const int e = boundaryEpoch(phases_, key);
  // A test-loss peak is only a peak in hindsight: decided once it has held as long again as
  // training took to reach it.
  if (key == "memorised") return e >= 0 && newest_ - e >= e - phases_.first_epoch ? e : -1;
  return e;
}

QString PhaseAnnouncer::viewOf(const QString& key) {
  if (key == "circuit") return "wl";
  if (key == "cleanup") return "measures";
  if (key == "generalised") return "prediction";
  return "loss";
}

void PhaseAnnouncer::update(const Phases& phases, int newestEpoch, bool live) {
  if (newestEpoch < 0) told_.clear();  // the curves were cleared: another run, or the same from its file
  phases_ = phases;
  newest_ = newestEpoch;
  std::vector<PhaseMark> marks;
  for (const Boundary& b : kBoundaries) {
    const int e = epochOf(b.key);
    if (e < 0) continue;
    const QString what = tr(b.what), where = tr(b.where);
    marks.push_back({e, tr(b.label), tr("Epoch %1. %2\nShown in %3.").arg(e).arg(what, where)});
    if (told_.contains(b.key)) continue;
    told_.insert(b.key);
    if (!live) continue;  // an opened run's phases are marked, not news
    const int late = newestEpoch - e;
    const QString when =
        late > 0 ? tr("decided at epoch %1, %2 epochs later").arg(newestEpoch).arg(late) : tr("decided at once");
    emit announced(b.key, tr("Epoch %1: %2 (%3.) See %4.").arg(e).arg(what, when, where), e, newestEpoch);
  }
  const bool same = marks.size() == marks_.size() &&
                    std::equal(marks.begin(), marks.end(), marks_.begin(), [](const PhaseMark& a, const PhaseMark& b) {
                      return a.epoch == b.epoch && a.label == b.label;
                    });
  marks_ = std::move(marks);
  if (!same) emit marksChanged(marks_);
}

}  // namespace grok
