#include "core/analysis/neuron_fve.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <stdexcept>

#include "core/analysis/internal/pair_blocks.h"
#include "core/analysis/internal/pair_directions.h"
#include "core/analysis/internal/row_losses.h"

namespace grok {

std::map<int, int> NeuronFrequencies::clusters(double threshold) const {
  std::map<int, int> out;
  for (std::size_t m = 0; m < freq.size(); m++)
    if (fve[m] >= threshold && freq[m] > 0) out[freq[m]]++;
  return out;
}

int NeuronFrequencies::count_above(double threshold) const {
  int n = 0;
  for (double f : fve) n += f >= threshold;
  return n;
}

std::vector<int> NeuronFrequencies::representatives(int count, std::optional<int> only_freq) const {
  std::vector<int> live;  // by FVE, best first
  for (int m = 0; m < static_cast<int>(freq.size()); m++)
    if (freq[m] > 0 && (!only_freq || freq[m] == *only_freq)) live.push_back(m);
  std::stable_sort(live.begin(), live.end(), [&](int a, int b) { return fve[a] > fve[b]; });
  std::vector<int> out;
  if (!only_freq) {
    std::map<int, int> size;
    for (int m : live) size[freq[m]]++;
    std::vector<std::pair<int, int>> by_size;  // (-size, k): most populous first, then lower k
    for (auto [k, n] : size) by_size.emplace_back(-n, k);
    std::sort(by_size.begin(), by_size.end());
    for (auto [n, k] : by_size)
      out.push_back(*std::find_if(live.begin(), live.end(), [&, k = k](int m) { return freq[m] == k; }));
    if (static_cast<int>(out.size()) > count) out.resize(count);
  }
  for (int m : live) {
    if (static_cast<int>(out.size()) >= count) break;
    if (std::find(out.begin(), out.end(), m) == out.end()) out.push_back(m);
  }
  return out;
}

namespace {

// Per column of a contiguous float X [R, M]: the sum and the sum of squared deviations from the
// column mean, float64, in two streaming passes (ATen's reductions wrote [R, M] temporaries and ran
// at a fifth of memory speed). Fixed row chunks summed in order: independent of the thread count.
struct Moments {
  std::vector<double> sum, m2;
  std::int64_t n = 0;
};

template <class RowFn>
std::vector<double> column_sums(std::int64_t R, std::int64_t M, const RowFn& add_row) {
  constexpr std::int64_t kRows = 512;
  const std::int64_t chunks = (R + kRows - 1) / kRows;
  std::vector<double> part(static_cast<std::size_t>(chunks * M), 0.0), out(static_cast<std::size_t>(M), 0.0);
  at::parallel_for(0, chunks, 1, [&](std::int64_t c0, std::int64_t c1) {
    for (std::int64_t c = c0; c < c1; c++)
      for (std::int64_t r = c * kRows; r < std::min(R, (c + 1) * kRows); r++) add_row(r, part.data() + c * M);
  });
  for (std::int64_t c = 0; c < chunks; c++)
    for (std::int64_t m = 0; m < M; m++) out[m] += part[c * M + m];
  return out;
}

Moments column_moments(const float* x, std::int64_t R, std::int64_t M) {
  Moments out;
  out.n = R;
  out.sum = column_sums(R, M, [&](std::int64_t r, double* acc) {
    for (std::int64_t m = 0; m < M; m++) acc[m] += x[r * M + m];
  });
  std::vector<double> mean(out.sum);
  for (double& v : mean) v /= static_cast<double>(R);
  out.m2 = column_sums(R, M, [&](std::int64_t r, double* acc) {
    for (std::int64_t m = 0; m < M; m++) {
      const double d = x[r * M + m] - mean[m];
      acc[m] += d * d;
    }
  });
  return out;
}

// Adds block b's moments to a's (Chan et al.'s parallel update: stable for near-constant columns,
// where sum x^2 - n mean^2 would cancel).
void combine(Moments& a, const Moments& b) {
  if (a.n == 0) {
    a = b;
    return;
  }
  const double na = static_cast<double>(a.n), nb = static_cast<double>(b.n);
  for (std::size_t m = 0; m < a.sum.size(); m++) {
    const double delta = b.sum[m] / nb - a.sum[m] / na;
    a.m2[m] += b.m2[m] + delta * delta * na * nb / (na + nb);
    a.sum[m] += b.sum[m];
  }
  a.n += b.n;
}

}  // namespace

namespace {

// Each neuron's frequency of most energy and that energy over its total (variance * n^2): the FVE;
// a neuron without variance is dead (frequency 0). `energy` [K, M] float64.
NeuronFrequencies best_frequencies(const at::Tensor& energy, const std::vector<double>& total, int n) {
  const int M = static_cast<int>(energy.size(1));
  const auto best = energy.max(0);
  const at::Tensor best_e = std::get<0>(best).contiguous(), best_k = std::get<1>(best).contiguous();
  NeuronFrequencies out;
  out.freq.assign(M, 0);
  out.fve.assign(M, 0.0);
  for (int m = 0; m < M; m++) {
    const double t = total[static_cast<std::size_t>(m)];
    if (t <= 1e-12 * n * n) continue;  // dead (constant) neuron: no variance to explain
    out.freq[m] = static_cast<int>(best_k.data_ptr<std::int64_t>()[m]) + 1;
    out.fve[m] = std::min(1.0, best_e.data_ptr<double>()[m] / t);
  }
  return out;
}

// The activations [p*p, M] in token order as blocks of the group's pairs. The config only names
// the task (a table group's table travels with it, so no file is read again).
std::unique_ptr<PairSource> activation_pairs(const float* acts, int M, const FourierBasis& F) {
  Config cfg;
  cfg.task = F.group().task;
  cfg.p = F.group().p;
  cfg.d_mlp = M;
  if (F.group().G->family == FiniteGroup::Family::Table) cfg.task_table = group_table_json(*F.group().G);
  PairForward whole;
  whole.mlp_post = acts;
  return pair_arrays(cfg, whole);
}

// Any group's irreps (Chughtai et al.'s per-irrep FVE): the centred activation of a neuron over the
// pairs projected onto the functions of one irrep's matrix entries of rho(a), rho(b) and rho(a o b)
// (orthonormal: f(i) / sqrt(n), f(j) / sqrt(n), f(i o j) / sqrt(n) for each row f of the irrep's
// span; the three spaces are orthogonal for a non-trivial irrep), its energy over the centred total.
NeuronFrequencies irrep_neurons_reference(const float* acts, int M, const FourierBasis& F) {
  const int n = F.n(), K = F.n_freqs();
  const std::unique_ptr<PairSource> src = activation_pairs(acts, M, F);
  at::Tensor over_i = at::zeros({n, M}, at::kDouble), over_j = at::zeros({n, M}, at::kDouble),
             over_ij = at::zeros({n, M}, at::kDouble);  // sums of X over j (by i), over i (by j), by i o j
  const at::Tensor product =
      at::tensor(std::vector<std::int64_t>(F.group().G->table.begin(), F.group().G->table.end()), at::kLong);
  Moments moments;
  for (std::size_t bi = 0; bi < src->size(); bi++) {
    const ForwardBlock blk = src->block(bi);
    const std::int64_t i0 = blk.rows.i0, rows = blk.rows.i1 - blk.rows.i0;
    const at::Tensor X = at::from_blob(const_cast<float*>(blk.data.mlp_post), {rows, n, M}, at::kFloat);
    over_j.narrow(0, i0, rows) += X.sum(1, false, at::kDouble);
    add_row_sums_f64(X.data_ptr<float>(), rows, static_cast<std::int64_t>(n) * M, over_i.data_ptr<double>());
    over_ij.index_add_(0, product.narrow(0, blk.first, blk.pairs), X.reshape({rows * n, M}).to(at::kDouble));
    combine(moments, column_moments(X.data_ptr<float>(), rows * n, M));
  }
  const at::Tensor B = at::from_blob(const_cast<double*>(F.matrix().data()), {n, n}, at::kDouble);
  const double s = 1 / std::sqrt(static_cast<double>(n));
  // Coefficients on every basis row: [n, M] each; a component's energy sums its rows.
  const at::Tensor sq =
      (at::mm(B, over_j) * s).square() + (at::mm(B, over_i) * s).square() + (at::mm(B, over_ij) * s).square();
  at::Tensor energy = at::zeros({K, M}, at::kDouble);
  for (int k = 1; k <= K; k++) energy[k - 1] = sq.narrow(0, F.component_first_row(k), F.component_rows(k)).sum(0);
  return best_frequencies(energy, moments.m2, n);
}

}  // namespace

NeuronFrequencies neuron_frequencies_reference(const float* acts, int M, const FourierBasis& F) {
  if (!F.cyclic()) return irrep_neurons_reference(acts, M, F);
  const int n = F.n(), K = F.n_freqs();
  at::NoGradGuard no_grad;
  // Y = B X B^T over the group's pairs (i, j) per neuron (X gathered in element order,
  // pair_blocks.h); only its 3 x 3 blocks {const, cos k, sin k}^2 are needed, and the total outside
  // Y[0, 0], which is the centred sum of squares (Parseval). Block by block over rows i, so no
  // temporary grows beyond a block (the whole-X transform formed [n, n, M]):
  //   W_i[v] = sum_j B[v, j] X[i, j]          the transform over j, one [2K, n] x [n, rows M] GEMM
  //   Y[u, v] += sum_i B[u, i] W_i[v]         for u, v in {cos k, sin k}: [2, rows] x [rows, M] per k and v
  //   Y[u, 0] = B00 sum_i B[u, i] sum_j X[i, j],   Y[0, v] = B00 sum_j B[v, j] sum_i X[i, j]
  // The sign character of even n has no sine: its row of Bk is zero, so its energy is its cos terms.
  const std::unique_ptr<PairSource> src = activation_pairs(acts, M, F);
  const CosSinRows cs = cos_sin_rows(F);                                      // zero sine row for the sign character
  const at::Tensor Bkd = at::stack({cs.cos, cs.sin}, 1).reshape({2 * K, n});  // [2K, n]: cos 1, sin 1, ...
  const at::Tensor Bk = Bkd.to(at::kFloat);
  const double B00 = F.matrix()[0];
  at::Tensor blocks = at::zeros({K, 2, 2, M}, at::kDouble);  // [k, u, v, m]
  at::Tensor col0 = at::zeros({2 * K, M}, at::kDouble);      // sum_i B[u, i] sum_j X[i, j], u = cos 1, sin 1, ...
  at::Tensor over_i = at::zeros({n, M}, at::kDouble);        // sum_i X[i, j]
  // Z[u, j, m] = sum_i B[u, i] X[i, j, m]: the transform over the leading index i, block rows as
  // they lie in memory (transforming over j first needed X transposed, a 26 MB copy on mainline).
  at::Tensor Z = at::zeros({2 * K, static_cast<std::int64_t>(n) * M}, at::kFloat);
  Moments moments;
  for (std::size_t bi = 0; bi < src->size(); bi++) {
    const ForwardBlock blk = src->block(bi);
    const std::int64_t i0 = blk.rows.i0, rows = blk.rows.i1 - blk.rows.i0;
    const at::Tensor X = at::from_blob(const_cast<float*>(blk.data.mlp_post), {rows, n, M}, at::kFloat);  // [i, j, m]
    const at::Tensor Bi = Bk.narrow(1, i0, rows);                                                         // [u, i]
    Z.addmm_(Bi, X.view({rows, static_cast<std::int64_t>(n) * M}));
    col0 += at::mm(Bi, X.sum(1)).to(at::kDouble);
    add_row_sums_f64(X.data_ptr<float>(), rows, static_cast<std::int64_t>(n) * M, over_i.data_ptr<double>());
    combine(moments, column_moments(X.data_ptr<float>(), rows * n, M));
  }
  // Y[u, v] for u, v in {cos k, sin k}: sum_j B[v, j] Z[u, j, m], one [2, n] x [n, M] product per k and u.
  const at::Tensor Zk = Z.view({K, 2, n, M}), Bv = Bk.view({K, 2, n});
  for (int u = 0; u < 2; u++) blocks.select(1, u).copy_(at::bmm(Bv, Zk.select(1, u)));  // [k, v, m]
  const at::Tensor row0 = at::mm(Bkd, over_i) * B00;                                    // Y[0, v] [2K, M]
  col0 *= B00;                                                                          // Y[u, 0] [2K, M]
  // Frequency k's energy: its block Y[u, v], u, v in {cos k, sin k}, plus Y[u, 0] and Y[0, v].
  const at::Tensor energy = blocks.view({K, 4, M}).square().sum(1) + row0.view({K, 2, M}).square().sum(1) +
                            col0.view({K, 2, M}).square().sum(1);  // [K, M]
  return best_frequencies(energy, moments.m2, n);
}

namespace {

// Sums of a neuron's activation over the pairs that share an element under each of `maps` (per
// group pair i*n + j, an element: i, j, i o j, ...) [n, M] each, and the columns' moments, in one
// pass over the activations. Threads take chunks of columns; each column is summed in pair order,
// so the result does not depend on the thread count. The moments are shifted by the first pair's
// value (a dead neuron's variance is exactly 0; no cancellation for near-constant columns).
struct PairSums {
  std::vector<std::vector<float>> by;  // [maps][n * M]: n terms each (every map is a Latin square)
  std::vector<double> shift, s1, s2;   // [M]: shift, sum (x - shift), sum (x - shift)^2
  std::int64_t count = 0;
  std::vector<double> centred() const {  // [M]: the sums of squared deviations from the mean
    std::vector<double> c(s2.size());
    for (std::size_t m = 0; m < c.size(); m++) c[m] = s2[m] - s1[m] * s1[m] / static_cast<double>(count);
    return c;
  }
};

constexpr std::int64_t kCols = 64;  // the columns a thread takes at a time
// A thread reads its columns' 256 bytes of each row, rows 2 KB apart (mainline, S5): across 4 KB
// pages the hardware does not fetch ahead, and each row waited on memory. Prefetched kAhead rows
// ahead: S5's snapshot ~1 ms sooner (29 MB of activations, read once).
constexpr std::int64_t kAhead = 8;

// A block's rows, columns [m0, m0 + w) (w at most kCols), into the sums. Compiled for AVX2 too (the
// sums per column are the same whichever runs: each output is its own chain of additions).
__attribute__((target_clones("avx2", "default"))) void add_rows(const float* X, std::int64_t rows, int M,
                                                                std::int64_t first, std::int64_t m0, std::int64_t w,
                                                                const std::vector<std::vector<int>>& maps,
                                                                PairSums& out) {
  // Map 0 (the pair's i) is the same for a run of n pairs: its sums are made in a local row and
  // added once a run, and the moments in two interleaved local sets, so that no row waits on the
  // previous row's store to the same place.
  alignas(32) float run[kCols];
  alignas(32) double m1[2][kCols], m2[2][kCols];
  std::fill(run, run + w, 0.0f);
  std::fill(&m1[0][0], &m1[0][0] + 2 * kCols, 0.0), std::fill(&m2[0][0], &m2[0][0] + 2 * kCols, 0.0);
  const double* shift = out.shift.data() + m0;
  auto flush = [&](std::size_t pair) {
    float* a = out.by[0].data() + static_cast<std::int64_t>(maps[0][pair]) * M + m0;
    for (std::int64_t m = 0; m < w; m++) a[m] += run[m], run[m] = 0.0f;
  };
  for (std::int64_t r = 0; r < rows; r++) {
    const float* x = X + r * M + m0;
    if (r + kAhead < rows)
      for (std::int64_t m = 0; m < w; m += 16) __builtin_prefetch(x + kAhead * M + m);
    const std::size_t pair = static_cast<std::size_t>(first + r);
    if (r > 0 && maps[0][pair] != maps[0][pair - 1]) flush(pair - 1);
    for (std::int64_t m = 0; m < w; m++) run[m] += x[m];
    for (std::size_t q = 1; q < maps.size(); q++) {
      float* a = out.by[q].data() + static_cast<std::int64_t>(maps[q][pair]) * M + m0;
      for (std::int64_t m = 0; m < w; m++) a[m] += x[m];
    }
    double* s1 = m1[r & 1];
    double* s2 = m2[r & 1];
    for (std::int64_t m = 0; m < w; m++) {
      const double d = x[m] - shift[m];
      s1[m] += d;
      s2[m] += d * d;
    }
  }
  if (rows > 0) flush(static_cast<std::size_t>(first + rows - 1));
  for (std::int64_t m = 0; m < w; m++) out.s1[m0 + m] += m1[0][m] + m1[1][m], out.s2[m0 + m] += m2[0][m] + m2[1][m];
}

PairSums pair_sums(PairSource& src, int n, int M, const std::vector<std::vector<int>>& maps) {
  PairSums out;
  out.by.assign(maps.size(), std::vector<float>(static_cast<std::size_t>(n) * M, 0.0f));
  out.s1.assign(M, 0.0), out.s2.assign(M, 0.0);
  const std::int64_t chunks = (M + kCols - 1) / kCols;
  for (std::size_t bi = 0; bi < src.size(); bi++) {
    const ForwardBlock blk = src.block(bi);
    const float* X = blk.data.mlp_post;
    if (out.shift.empty() && blk.pairs > 0) out.shift.assign(X, X + M);
    at::parallel_for(0, chunks, 1, [&](std::int64_t c0, std::int64_t c1) {
      for (std::int64_t c = c0; c < c1; c++)
        add_rows(X, blk.pairs, M, blk.first, c * kCols, std::min<std::int64_t>(kCols, M - c * kCols), maps, out);
    });
    out.count += blk.pairs;
  }
  return out;
}

}  // namespace

// One pass over the activations (pair_sums), then small transforms: for frequency k, the 3 x 3
// block {const, cos k, sin k}^2 of Y = B X B^T is, with S_f[e] the sum of X over the pairs that f
// maps to element e,
//   Y[u, 0]^2 and Y[0, v]^2:    (B S_i)[u]^2 / n and (B S_j)[v]^2 / n     (the i-only and j-only terms)
//   the four products Y[u, v]:  their span is that of cos, sin k(i + j) and cos, sin k(i - j),
//                               orthogonal, so the energy is ((B S_{i+j})^2 + (B S_{i-j})^2) / n
// summed over the rows u of k (the sign character of even n: one row, and i - j gives the same
// function as i + j, so it is counted once). Any other group: the irrep's rows of S_i, S_j and
// S_{i o j} (Chughtai et al.). neuron_frequencies_reference computes the transform itself.
NeuronFrequencies neuron_frequencies_of(const float* acts, int M, const FourierBasis& F) {
  at::NoGradGuard no_grad;
  const int n = F.n(), K = F.n_freqs();
  const FiniteGroup& G = *F.group().G;
  std::vector<std::vector<int>> maps(F.cyclic() ? 4 : 3, std::vector<int>(static_cast<std::size_t>(n) * n));
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      const std::size_t pair = static_cast<std::size_t>(i) * n + j;
      maps[0][pair] = i, maps[1][pair] = j, maps[2][pair] = G.compose(i, j);
      if (F.cyclic()) maps[3][pair] = G.compose(i, G.inverse[static_cast<std::size_t>(j)]);
    }
  const std::unique_ptr<PairSource> src = activation_pairs(acts, M, F);
  PairSums sums = pair_sums(*src, n, M, maps);
  const at::Tensor B = at::from_blob(const_cast<double*>(F.matrix().data()), {n, n}, at::kDouble);
  std::vector<at::Tensor> sq;  // [n, M] each: the squared coefficients of every basis row
  for (std::vector<float>& s : sums.by)
    sq.push_back(at::mm(B, at::from_blob(s.data(), {n, M}, at::kFloat).to(at::kDouble)).square());
  at::Tensor energy = at::zeros({K, M}, at::kDouble);
  const at::Tensor base = sq[0] + sq[1] + sq[2], with_diff = F.cyclic() ? base + sq[3] : base;
  for (int k = 1; k <= K; k++) {
    const at::Tensor& e = F.cyclic() && F.has_sin(k) ? with_diff : base;
    energy[k - 1] = e.narrow(0, F.component_first_row(k), F.component_rows(k)).sum(0) / static_cast<double>(n);
  }
  return best_frequencies(energy, sums.centred(), n);
}

NeuronFrequencies neuron_frequencies_from_activations(const std::vector<double>& acts, int M, const FourierBasis& F) {
  const int p = F.group().p;
  if (acts.size() != static_cast<std::size_t>(p) * p * M) throw std::invalid_argument("activations: expected [p*p, M]");
  const std::vector<float> f(acts.begin(), acts.end());
  return neuron_frequencies_of(f.data(), M, F);
}

}  // namespace grok
