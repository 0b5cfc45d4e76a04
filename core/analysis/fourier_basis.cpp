#include "core/analysis/fourier_basis.h"

#include <ATen/ATen.h>
#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <numeric>
#include <stdexcept>

namespace grok {
namespace {

// FFTW's planner is not thread-safe (only fftw_execute is): making or destroying plans at once on
// two threads fails or corrupts its tables. A sweep trains runs on several threads and the app
// analyses beside training, so every plan is made and destroyed under this lock.
std::mutex& planner_mutex() {
  static std::mutex m;
  return m;
}

}  // namespace

// One FFTW plan for a batch of `rows` contiguous length-p real transforms, with its aligned
// buffers (plans are made for aligned arrays; execution uses aligned copies). RAII for every handle.
struct FourierBasis::Plan {
  int rows = 0, p = 0;
  double* in = nullptr;
  fftw_complex* out = nullptr;
  fftw_plan plan = nullptr;
  Plan(int rows_, int p_) : rows(rows_), p(p_) {
    const int half = p / 2 + 1;
    in = fftw_alloc_real(static_cast<std::size_t>(rows) * p);
    out = fftw_alloc_complex(static_cast<std::size_t>(rows) * half);
    int n[] = {p};
    std::lock_guard<std::mutex> lock(planner_mutex());
    plan = fftw_plan_many_dft_r2c(1, n, rows, in, nullptr, 1, p, out, nullptr, 1, half, FFTW_ESTIMATE);
    if (!plan || !in || !out)
      throw std::runtime_error("FFTW: cannot plan a length-" + std::to_string(p) + " transform");
  }
  ~Plan() {
    if (plan) {
      std::lock_guard<std::mutex> lock(planner_mutex());
      fftw_destroy_plan(plan);
    }
    fftw_free(in);
    fftw_free(out);
  }
};

FourierBasis::FourierBasis(const OperationGroup& group, bool generic) : group_(group), n_(group.n) {
  const int n = n_;
  if (n < 2) throw std::invalid_argument("FourierBasis: the group's order must be >= 2");
  basis_.assign(static_cast<std::size_t>(n) * n, 0.0);
  if (generic || !group.cyclic()) {
    irreps_ = &group_irreps(*group.G);
    int row = 0;
    for (const Irrep& r : irreps_->irreps) {
      const int m = r.span_dim();
      if (row > 0) first_.push_back(row), rows_.push_back(m);
      std::copy(r.span.begin(), r.span.end(), basis_.begin() + static_cast<std::ptrdiff_t>(row) * n);
      row += m;
    }
    if (basis_[0] < 0)  // the trivial row: the positive constant, as the cyclic layout's
      for (int x = 0; x < n; x++) basis_[x] = -basis_[x];
    return;
  }
  const double c0 = 1.0 / std::sqrt(static_cast<double>(n)), ck = std::sqrt(2.0 / n);
  for (int x = 0; x < n; x++) basis_[x] = c0;
  for (int k = 1; k <= n / 2; k++) {
    first_.push_back(2 * k - 1), rows_.push_back(2 * k == n ? 1 : 2);
    for (int x = 0; x < n; x++) {
      const double w = 2 * M_PI * k * x / n;
      if (!has_sin(k)) {  // the sign character (-1)^x of even n: unit norm at 1/sqrt(n)
        basis_[static_cast<std::size_t>(2 * k - 1) * n + x] = x % 2 ? -c0 : c0;
        continue;
      }
      basis_[static_cast<std::size_t>(2 * k - 1) * n + x] = ck * std::cos(w);
      basis_[static_cast<std::size_t>(2 * k) * n + x] = ck * std::sin(w);
    }
  }
}

int FourierBasis::component_dim(int k) const {
  return irreps_ ? irreps_->irreps[static_cast<std::size_t>(k)].dim : component_rows(k);
}

std::string FourierBasis::component_name(int k) const {
  return irreps_ ? irreps_->irreps[static_cast<std::size_t>(k)].name : std::to_string(k);
}

std::string FourierBasis::component_label(int k) const {
  if (!irreps_) return std::to_string(k);
  const Irrep& r = irreps_->irreps[static_cast<std::size_t>(k)];
  return r.name.find('(') == std::string::npos && r.dim > 1 ? r.name + " (" + std::to_string(r.dim) + ")" : r.name;
}

std::string FourierBasis::row_label(int i) const {
  if (!irreps_) return label(i);
  if (i == 0) return "trivial";
  int k = n_freqs();
  while (k > 1 && component_first_row(k) > i) k--;
  return component_name(k) + " " + std::to_string(i - component_first_row(k) + 1);
}

FourierBasis::FourierBasis(int n) : FourierBasis(operation_group("add", n)) {}

FourierBasis::~FourierBasis() = default;

std::string FourierBasis::label(int i) {
  if (i == 0) return "const";
  return std::string(i % 2 ? "cos " : "sin ") + std::to_string((i + 1) / 2);
}

const FourierBasis::Plan& FourierBasis::plan_for(int rows) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& slot = plans_[rows];
  if (!slot) slot = std::make_unique<Plan>(rows, n_);
  return *slot;
}

