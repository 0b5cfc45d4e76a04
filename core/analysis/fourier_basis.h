// The real orthonormal Fourier basis over Z_p (paper Section 4.1, REFERENCE.md s.4), applied with
// FFTW3. Basis order: [const, cos 1, sin 1, cos 2, sin 2, ..., cos (p-1)/2, sin (p-1)/2], each unit
// norm: const = 1/sqrt(p), cos k = sqrt(2/p) cos(2 pi k x / p), sin k = sqrt(2/p) sin(2 pi k x / p).
//
//   FourierBasis F(113);
//   std::vector<double> c = F.transform_rows(x, rows);   // x [rows, p] -> coefficients [rows, p]
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

namespace grok {

class FourierBasis {
 public:
  explicit FourierBasis(int p);  // p odd, >= 3
  ~FourierBasis();
  FourierBasis(const FourierBasis&) = delete;
  FourierBasis& operator=(const FourierBasis&) = delete;

  int p() const { return p_; }
  int n_freqs() const { return (p_ - 1) / 2; }
  // The explicit basis matrix [p, p] (row i = basis vector i), kept to check FFTW against.
  const std::vector<double>& matrix() const { return basis_; }
  static std::string label(int i);  // "const", "cos 1", "sin 1", ...

  // x [rows, p] row-major -> coefficients [rows, p]: coefficient i of row r is <x[r], basis_i>.
  std::vector<double> transform_rows(const std::vector<double>& x, int rows) const;
  // x [p, cols] -> [p, cols], transforming along the first axis (each column).
  std::vector<double> transform_cols(const std::vector<double>& x, int cols) const;

 private:
  struct Plan;
  int p_;
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
