#include "core/analysis/progress_measures.h"
#include "core/base/task.h"

#include "core/analysis/measure_registry.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "core/analysis/analysis_memory.h"
#include "core/analysis/internal/key_components.h"
#include "core/analysis/internal/pair_blocks.h"
#include "core/analysis/internal/row_losses.h"
#include "core/analysis/pair_forward.h"
#include "core/analysis/weight_spectra.h"

namespace grok {
namespace {

at::Tensor f32(const at::Tensor& t) { return t.to(at::kFloat).contiguous(); }

std::pair<double, double> as_pair(const LossSum& s) {
  const LossAcc m = s.mean();
  return {m.loss, m.acc};
}

// The logit-based measures (the weight-based ones stay 0), in two passes over the blocks of the
// group's pairs (pair_blocks.h): the first sums the losses, the mean logits and every frequency's
// key components; the second, which needs those, the restricted and excluded losses. Neither holds
// more than a block of pairs. The pairs outside the group count in the train and test losses and
// are reported apart; every Fourier measure is over the group's pairs.
ProgressMeasures measures_of(const Config& cfg, PairSource& src, const Dataset& data, const std::vector<int>& key_freqs,
                             const FourierBasis& F) {
  at::NoGradGuard no_grad;
  const int p = Task(cfg).p(), n = F.n(), K = F.n_freqs();
  ProgressMeasures out;
  out.key_freqs = key_freqs;
  const GroupPairs& gp = src.pairs();
  const std::vector<std::int64_t>& labels = gp.label;
  const GroupPairs::Rows train = gp.rows_of(data.train), test = gp.rows_of(data.test);
  std::vector<int> every(K);
  std::iota(every.begin(), every.end(), 1);
  KeyComponents all(F, every);  // every component's rows (key_components.h)
  CharacterSums chars(F);
  // The key set's rows among them.
  std::vector<int> key_index;
  for (int k : key_freqs)
    if (k >= 1 && k <= K) key_index.push_back(k - 1);
  const std::vector<std::int64_t> key_rows = all.rows_of(key_index);
  const int key_rank = static_cast<int>(key_rows.size());
  const at::Tensor key_idx = at::tensor(key_rows, at::kLong);

  LossSum train_s, test_s;
  at::Tensor sum = at::zeros({p}, at::kDouble);  // logits summed over the group's pairs
  for (std::size_t i = 0; i < src.size(); i++) {
    const ForwardBlock b = src.block(i);
    const std::int64_t* y = labels.data() + b.first;
    const std::vector<std::int64_t> tr = rows_in(train.inside, b.first, b.pairs),
                                    te = rows_in(test.inside, b.first, b.pairs);
    train_s += row_cross_entropy(b.data.logits, p, tr.data(), static_cast<std::int64_t>(tr.size()), y);
    test_s += row_cross_entropy(b.data.logits, p, te.data(), static_cast<std::int64_t>(te.size()), y);
    const at::Tensor L = at::from_blob(const_cast<float*>(b.data.logits), {b.pairs, p}, at::kFloat);
    sum += L.sum({0}, /*keepdim=*/false, at::kDouble);
    all.accumulate(b, all.directions(b.rows), b.data.logits);
    chars.accumulate(b, b.data.logits);
  }
  if (!gp.outside.empty()) {  // a zero operand: in the losses, not in any Fourier measure
    const ForwardBlock b = src.outside();
    const std::int64_t* y = gp.outside_label.data();
    std::vector<std::int64_t> every_row(static_cast<std::size_t>(b.pairs));
    std::iota(every_row.begin(), every_row.end(), 0);
    train_s +=
        row_cross_entropy(b.data.logits, p, train.outside.data(), static_cast<std::int64_t>(train.outside.size()), y);
    test_s +=
        row_cross_entropy(b.data.logits, p, test.outside.data(), static_cast<std::int64_t>(test.outside.size()), y);
    const LossAcc o = row_cross_entropy(b.data.logits, p, every_row.data(), b.pairs, y).mean();
    out.outside_pairs = static_cast<int>(b.pairs);
    out.outside_loss = o.loss, out.outside_acc = o.acc;
  }
  std::tie(out.train_loss, out.train_acc) = as_pair(train_s);
  std::tie(out.test_loss, out.test_acc) = as_pair(test_s);

  const at::Tensor C = all.coefficients();                                 // [rows, p] float64
  const at::Tensor Cf = f32(C), C_keys = f32(C.index_select(0, key_idx));  // [rows of the keys, p]
  const at::Tensor mean = f32(sum / (static_cast<double>(n) * n));
  LossSum restricted_test, restricted_all, excluded_train;
  std::vector<LossSum> single(static_cast<std::size_t>(K));  // each frequency's excluded loss, train split
  for (std::size_t i = 0; i < src.size(); i++) {
    const ForwardBlock b = src.block(i);
    const std::int64_t* y = labels.data() + b.first;
    const std::vector<std::int64_t> tr = rows_in(train.inside, b.first, b.pairs),
                                    te = rows_in(test.inside, b.first, b.pairs);
    std::vector<std::int64_t> rows(static_cast<std::size_t>(b.pairs));
    std::iota(rows.begin(), rows.end(), 0);
    const at::Tensor U = f32(all.directions(b.rows));          // [rows, pairs]
    const at::Tensor W = f32(U.index_select(0, key_idx).t());  // [pairs, rows of the keys]
    // Restricted: the mean logits plus the key components; excluded: the logits less them. Both
    // applied per row by the kernel, without forming a [pairs, p] table.
    auto lowrank = [&](const float* base, std::int64_t stride, const std::vector<std::int64_t>& r, float sign) {
      return lowrank_cross_entropy(base, stride, p, r.data(), static_cast<std::int64_t>(r.size()), y,
                                   W.data_ptr<float>(), key_rank, C_keys.data_ptr<float>(), sign);
    };
    restricted_test += lowrank(mean.data_ptr<float>(), 0, te, 1.f);
    restricted_all += lowrank(mean.data_ptr<float>(), 0, rows, 1.f);
    excluded_train += lowrank(b.data.logits, p, tr, -1.f);
    // Every single component excluded on the train split: a low-rank change of the logits per k,
    // applied inside the loss kernel.
    const std::vector<LossSum> s =
        all.each_excluded(b.data.logits, tr.data(), static_cast<std::int64_t>(tr.size()), y, U, Cf);
    for (int k = 0; k < K; k++) single[k] += s[k];
  }
  std::tie(out.restricted_loss_test, out.restricted_acc_test) = as_pair(restricted_test);
  out.restricted_loss_all = restricted_all.mean().loss;
  out.excluded_loss_train = excluded_train.mean().loss;
  for (int k = 1; k <= K; k++) {
    const double e = single[k - 1].mean().loss;
    if (e > out.max_excluded_loss) out.max_excluded_loss = e, out.max_excluded_freq = k;
  }
  for (int k : key_freqs) out.excluded_loss_per_key.push_back(k >= 1 && k <= K ? single[k - 1].mean().loss : NAN);

  // Fig. 14: <L, T_k> / |T_k| for T_k = chi_k(i o j o c^-1) (2 cos(w_k(i+j-c)) for a cyclic group)
  // over the group's pairs and outputs c; divided by the norm of the logits centred per pair, the
  // cosine Chughtai et al. call the logit similarity of irrep k (key_components.h).
  const at::Tensor coef = chars.coefficients();
  out.cos_abc_coefficients.assign(coef.data_ptr<double>(), coef.data_ptr<double>() + K);
  const double norm = std::sqrt(std::max(0.0, chars.centred_sq_norm()));
  for (double c : out.cos_abc_coefficients) out.logit_similarity.push_back(norm > 0 ? c / norm : 0.0);
  for (int i : key_index) out.logits_explained += out.logit_similarity[i] * out.logit_similarity[i];
  return out;
}

// The key components the model uses, checked against the model itself: candidates are the
// components whose W_L energy per dimension of their span is at least the uniform share (at most
// 16, strongest first); the set is the shortest prefix whose restricted loss over every pair of the
// group (mean logits plus its components) is at most twice the lowest any prefix
// reaches. The energy rule of detect_key_frequencies missed components the model uses (a subtract
// run: {21, 26} by energy, restricted loss 0.057; {19, 20, 21, 26} here, 1e-5).
KeyFrequencies detect_in(const Config& cfg, PairSource& src, const FourierBasis& F,
                         const std::vector<double>& wl_norms) {
  at::NoGradGuard no_grad;
  const int p = Task(cfg).p(), K = F.n_freqs();
  KeyFrequencies out;
  out.share.assign(K, 0.0);
  std::vector<double> energy(K, 0.0), ratio(K, 0.0);
  double total = 0, dims = 0;
  for (int k = 1; k <= K; k++) {
    for (int r = 0; r < F.component_rows(k); r++) {
      const double x = wl_norms[F.component_first_row(k) + r];
      energy[k - 1] += x * x;
    }
    total += energy[k - 1], dims += F.component_rows(k);
  }
  if (total <= 0) return out;
  std::vector<int> candidates;
  for (int k = 1; k <= K; k++) {
    out.share[k - 1] = energy[k - 1] / total;
    ratio[k - 1] = out.share[k - 1] * dims / F.component_rows(k);
    if (ratio[k - 1] >= 1) candidates.push_back(k);
  }
  std::stable_sort(candidates.begin(), candidates.end(), [&](int a, int b) { return ratio[a - 1] > ratio[b - 1]; });
  if (candidates.size() > 16) candidates.resize(16);
  const int T = static_cast<int>(candidates.size());
  if (T == 0) return out;
  KeyComponents comps(F, candidates);
  const std::vector<std::int64_t>& labels = src.pairs().label;
  at::Tensor sum = at::zeros({p}, at::kDouble);
  std::int64_t pairs = 0;
  for (std::size_t i = 0; i < src.size(); i++) {
    const ForwardBlock b = src.block(i);
    comps.accumulate(b, comps.directions(b.rows), b.data.logits);
    sum += at::from_blob(const_cast<float*>(b.data.logits), {b.pairs, p}, at::kFloat).sum({0}, false, at::kDouble);
    pairs += b.pairs;
  }
  const at::Tensor mean = f32(sum / static_cast<double>(pairs)), Cf = f32(comps.coefficients());
  // The candidates' rows in candidate order (the directions hold every cosine row, then every
  // sine row): prefix t is the first ends[t] of them.
  std::vector<int> ends = {0}, every(static_cast<std::size_t>(T));
  for (int t = 0; t < T; t++) ends.push_back(ends.back() + static_cast<int>(comps.rows_of(t).size()));
  std::iota(every.begin(), every.end(), 0);
  const at::Tensor order = at::tensor(comps.rows_of(every), at::kLong);
  const int R = ends.back();
  const at::Tensor A = Cf.index_select(0, order).contiguous();  // [R, p]
  std::vector<LossSum> restricted(static_cast<std::size_t>(T) + 1);
  for (std::size_t i = 0; i < src.size(); i++) {
    const ForwardBlock b = src.block(i);
    std::vector<std::int64_t> rows(static_cast<std::size_t>(b.pairs));
    std::iota(rows.begin(), rows.end(), 0);
    const std::int64_t* y = labels.data() + b.first;
    const at::Tensor W = f32(comps.directions(b.rows)).index_select(0, order).t().contiguous();  // [pairs, R]
    const std::vector<LossSum> s = prefix_lowrank_cross_entropies(
        mean.data_ptr<float>(), 0, p, rows.data(), b.pairs, y, W.data_ptr<float>(), R, A.data_ptr<float>(), ends, 1.f);
    for (int t = 0; t <= T; t++) restricted[t] += s[t];
  }
  double best = restricted[0].mean().loss;
  for (const LossSum& r : restricted) best = std::min(best, r.mean().loss);
  int chosen = 0;
  while (restricted[chosen].mean().loss > 2 * best + 1e-9) chosen++;
  out.freqs.assign(candidates.begin(), candidates.begin() + chosen);
  std::sort(out.freqs.begin(), out.freqs.end());
  return out;
}

}  // namespace

std::vector<double> logits_2d_norms(const float* logits, int p, const FourierBasis& F) {
  at::NoGradGuard no_grad;
  const int n = F.n();
  const at::Tensor L = at::from_blob(const_cast<float*>(logits), {p * p, p}, at::kFloat);
  const at::Tensor B = at::from_blob(const_cast<double*>(F.matrix().data()), {n, n}, at::kDouble).to(at::kFloat);
  // The group's pairs in element order (pair_blocks.h): the 2D transform runs over (i, j).
  const std::vector<std::int64_t> token_rows = group_token_rows(F.group());
  const at::Tensor rows = at::from_blob(const_cast<std::int64_t*>(token_rows.data()),
                                        {static_cast<std::int64_t>(token_rows.size())}, at::kLong);
  // 2D transform over (i, j) of a chunk of outputs c: Lhat[u, v, c] = sum_ij B[u, i] B[v, j] L[i, j, c],
  // as two [n, n] x [n, n * w] float32 GEMMs (a batched product over i ran at a third of the GEMM
  // rate). Chunks of outputs keep the transform's temporaries (3 n^2 w floats) within a block.
  const std::int64_t w = std::clamp<std::int64_t>(
      static_cast<std::int64_t>(analysis_block_bytes() / (12 * static_cast<std::size_t>(n) * n)), 1, p);
  at::Tensor sq = at::zeros({n, n}, at::kDouble);  // sum over c of Lhat^2
  for (std::int64_t c0 = 0; c0 < p; c0 += w) {
    const std::int64_t m = std::min<std::int64_t>(w, p - c0);
    const at::Tensor X = L.narrow(1, c0, m).index_select(0, rows);                          // [i*j, c]
    const at::Tensor Z = at::mm(B, X.view({n, n * m})).view({n, n, m});                     // [u, j, c]
    const at::Tensor H = at::mm(B, Z.transpose(0, 1).reshape({n, n * m})).view({n, n, m});  // [v, u, c]
    sq += H.square().sum(2).t().to(at::kDouble);
  }
  const at::Tensor norms = sq.sqrt().contiguous();
  return std::vector<double>(norms.data_ptr<double>(), norms.data_ptr<double>() + norms.numel());
}

KeyFrequencies detect_key_components(const Config& cfg, const std::vector<float>& logits, const FourierBasis& F,
                                     const std::vector<double>& wl_norms) {
  PairForward whole;
  whole.logits = logits.data();
  const std::unique_ptr<PairSource> src = pair_arrays(cfg, whole);
  return detect_in(cfg, *src, F, wl_norms);
}

KeyFrequencies detect_key_components(const Config& cfg, const CheckpointWeights& checkpoint, const FourierBasis& F,
                                     const std::vector<double>& wl_norms) {
  const std::unique_ptr<PairSource> src = computed_pairs(cfg, checkpoint, /*all=*/false);
  return detect_in(cfg, *src, F, wl_norms);
}

ProgressMeasures compute_progress_measures(const Config& cfg, const CheckpointWeights& checkpoint, const Dataset& data,
                                           const std::optional<std::vector<int>>& key_freqs, const FourierBasis& F,
                                           const std::vector<float>* logits) {
  const WeightSpectra spec = weight_spectra(checkpoint, F);
  ProgressMeasures out;
  std::vector<int> keys;
  std::vector<float> whole;  // the forward just computed, when it is every pair in token order
  if (logits) {
    keys = key_freqs ? *key_freqs : detect_key_components(cfg, *logits, F, spec.wl_norms).freqs;
    out = measures_from_logits(cfg, *logits, data, keys, F);
  } else {
    const std::unique_ptr<PairSource> src = computed_pairs(cfg, checkpoint, /*all=*/false);
    keys = key_freqs ? *key_freqs : detect_in(cfg, *src, F, spec.wl_norms).freqs;
    out = measures_of(cfg, *src, data, keys, F);
    // One block over the group's pairs in token order (the mainline's add): the registered
    // measures read its logits instead of running the forward again (distance irrelevance: ~15 ms
    // of a mainline checkpoint's ~100). The same values as their own forward's, so the same bits.
    const int p = Task(cfg).p();
    const GroupPairs& gp = src->pairs();
    if (src->size() == 1 && gp.outside.empty() && gp.token_row.size() == static_cast<std::size_t>(p) * p &&
        gp.token_order()) {
      const ForwardBlock b = src->block(0);  // kept: not computed again
      whole.assign(b.data.logits, b.data.logits + b.pairs * p);
      logits = &whole;
    }
  }
  out.gini_we = spec.gini_we;
  out.gini_wl = spec.gini_wl;
  out.sum_sq_weights = spec.sum_sq_weights;
  out.registered = compute_registered_measures({cfg, F, checkpoint, spec, logits, keys});
  return out;
}

ProgressMeasures domain_measures(const Config& cfg, const CheckpointWeights& checkpoint, const Dataset& data,
                                 const std::string& reason, const std::vector<float>* logits) {
  const int p = Task(cfg).p();
  AllPairForward forward;
  if (!logits) forward = compute_pair_forward(checkpoint);
  const float* L = logits ? logits->data() : forward.logits.data();
  ProgressMeasures out;
  out.undefined_reason = reason;
  auto split = [&](const Split& s) {
    std::vector<std::int64_t> rows, labels(static_cast<std::size_t>(p) * p, 0);
    for (int i = 0; i < s.size(); i++) {
      rows.push_back(static_cast<std::int64_t>(s.a[i]) * p + s.b[i]);
      labels[static_cast<std::size_t>(rows.back())] = s.c[i];
    }
    return row_cross_entropy(L, p, rows.data(), static_cast<std::int64_t>(rows.size()), labels.data()).mean();
  };
  const LossAcc train = split(data.train), test = split(data.test);
  out.train_loss = train.loss, out.train_acc = train.acc, out.test_loss = test.loss, out.test_acc = test.acc;
  for (const NamedArray& a : checkpoint.arrays())
    if (a.dtype == DType::F32)
      for (std::int64_t i = 0; i < a.numel(); i++) out.sum_sq_weights += static_cast<double>(a.f32()[i]) * a.f32()[i];
  return out;
}

MeasureRecord to_record(int epoch, KeySelection::Kind kind, const ProgressMeasures& m) {
  MeasureRecord r{epoch, {kind, m.key_freqs}, {}};
  if (!m.undefined_reason.empty()) {  // no group: the losses alone
    r.values = {{"train_loss", m.train_loss},
                {"test_loss", m.test_loss},
                {"train_acc", m.train_acc},
                {"test_acc", m.test_acc},
                {"sum_sq_weights", m.sum_sq_weights}};
    return r;
  }
  r.values = {{"train_loss", m.train_loss},
              {"test_loss", m.test_loss},
              {"train_acc", m.train_acc},
              {"test_acc", m.test_acc},
              {"restricted_loss_test", m.restricted_loss_test},
              {"restricted_loss_all", m.restricted_loss_all},
              {"restricted_acc_test", m.restricted_acc_test},
              {"excluded_loss_train", m.excluded_loss_train},
              {"max_excluded_loss", m.max_excluded_loss},
              {"max_excluded_freq", m.max_excluded_freq},
              {"gini_we", m.gini_we},
              {"gini_wl", m.gini_wl},
              {"sum_sq_weights", m.sum_sq_weights}};
  if (m.outside_pairs > 0) r.values["outside_loss"] = m.outside_loss, r.values["outside_acc"] = m.outside_acc;
  for (std::size_t i = 0; i < m.key_freqs.size(); i++)
    r.values["excluded_loss_k" + std::to_string(m.key_freqs[i])] = m.excluded_loss_per_key[i];
  for (const auto& [name, value] : m.registered) r.values[name] = value;
  return r;
}

ProgressMeasures measures_from_logits(const Config& cfg, const std::vector<float>& logits, const Dataset& data,
                                      const std::vector<int>& key_freqs, const FourierBasis& F) {
  const int p = Task(cfg).p();
  if (logits.size() != static_cast<std::size_t>(p) * p * p) throw std::invalid_argument("logits: expected [p*p, p]");
  PairForward whole;
  whole.logits = logits.data();
  const std::unique_ptr<PairSource> src = pair_arrays(cfg, whole);
  return measures_of(cfg, *src, data, key_freqs, F);
}

}  // namespace grok