std::vector<double> FourierBasis::transform_rows(const std::vector<double>& x, int rows) const {
  const int n = n_;
  if (x.size() != static_cast<std::size_t>(rows) * n) throw std::invalid_argument("transform_rows: size");
  if (irreps_) {  // c = x B^T, float64
    const at::Tensor X = at::from_blob(const_cast<double*>(x.data()), {rows, n}, at::kDouble);
    const at::Tensor B = at::from_blob(const_cast<double*>(basis_.data()), {n, n}, at::kDouble);
    const at::Tensor c = at::mm(X, B.t()).contiguous();
    return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
  }
  const Plan& plan = plan_for(rows);
  const int half = n / 2 + 1;
  // Per-call aligned buffers: the plan's own are only for planning, so calls may run concurrently.
  double* in = fftw_alloc_real(x.size());
  fftw_complex* out = fftw_alloc_complex(static_cast<std::size_t>(rows) * half);
  std::copy(x.begin(), x.end(), in);
  fftw_execute_dft_r2c(plan.plan, in, out);
  // X_k = sum_x f(x) e^{-2 pi i k x / n}: <f, cos k> = sqrt(2/n) Re X_k, <f, sin k> = -sqrt(2/n) Im X_k;
  // the sign character of even n: <f, (-1)^x / sqrt(n)> = X_(n/2) / sqrt(n), real.
  const double c0 = 1.0 / std::sqrt(static_cast<double>(n)), ck = std::sqrt(2.0 / n);
  std::vector<double> c(x.size());
  for (int r = 0; r < rows; r++) {
    const fftw_complex* X = out + static_cast<std::size_t>(r) * half;
    double* cr = c.data() + static_cast<std::size_t>(r) * n;
    cr[0] = c0 * X[0][0];
    for (int k = 1; k <= n_freqs(); k++) {
      if (!has_sin(k)) {
        cr[2 * k - 1] = c0 * X[k][0];
        continue;
      }
      cr[2 * k - 1] = ck * X[k][0];
      cr[2 * k] = -ck * X[k][1];
    }
  }
  fftw_free(in);
  fftw_free(out);
  return c;
}

std::vector<double> FourierBasis::transform_cols(const std::vector<double>& x, int cols) const {
  const int n = n_;
  if (x.size() != static_cast<std::size_t>(cols) * n) throw std::invalid_argument("transform_cols: size");
  std::vector<double> t(x.size());  // [cols, n]
  for (int i = 0; i < n; i++)
    for (int j = 0; j < cols; j++) t[static_cast<std::size_t>(j) * n + i] = x[static_cast<std::size_t>(i) * cols + j];
  const std::vector<double> ct = transform_rows(t, cols);
  std::vector<double> c(x.size());
  for (int i = 0; i < n; i++)
    for (int j = 0; j < cols; j++) c[static_cast<std::size_t>(i) * cols + j] = ct[static_cast<std::size_t>(j) * n + i];
  return c;
}

double gini(std::vector<double> c) {
  const std::size_t N = c.size();
  if (N == 0) return 0.0;
  std::sort(c.begin(), c.end());
  const double l1 = std::accumulate(c.begin(), c.end(), 0.0);
  if (l1 <= 0) return 0.0;
  double s = 0;
  for (std::size_t i = 0; i < N; i++) s += (c[i] / l1) * ((N - (i + 1) + 0.5) / N);
  return 1 - 2 * s;
}

}  // namespace grok
