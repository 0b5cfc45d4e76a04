#include "core/analysis/internal/key_components.h"

#include "core/analysis/internal/pair_directions.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace grok {
namespace {

at::Tensor long_tensor(const std::vector<int>& v) {
  return at::tensor(std::vector<std::int64_t>(v.begin(), v.end()), at::kLong);
}

}  // namespace

KeyComponents::KeyComponents(const FourierBasis& F, const std::vector<int>& freqs)
    : n_(F.n()), p_(F.group().p), cyclic_(F.cyclic()) {
  for (int k : freqs)
    if (k >= 1 && k <= F.n_freqs()) freqs_.push_back(k);
  const int c = count();
  if (cyclic_) {
    cs_ = cos_sin_rows(F).select(freqs_);
    rows_total_ = 2 * c;
    for (int i = 0; i < c; i++) rows_.push_back({i, c + i});
  } else {
    std::vector<std::int64_t> basis_rows;
    for (int k : freqs_) {
      rows_.emplace_back();
      for (int r = 0; r < F.component_rows(k); r++)
        rows_.back().push_back(rows_total_++), basis_rows.push_back(F.component_first_row(k) + r);
    }
    const at::Tensor B = at::from_blob(const_cast<double*>(F.matrix().data()), {n_, n_}, at::kDouble);
    span_ = B.index_select(0, at::tensor(basis_rows, at::kLong)) / std::sqrt(static_cast<double>(n_));
    table_ = long_tensor(F.group().G->table);
  }
  C_ = at::zeros({rows_total_, p_}, at::kDouble);
  U_sum_ = at::zeros({rows_total_}, at::kDouble);
}

std::vector<std::int64_t> KeyComponents::rows_of(int i) const { return rows_[static_cast<std::size_t>(i)]; }

std::vector<std::int64_t> KeyComponents::rows_of(const std::vector<int>& which) const {
  std::vector<std::int64_t> out;
  for (int i : which) out.insert(out.end(), rows_[i].begin(), rows_[i].end());
  return out;
}

at::Tensor KeyComponents::directions(const PairBlock& b) const {
  const std::int64_t pairs = static_cast<std::int64_t>(b.i1 - b.i0) * n_;
  if (freqs_.empty()) return at::zeros({0, pairs}, at::kDouble);
  if (!cyclic_) return span_.index_select(1, table_.narrow(0, static_cast<std::int64_t>(b.i0) * n_, pairs));
  const PairDirections d = pair_directions(cs_, b.i0, b.i1);
  return at::cat({d.u_cos, d.u_sin});
}

void KeyComponents::accumulate(const ForwardBlock& b, const at::Tensor& U, const float* X) {
  if (freqs_.empty()) return;
  at::NoGradGuard no_grad;
  const at::Tensor L = at::from_blob(const_cast<float*>(X), {b.pairs, p_}, at::kFloat).to(at::kDouble);
  C_.addmm_(U, L);
  U_sum_.add_(U.sum(1));
}

std::vector<LossSum> KeyComponents::each_excluded(const float* L, const std::int64_t* rows, std::int64_t n,
                                                  const std::int64_t* labels, const at::Tensor& U,
                                                  const at::Tensor& C) const {
  const int c = count();
  const std::int64_t pairs = U.size(1);
  if (cyclic_) {
    const at::Tensor ac = C.narrow(0, 0, c).contiguous(), as = C.narrow(0, c, c).contiguous();
    return rank2_cross_entropies(L, p_, rows, n, labels, c, U.data_ptr<float>(), U.data_ptr<float>() + c * pairs,
                                 ac.data_ptr<float>(), as.data_ptr<float>(), pairs);
  }
  std::vector<LossSum> out;
  for (int i = 0; i < c; i++) {
    const at::Tensor idx = at::tensor(rows_of(i), at::kLong);
    const at::Tensor W = U.index_select(0, idx).t().contiguous(), A = C.index_select(0, idx).contiguous();
    out.push_back(lowrank_cross_entropy(L, p_, p_, rows, n, labels, W.data_ptr<float>(), static_cast<int>(W.size(1)),
                                        A.data_ptr<float>(), -1.f));
  }
  return out;
}

CharacterSums::CharacterSums(const FourierBasis& F) : F_(F), n_(F.n()), p_(F.group().p) {
  const OperationGroup& g = F.group();
  Z_ = at::zeros({n_}, at::kDouble);
  product_ = long_tensor(g.G->table);
  std::vector<int> divide(static_cast<std::size_t>(n_) * n_);
  for (int x = 0; x < n_; x++)
    for (int c = 0; c < n_; c++) divide[static_cast<std::size_t>(x) * n_ + c] = g.compose(x, g.G->inverse[c]);
  divide_ = long_tensor(divide).view({n_, n_});
  cols_ = long_tensor(g.token);
}

