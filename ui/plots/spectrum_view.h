// Fourier norms of a weight matrix per frequency (paper Fig. 3): bars for the cos k and sin k
// components side by side, the constant component at k = 0, key frequencies highlighted.
#pragma once

#include <vector>

#include "ui/plots/figure.h"

namespace grok {

class SpectrumView : public Figure {
  Q_OBJECT
 public:
  SpectrumView(const QString& title, QWidget* parent = nullptr);
  // `norms` [p] in FourierBasis order; `key` the frequencies to highlight.
  void setSpectrum(const std::vector<double>& norms, const std::vector<int>& key);
  void clear();

 private:
  QCPBars *cos_ = nullptr, *sin_ = nullptr, *keyCos_ = nullptr, *keySin_ = nullptr;
};

}  // namespace grok
