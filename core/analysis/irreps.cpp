#include "core/analysis/irreps.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <stdexcept>

#include "core/analysis/internal/irrep_names.h"

namespace grok {
namespace {

// Groups of eigenvectors whose eigenvalues agree within tol (values ascending).
std::vector<std::vector<std::int64_t>> clusters(const at::Tensor& values, double tol) {
  const auto v = values.accessor<double, 1>();
  std::vector<std::vector<std::int64_t>> out;
  for (std::int64_t i = 0; i < values.size(0); i++) {
    if (out.empty() || v[i] - v[out.back().back()] > tol) out.emplace_back();
    out.back().push_back(i);
  }
  return out;
}

double spread(const at::Tensor& values) { return std::max(1.0, values.abs().max().item<double>()); }

// rho(g) = B^T L(g) B for every g, with (L(g) B)[x] = B[g^-1 x]: [n, d, d].
std::vector<double> representation(const FiniteGroup& G, const at::Tensor& B) {
  const int n = G.n;
  const std::int64_t d = B.size(1);
  std::vector<double> out(static_cast<std::size_t>(n) * d * d);
  std::vector<std::int64_t> idx(n);
  for (int g = 0; g < n; g++) {
    for (int x = 0; x < n; x++) idx[x] = G.compose(G.inverse[g], x);
    const at::Tensor Lb = B.index_select(0, at::tensor(idx, at::kLong));
    const at::Tensor r = B.t().matmul(Lb).contiguous();
    std::copy(r.data_ptr<double>(), r.data_ptr<double>() + d * d, out.begin() + static_cast<std::ptrdiff_t>(g) * d * d);
  }
  return out;
}

// One attempt with random draws from `seed`; empty when the draws did not separate the irreps.
std::vector<Irrep> decompose(const FiniteGroup& G, const std::vector<std::vector<int>>& classes, unsigned seed) {
  const int n = G.n;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uni(0.5, 1.5);
  std::vector<int> class_of(n);
  for (std::size_t k = 0; k < classes.size(); k++)
    for (int g : classes[k]) class_of[g] = static_cast<int>(k);
  std::vector<double> c(classes.size());
  for (double& x : c) x = uni(rng);
  // Z[x, y] = w(x y^-1), w(g) = c_K(g) + c_K(g^-1): central, symmetric.
  at::Tensor Z = at::empty({n, n}, at::kDouble);
  auto z = Z.accessor<double, 2>();
  for (int x = 0; x < n; x++)
    for (int y = 0; y < n; y++) {
      const int g = G.compose(x, G.inverse[y]);
      z[x][y] = c[class_of[g]] + c[class_of[G.inverse[g]]];
    }
  const auto [zval, zvec] = at::linalg_eigh(Z);
  std::vector<double> u(n);
  for (double& x : u) x = uni(rng);
  // S[x, y] = u(x^-1 y) + u(y^-1 x): symmetric, a combination of right translations.
  at::Tensor S = at::empty({n, n}, at::kDouble);
  auto s = S.accessor<double, 2>();
  for (int x = 0; x < n; x++)
    for (int y = 0; y < n; y++) s[x][y] = u[G.compose(G.inverse[x], y)] + u[G.compose(G.inverse[y], x)];
  std::vector<Irrep> out;
  int covered = 0;
  for (const auto& block : clusters(zval, 1e-7 * spread(zval))) {
    const at::Tensor Q = zvec.index_select(1, at::tensor(block, at::kLong));  // [n, D]: V_rho
    const auto [sval, svec] = at::linalg_eigh(Q.t().matmul(S).matmul(Q));
    const auto parts = clusters(sval, 1e-7 * spread(sval));
    const std::vector<std::int64_t>& first = parts.front();
    const at::Tensor B = Q.matmul(svec.index_select(1, at::tensor(first, at::kLong)));  // [n, d]
    Irrep r;
    r.dim = static_cast<int>(first.size());
    r.matrices = representation(G, B);
    r.character.resize(n);
    double norm = 0;
    for (int g = 0; g < n; g++) {
      double t = 0;
      for (int k = 0; k < r.dim; k++) t += r.matrices[(static_cast<std::size_t>(g) * r.dim + k) * r.dim + k];
      r.character[g] = t;
      norm += t * t;
    }
    r.type = static_cast<int>(std::lround(norm / n));
    const std::int64_t D = Q.size(1);
    if ((r.type != 1 && r.type != 2 && r.type != 4) || D * r.type != static_cast<std::int64_t>(r.dim) * r.dim)
      return {};
    const at::Tensor span = Q.t().contiguous();
    r.span.assign(span.data_ptr<double>(), span.data_ptr<double>() + D * n);
    covered += static_cast<int>(D);
    out.push_back(std::move(r));
  }
  if (covered != n) return {};
  return out;
}

}  // namespace

int GroupIrreps::total_span() const {
  int s = 0;
  for (const Irrep& r : irreps) s += r.span_dim();
  return s;
}

const GroupIrreps& group_irreps(const FiniteGroup& G) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<GroupIrreps>> cache;
  std::string key = G.name + "|" + std::to_string(G.n) + "|";
  key += std::to_string(std::hash<std::string>{}(
      std::string(reinterpret_cast<const char*>(G.table.data()), G.table.size() * sizeof(int))));
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (auto it = cache.find(key); it != cache.end()) return *it->second;
  }
  auto R = std::make_unique<GroupIrreps>();
  R->classes = G.conjugacy_classes();
  for (unsigned seed = 1; seed <= 8 && R->irreps.empty(); seed++) R->irreps = decompose(G, R->classes, seed);
  if (R->irreps.empty()) throw std::runtime_error(G.name + ": the irreducible representations could not be separated");
  name_irreps(G, R->irreps);
  std::lock_guard<std::mutex> lock(mutex);
  auto& slot = cache[key];
  if (!slot) slot = std::move(R);
  return *slot;
}

}  // namespace grok
