// The run's numerics over epochs (records.h NumericsRecord, every test_interval epochs): what the
// follow-up papers explain grokking and its failures with, in three figures for one dock:
//   softmax collapse   the shares of training pairs whose float32 softmax has collapsed and whose
//                      loss is exactly 0 (Prieto et al. 2025), on a fixed 0..1 axis
//   cos(w, g)          the cosine between the weights and their loss gradient, of all parameters
//                      (heavy) and of each weight matrix (named by the hover; W_U's in the legend)
//   weight norms       the L2 norm of every weight matrix and the global norm (log y); W_U's is
//                      the slingshot's signal (Thilak et al. 2022): heavy, red, on a linear right
//                      axis of its own, where its steps at the loss spikes show
// Biases are left out of the per-tensor series (vectors, zero at initialisation); the global norm
// and the total cos(w, g) include them. Series are defined from the first record's names, in the
// model's order (W_E, W_pos, each block's W_Q, W_K, W_V, W_O, W_in, W_out, W_U). A run file
// older than the numerics (format < 3) has none: each figure says so.
//
// CurvesPanel (ui/window/curves_panel.h) owns it and links its views with the other curves (x range,
// epoch marker, phases, loss spikes, the batched replots).
//
//   NumericsPanel n;
//   dock->setWidget(n.widget());
//   n.add(store.numerics());   // or as training reports them; epochs already held are skipped
//   n.setMissing(true);        // an older run file: say so
//
// Threading: GUI thread only.
#pragma once

#include <QList>
#include <QMap>
#include <QObject>
#include <QString>
#include <vector>

#include "core/base/records.h"

class QCPItemText;
class QWidget;

namespace grok {

class SeriesView;

class NumericsPanel : public QObject {
  Q_OBJECT
 public:
  explicit NumericsPanel(QObject* parent = nullptr);
  QWidget* widget() const { return stack_; }  // the three figures stacked (parented by a dock)
  SeriesView* collapseView() const { return collapse_; }
  SeriesView* cosView() const { return cos_; }
  SeriesView* normView() const { return norm_; }
  QList<SeriesView*> views() const { return {collapse_, cos_, norm_}; }
  // Figure name -> view, for export.
  QMap<QString, QWidget*> figures() const;
  // The series of `view` drawing the record value `name` ("norm:unembed.W_U"), -1 if none.
  int seriesOf(const SeriesView* view, const std::string& name) const;

  void clear();  // data and series; not missing
  void add(const std::vector<NumericsRecord>& records);
  void setMissing(bool missing);
  bool missing() const { return missing_; }
  int newestEpoch() const { return newest_; }

 private:
  struct Slot {
    SeriesView* view;
    int series;
    std::string name;
  };
  void defineSeries(const NumericsRecord& first);
  QWidget* stack_;
  SeriesView *collapse_, *cos_, *norm_;
  QList<QCPItemText*> missingNotes_;
  std::vector<Slot> slots_;  // every series, what it draws
  int newest_ = -1;
  bool missing_ = false;
};

}  // namespace grok
