// How periodic the MLP's neurons are at the scrubbed checkpoint: the distribution of each neuron's
// inverse participation ratio in the task's Fourier / irrep basis (Doshi et al. 2024; the
// definition is core/analysis/mechanism.h), 20 bins over [0, 1], with the mean marked. A neuron on
// one frequency has IPR 1; one spread evenly over K components 1/K. Its mean over neurons is the
// Mechanism view's mean IPR curve; this is that curve's value at one epoch, unpacked.
//
//   IprHistogram h;
//   h.setValues(epoch, snapshot.neuron_ipr);
//
// Threading: GUI thread only.
#pragma once

#include <vector>

#include "ui/plots/figure.h"

namespace grok {

class IprHistogram : public Figure {
  Q_OBJECT
 public:
  explicit IprHistogram(QWidget* parent = nullptr);
  void setValues(int epoch, const std::vector<double>& ipr);
  void clear();
  // The drawn counts per bin (tests read them).
  const std::vector<int>& counts() const { return counts_; }

 private:
  std::vector<int> counts_;
  QCPBars* bars_;
  QCPItemStraightLine* mean_;
};

}  // namespace grok
