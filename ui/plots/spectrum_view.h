// Fourier norms of a weight matrix per frequency (paper Fig. 3): bars for the cos k and sin k
// components side by side, the constant component at k = 0, key frequencies highlighted. The norms
// are in the basis of the operation's group Z_n (core/analysis/fourier_basis.h): frequencies 1..K,
// K = n/2; for even n the last is the sign character (-1)^x, which has a cos bar and no sin bar.
// The axis and title name the basis (setBasis): "frequency k over log_3 x (Z_112)".
//
//   SpectrumView v("W_E Fourier norms");
//   v.setBasis("log_3 x", "Z_112");
//   v.setSpectrum(spectra.we_norms, detected.freqs);   // [n], {4, 17, ...}
//
// Any other group's basis is its irreps' spans (fourier_basis.h): setComponents names them and
// says which rows each holds, and the view draws one bar per irrep, the norm over its span,
// labelled "standard (4)" (the trivial irrep at 0).
//
// A model with an embedding per operand (the MLPs) shows both: setOperandSpectra draws, per
// frequency or irrep, the norm over its rows for operand a and for operand b side by side.
//
// Threading: GUI thread only.
#pragma once

#include <vector>

#include "ui/plots/figure.h"

namespace grok {

class SpectrumView : public Figure {
  Q_OBJECT
 public:
  SpectrumView(const QString& title, QWidget* parent = nullptr);
  // What the frequencies run over: `coordinate` "x" or "log_3 x", `group` "Z_113".
  void setBasis(const QString& coordinate, const QString& group);
  // `norms` [n] in FourierBasis order; `key` the frequencies to highlight.
  void setSpectrum(const std::vector<double>& norms, const std::vector<int>& key);
  // Two spectra [n] each, one per operand: a's bar left of b's, a component's norm over its rows.
  void setOperandSpectra(const std::vector<double>& a, const std::vector<int>& key, const std::vector<double>& b);
  // A group's irreps, trivial first: their labels and rows in the norms' order; empty names: the
  // cyclic layout (cos and sin bars per frequency).
  void setComponents(const QStringList& names, const std::vector<int>& first, const std::vector<int>& rows);
  void clear();
  // For tests: the frequencies drawn (K) and the bars' values (cos at k = 0 is the constant).
  int frequencies() const { return K_; }
  double cosAt(int k) const;
  bool hasSinBar(int k) const;

 private:
  void updateText();  // the title and the frequency axis's label
  void setOperands(bool two);
  double componentNorm(const std::vector<double>& norms, int k) const;  // over component k's rows
  QString name_, basis_, keys_;
  int K_ = 0;
  bool signCharacter_ = false;  // even n: frequency K is the sign character
  bool operands_ = false;       // bars per operand (setOperandSpectra), not cos and sin
  QStringList names_;           // irreps: labels, trivial first (empty: frequencies)
  std::vector<int> first_, rows_;
  QCPBars *cos_ = nullptr, *sin_ = nullptr, *keyCos_ = nullptr, *keySin_ = nullptr;
};

}  // namespace grok