// One pass over the block's logits, in fixed chunks of rows whose sums are added in chunk order, so
// that the result does not depend on the thread count: the sums Z by h = (i o j) o c^-1, and the
// squares, per-pair sums and total (ATen took ~5 ms on mainline for these, in six passes over a
// float64 copy).
void CharacterSums::accumulate(const ForwardBlock& b, const float* L) {
  constexpr std::int64_t kChunk = 256;
  const std::int64_t* product = product_.data_ptr<std::int64_t>();
  const std::int64_t* divide = divide_.data_ptr<std::int64_t>();
  const std::int64_t* cols = cols_.data_ptr<std::int64_t>();
  const int n = n_, p = p_;
  const std::int64_t chunks = (b.pairs + kChunk - 1) / kChunk;
  struct Part {
    std::vector<double> z;
    double sq = 0, row_sq = 0, sum = 0;
  };
  std::vector<Part> parts(static_cast<std::size_t>(chunks));
  at::parallel_for(0, chunks, 1, [&](std::int64_t k0, std::int64_t k1) {
    for (std::int64_t k = k0; k < k1; k++) {
      Part& part = parts[static_cast<std::size_t>(k)];
      part.z.assign(static_cast<std::size_t>(n), 0.0);
      for (std::int64_t r = k * kChunk; r < std::min(b.pairs, (k + 1) * kChunk); r++) {
        const float* l = L + r * p;
        const std::int64_t* h = divide + product[b.first + r] * n;
        double row[4] = {0, 0, 0, 0}, row2[4] = {0, 0, 0, 0};  // four chains: no add waits on the last
        for (int c = 0; c < n; c++) {
          const double x = l[cols[c]];
          part.z[static_cast<std::size_t>(h[c])] += x;
          row[c & 3] += x;
          row2[c & 3] += x * x;
        }
        const double rs = (row[0] + row[1]) + (row[2] + row[3]);
        part.sq += (row2[0] + row2[1]) + (row2[2] + row2[3]);
        part.row_sq += rs * rs;
        part.sum += rs;
      }
    }
  });
  double* z = Z_.data_ptr<double>();
  for (const Part& part : parts) {
    for (int h = 0; h < n; h++) z[h] += part.z[static_cast<std::size_t>(h)];
    sq_ += part.sq, row_sq_ += part.row_sq, sum_ += part.sum;
  }
  count_ += b.pairs * n;
}

at::Tensor CharacterSums::coefficients() const {
  const int K = F_.n_freqs(), n = n_;
  at::Tensor chi = at::empty({K, n}, at::kDouble);
  double* c = chi.data_ptr<double>();  // written in place: an indexed assignment a value took ~3 ms a table
  for (int k = 1; k <= K; k++) {
    double e = 1;
    for (int h = 0; h < n; h++) {
      double x = 0;
      if (const GroupIrreps* R = F_.irreps())
        x = R->irreps[static_cast<std::size_t>(k)].character[h], e = R->irreps[static_cast<std::size_t>(k)].type;
      else
        x = F_.has_sin(k) ? 2 * std::cos(2 * M_PI * k * h / n) : (h % 2 ? -1.0 : 1.0), e = F_.has_sin(k) ? 2 : 1;
      c[(k - 1) * n + h] = x;
    }
    chi[k - 1] /= std::sqrt(e * n * static_cast<double>(n) * n);  // |T_k| = sqrt(n^3 e)
  }
  return at::mv(chi, Z_).contiguous();
}

double CharacterSums::centred_sq_norm() const { return sq_ - row_sq_ / n_; }

double CharacterSums::global_centred_sq_norm() const {
  return count_ ? sq_ - sum_ * sum_ / static_cast<double>(count_) : 0.0;
}

CosSinRows cos_sin_rows(const FourierBasis& F) {
  const int n = F.n(), K = F.n_freqs();
  const at::Tensor B = at::from_blob(const_cast<double*>(F.matrix().data()), {n, n}, at::kDouble);
  const at::Tensor Bz = at::cat({B, at::zeros({1, n}, at::kDouble)});
  std::vector<std::int64_t> c, s;
  std::vector<double> scale;
  for (int k = 1; k <= K; k++) {
    c.push_back(2 * k - 1), s.push_back(F.has_sin(k) ? 2 * k : n);
    scale.push_back(F.has_sin(k) ? 1 / std::sqrt(2.0) : 1.0);
  }
  return {Bz.index_select(0, at::tensor(c, at::kLong)), Bz.index_select(0, at::tensor(s, at::kLong)),
          at::tensor(scale, at::kDouble)};
}

}  // namespace grok
