// The group's Fourier basis: an orthonormal basis of the functions on the group G a task is a
// composition in (operation_group.h), grouped by G's real irreducible representations (irreps.h).
// Component k = 1..K is the k-th non-trivial irrep; its rows span the functions g -> rho_k(g)_ij
// (d^2 / e of them). Measures summed over a component's rows do not depend on the basis chosen
// inside its span.
//
// For a cyclic group (paper Section 4.1, REFERENCE.md s.4; n = p for a + b and a - b, n = p - 1 over
// the discrete log for a * b and a / b; the groups Z_n) this is the real Fourier basis, applied with
// FFTW3: basis order [const, cos 1, sin 1, ..., cos K, sin K], each unit norm: const = 1/sqrt(n),
// cos k = sqrt(2/n) cos(2 pi k x / n), sin k likewise; component k is frequency k (rows 2k-1, 2k).
// For odd n, K = (n-1)/2; for even n, K = n/2 and the last component is the real sign character
// cos n/2 = (-1)^x / sqrt(n), which has no sine: the basis still has n vectors. Any other group
// (and a cyclic one when `generic` is asked, which the tests compare with FFTW) uses the spans of
// its irreps, in irreps.h's order, applied as a matrix product: [trivial, rows of irrep 1, ...].
//
// The basis carries its group: the analysis reads logits and activations in element order
// (OperationGroup::a_token ...), so every measure is the same code for every task.
//
//   FourierBasis F(Task(cfg).group());                 // or FourierBasis(113): Z_113, a + b
//   std::vector<double> c = F.transform_rows(x, rows);   // x [rows, n] -> coefficients [rows, n]
//   for (int k = 1; k <= F.n_freqs(); k++) F.component_name(k);   // "14", or "standard"
//
// Thread-safety: a FourierBasis may be used from several threads at once. Plans are made once per
// batch shape under a lock (FFTW's planner is not thread-safe) and executed with the new-array
// interface, which is.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/analysis/irreps.h"
#include "core/base/operation_group.h"

namespace grok {

class FourierBasis {
 public:
  // `generic`: the irreps' spans even for a cyclic group (the plain path FFTW is tested against).
  explicit FourierBasis(const OperationGroup& group, bool generic = false);
  explicit FourierBasis(int n);  // Z_n with a + b, n >= 2
  ~FourierBasis();
  FourierBasis(const FourierBasis&) = delete;
  FourierBasis& operator=(const FourierBasis&) = delete;

  const OperationGroup& group() const { return group_; }
  int n() const { return n_; }  // transform length: the group's order
  // The cyclic layout (const, cos k, sin k: frequencies), transformed with FFTW.
  bool cyclic() const { return irreps_ == nullptr; }
  int n_freqs() const { return static_cast<int>(first_.size()); }  // K: components 1..K
  bool has_sin(int k) const { return component_rows(k) == 2; }     // cyclic: false for the sign character
  int component_rows(int k) const { return rows_[k - 1]; }         // d^2 / e (1 or 2 for a cyclic group)
  int component_first_row(int k) const { return first_[k - 1]; }
  int component_dim(int k) const;                        // d: the irrep's dimension (2 or 1 for a cyclic group)
  std::string component_name(int k) const;               // "14" (a frequency), "standard", "k=(1,0)"
  std::string component_label(int k) const;              // "14", "standard (4)"
  const GroupIrreps* irreps() const { return irreps_; }  // null for the cyclic layout
  // The explicit basis matrix [n, n] (row i = basis vector i), kept to check FFTW against.
  const std::vector<double>& matrix() const { return basis_; }
  static std::string label(int i);     // the cyclic layout's rows: "const", "cos 1", "sin 1", ...
  std::string row_label(int i) const;  // label(i), or "standard 3" (row 3 of that irrep's span)

  // x [rows, n] row-major -> coefficients [rows, n]: coefficient i of row r is <x[r], basis_i>.
  std::vector<double> transform_rows(const std::vector<double>& x, int rows) const;
  // x [n, cols] -> [n, cols], transforming along the first axis (each column).
  std::vector<double> transform_cols(const std::vector<double>& x, int cols) const;

 private:
  struct Plan;
  OperationGroup group_;
  int n_;
  std::vector<double> basis_;
  const GroupIrreps* irreps_ = nullptr;  // the generic layout's irreps (cached for the process)
  std::vector<int> first_, rows_;        // per component k - 1
  mutable std::mutex mutex_;
  mutable std::map<int, std::unique_ptr<Plan>> plans_;  // by batch size
  const Plan& plan_for(int rows) const;
};

// Gini coefficient of non-negative values (Hurley & Rickard 2009), as in the paper Section 5.1:
// sorted ascending c_1..c_N, G = 1 - 2 sum_i (c_i / |c|_1) (N - i + 1/2) / N. 0 for a flat vector,
// 1 - 1/N for a single spike.
double gini(std::vector<double> c);

}  // namespace grok
