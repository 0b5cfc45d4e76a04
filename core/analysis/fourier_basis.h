// The real orthonormal Fourier basis over the group Z_n an operation lives in (paper Section 4.1,
// REFERENCE.md s.4; operation_group.h: n = p for a + b and a - b, n = p - 1 over the discrete log
// for a * b and a / b), applied with FFTW3. Basis order: [const, cos 1, sin 1, ..., cos K, sin K],
// each unit norm: const = 1/sqrt(n), cos k = sqrt(2/n) cos(2 pi k x / n), sin k likewise. For odd
// n, K = (n-1)/2; for even n, K = n/2 and the last frequency is the real sign character
// cos n/2 = (-1)^x / sqrt(n), which has no sine: the basis still has n vectors.
//
// The basis carries its group: the analysis reads logits and activations in element order
// (OperationGroup::a_token ...), so every measure is the same code for every operation.
//
//   FourierBasis F(Task(cfg).group());                 // or FourierBasis(113): Z_113, a + b
//   std::vector<double> c = F.transform_rows(x, rows);   // x [rows, n] -> coefficients [rows, n]
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

#include "core/base/operation_group.h"

namespace grok {

class FourierBasis {
 public:
  explicit FourierBasis(const OperationGroup& group);
  explicit FourierBasis(int n);  // Z_n with a + b, n >= 2
  ~FourierBasis();
  FourierBasis(const FourierBasis&) = delete;
  FourierBasis& operator=(const FourierBasis&) = delete;

  const OperationGroup& group() const { return group_; }
  int n() const { return n_; }                       // transform length: the group's order
  int n_freqs() const { return n_ / 2; }             // K: frequencies 1..K
  bool has_sin(int k) const { return 2 * k != n_; }  // false for the sign character of even n
  // The explicit basis matrix [n, n] (row i = basis vector i), kept to check FFTW against.
  const std::vector<double>& matrix() const { return basis_; }
  static std::string label(int i);  // "const", "cos 1", "sin 1", ...

  // x [rows, n] row-major -> coefficients [rows, n]: coefficient i of row r is <x[r], basis_i>.
  std::vector<double> transform_rows(const std::vector<double>& x, int rows) const;
  // x [n, cols] -> [n, cols], transforming along the first axis (each column).
  std::vector<double> transform_cols(const std::vector<double>& x, int cols) const;

 private:
  struct Plan;
  OperationGroup group_;
  int n_;
  std::vector<double> basis_;
  mutable std::mutex mutex_;
  mutable std::map<int, std::unique_ptr<Plan>> plans_;  // by batch size
  const Plan& plan_for(int rows) const;
};

// Gini coefficient of non-negative values (Hurley & Rickard 2009), as in the paper Section 5.1:
// sorted ascending c_1..c_N, G = 1 - 2 sum_i (c_i / |c|_1) (N - i + 1/2) / N. 0 for a flat vector,
// 1 - 1/N for a single spike.
double gini(std::vector<double> c);

}  // namespace grok
