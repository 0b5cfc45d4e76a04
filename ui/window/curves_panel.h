// The run's curves over epochs: loss and accuracy (every logged epoch), the progress measures, the
// Gini of the Fourier norms and the sum of squared weights (every checkpoint), with their x ranges
// linked, the detected phases shaded (core/analysis/phases.h) and one marker at the scrubber's
// epoch. New data is only stored; a timer batches the replots. A reference run (a baseline,
// ui/window/reference_run.h) can be drawn under the run's curves: the same series, muted and dashed,
// named in the legend; it stays through clear() (opening another run) until clearReference().
// The numerics (ui/window/numerics_panel.h, a third dock) are linked with the curves the same way.
// Loss spikes (core/analysis/loss_spikes.h) are found in the train loss as metrics arrive and marked
// on the loss plot and the numerics; lossSpikesChanged() passes them on (the scrubber marks them).
//
//   CurvesPanel c;
//   dock1->setWidget(c.lossAndAccuracy());
//   dock2->setWidget(c.measures());
//   c.addMetrics(batch);   // as the trainer reports them
//   c.addMeasures(record);
//   c.updatePhases();
//   c.setReference("base.grok", base.metrics, base.measures);  // again whenever it changes
//
// Threading: GUI thread only.
#pragma once

#include <QMap>
#include <QObject>
#include <QTimer>
#include <QVector>
#include <map>
#include <tuple>
#include <utility>
#include <vector>

#include "core/analysis/loss_spikes.h"
#include "core/analysis/phases.h"
#include "core/base/config.h"
#include "core/base/records.h"

class QWidget;

namespace grok {

class EpochMarks;
class NumericsPanel;
class SeriesView;

// Progress-measure series (run-file names) drawn in the measures view, with their legend names.
inline constexpr std::pair<const char*, const char*> kLossSeries[] = {{"train_loss", "train loss"},
                                                                      {"test_loss", "test loss"},
                                                                      {"restricted_loss_test", "restricted loss"},
                                                                      {"excluded_loss_train", "excluded loss"}};

// The mechanism measures (core/analysis/mechanism.h), drawn in the Mechanism view.
inline constexpr std::pair<const char*, const char*> kMechanismSeries[] = {{"gradient_symmetricity", "gradient symm."},
                                                                           {"distance_irrelevance", "distance irrel."},
                                                                           {"circularity", "circularity"},
                                                                           {"mean_ipr", "mean IPR"}};

class CurvesPanel : public QObject {
  Q_OBJECT
 public:
  explicit CurvesPanel(QObject* parent = nullptr);
  // The two stacks of figures, for two docks (parented by them).
  QWidget* lossAndAccuracy() const { return lossStack_; }
  QWidget* measures() const { return measuresStack_; }
  SeriesView* mechanismView() const { return mechanism_; }  // a third dock, beside the measures
  SeriesView* lossView() const { return loss_; }
  SeriesView* accuracyView() const { return acc_; }
  SeriesView* measuresView() const { return measures_; }
  NumericsPanel* numerics() const { return numerics_; }  // its widget() for a third dock
  const std::vector<LossSpike>& lossSpikes() const { return spikes_.spikes(); }
  // Figure name -> view, for "export all".
  QMap<QString, QWidget*> figures() const;

  void clear();  // the run's curves; a reference stays
  // Why the Gini curves are empty for the whole run (a task without a group); "" takes it away.
  void setNotice(const QString& text);
  // The loss plot's axis: the run's training loss (cross-entropy, or mse for the MSE runs).
  void setLoss(LossKind kind);
  void addMetrics(const QVector<EpochMetrics>& batch);
  void addMeasures(const MeasureRecord& m);
  // The numerics of a run as stored, or as training reports them; `missing`: the run file is older
  // than the numerics (the view says so).
  void addNumerics(const std::vector<NumericsRecord>& records);
  void setNumericsMissing(bool missing);
  // Phases from the metrics and the measures so far (while live, a phase begun is shaded up to
  // the newest data).
  void updatePhases();
  const Phases& phases() const { return phases_; }
  int newestEpoch() const { return metrics_.empty() ? -1 : metrics_.back().epoch; }
  void setEpochMarker(int epoch);
  // Training: phases as above, and replots less often when drawing is slow (the timer in the .cpp).
  void setLive(bool live);
  void refresh();  // now, every figure
  void fitAll();   // every figure back to following its data
  // The epochs the loss plot shows (what "metrics as CSV" exports).
  std::pair<int, int> visibleEpochs() const;
  // Draws (or redraws) a reference run's metrics and measures under the run's own; its series are
  // named "<series> (ref: <name>)". clearReference() takes them all away again.
  void setReference(const QString& name, const std::vector<EpochMetrics>& metrics,
                    const std::vector<MeasureRecord>& measures);
  void clearReference();
  bool hasReference() const { return !refName_.isEmpty(); }
  // "epoch N · train loss x · test loss y" of the newest metrics, "" before any.
  QString summary() const;

 signals:
  void replotted();  // after the timer redrew figures with new data
  // The spans found so far changed (at most once a replot; and after clear()).
  void lossSpikesChanged(const std::vector<grok::LossSpike>& spikes);
  void phasesUpdated();  // after updatePhases: phases() and newestEpoch()

 private:
  // Where each stored measure is drawn: view, series, run-file name.
  std::vector<std::tuple<SeriesView*, int, const char*>> measureSlots() const;
  QList<SeriesView*> linked() const;  // every view on the epoch axis: all_ and the numerics'
  void markSpikes();                  // if the spans changed since they were last marked
  QWidget *lossStack_, *measuresStack_;
  SeriesView *loss_, *acc_, *measures_, *gini_, *norm_, *mechanism_;
  QList<SeriesView*> all_;  // the curves' own (a reference is drawn in these)
  NumericsPanel* numerics_;
  QList<EpochMarks*> spikeMarks_;
  LossSpikeDetector spikes_;
  bool spikesChanged_ = false;
  QMap<SeriesView*, int> own_;  // a view's own series; its reference copies follow them
  QString refName_;
  std::vector<EpochMetrics> metrics_;
  std::map<int, MeasureRecord> records_;
  Phases phases_;
  bool live_ = false;
  bool dirty_ = false;  // data arrived since the last replot
  QTimer replotTimer_;
};

}  // namespace grok
