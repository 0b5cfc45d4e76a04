#include "core/analysis/progress_measures.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/analysis/internal/pair_directions.h"
#include "core/analysis/internal/row_losses.h"
#include "core/model/internal/transformer.h"
#include "core/analysis/weight_spectra.h"
#include "core/model/internal/weights.h"

namespace grok {
namespace {

std::pair<double, double> as_pair(const LossAcc& r) { return {r.loss, r.acc}; }

// 2D transform over (a, b) of float logits L [p*p, p]: Lhat[i, j, c] = sum_ab B[i, a] B[j, b]
// L[a, b, c], as two [p, p] x [p, p*p] float32 GEMMs (a batched product over a ran at a third of
// the GEMM rate). B: the float basis [p, p].
at::Tensor fourier_2d(const at::Tensor& L, const at::Tensor& B, int p) {
  const at::Tensor Z = at::mm(B, L.view({p, p * p})).view({p, p, p});                       // [i, b, c]
  return at::mm(B, Z.transpose(0, 1).reshape({p, p * p})).view({p, p, p}).transpose(0, 1);  // [i, j, c]
}

std::vector<double> norms_over_outputs(const at::Tensor& Lhat) {
  const at::Tensor n = Lhat.norm(2, {2}).to(at::kDouble).contiguous();  // [p, p]
  return std::vector<double>(n.data_ptr<double>(), n.data_ptr<double>() + n.numel());
}

at::Tensor float_basis(const FourierBasis& F) {
  const int p = F.p();
  return at::from_blob(const_cast<double*>(F.matrix().data()), {p, p}, at::kDouble).to(at::kFloat);
}

}  // namespace

std::vector<double> logits_2d_norms(const float* logits, int p, const FourierBasis& F) {
  at::NoGradGuard no_grad;
  const at::Tensor L = at::from_blob(const_cast<float*>(logits), {p * p, p}, at::kFloat);
  return norms_over_outputs(fourier_2d(L, float_basis(F), p));
}

std::vector<float> all_pair_logits(const Config& cfg, const std::vector<NamedArray>& checkpoint) {
  at::NoGradGuard no_grad;
  const int p = cfg.p;
  const at::Tensor L =
      forward_fast(weights_from_checkpoint(cfg, checkpoint), all_pairs(p)).narrow(1, 0, p).contiguous();  // [p*p, p]
  return std::vector<float>(L.data_ptr<float>(), L.data_ptr<float>() + L.numel());
}

ProgressMeasures compute_progress_measures(const Config& cfg, const std::vector<NamedArray>& checkpoint,
                                           const Dataset& data, const std::optional<std::vector<int>>& key_freqs,
                                           const FourierBasis& F, const std::vector<float>* logits) {
  const WeightSpectra spec = weight_spectra(cfg, checkpoint, F);
  const std::vector<int> keys = key_freqs ? *key_freqs : detect_key_frequencies(spec.wl_norms).freqs;
  ProgressMeasures out =
      measures_from_logits(cfg, logits ? *logits : all_pair_logits(cfg, checkpoint), data, keys, F);
  out.gini_we = spec.gini_we;
  out.gini_wl = spec.gini_wl;
  out.sum_sq_weights = spec.sum_sq_weights;
  return out;
}


MeasureRecord to_record(int epoch, KeySelection::Kind kind, const ProgressMeasures& m) {
  MeasureRecord r{epoch, {kind, m.key_freqs}, {}};
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
  for (std::size_t i = 0; i < m.key_freqs.size(); i++)
    r.values["excluded_loss_k" + std::to_string(m.key_freqs[i])] = m.excluded_loss_per_key[i];
  return r;
}

ProgressMeasures measures_from_logits(const Config& cfg, const std::vector<float>& logits, const Dataset& data,
                                      const std::vector<int>& key_freqs, const FourierBasis& F) {
  at::NoGradGuard no_grad;
  const int p = cfg.p, K = F.n_freqs();
  if (logits.size() != static_cast<std::size_t>(p) * p * p) throw std::invalid_argument("logits: expected [p*p, p]");
  ProgressMeasures out;
  out.key_freqs = key_freqs;
  // float32 throughout: the logits come from a float32 model, and the losses keep ~1e-6 relative
  // precision (row_losses.h); float64 made this the slowest part of a snapshot.
  const at::Tensor L = at::from_blob(const_cast<float*>(logits.data()), {p * p, p}, at::kFloat);
  std::vector<std::int64_t> labels(static_cast<std::size_t>(p) * p), all(labels.size());
  for (int a = 0; a < p; a++)
    for (int b = 0; b < p; b++) labels[a * p + b] = apply_operation(cfg.operation, a, b, p), all[a * p + b] = a * p + b;
  auto rows_of = [p](const Split& s) {
    std::vector<std::int64_t> r(s.a.size());
    for (std::size_t i = 0; i < r.size(); i++) r[i] = static_cast<std::int64_t>(s.a[i]) * p + s.b[i];
    return r;
  };
  const std::vector<std::int64_t> train = rows_of(data.train), test = rows_of(data.test);
  auto loss_acc = [&](const at::Tensor& X, const std::vector<std::int64_t>& rows) {
    return row_cross_entropy(X.data_ptr<float>(), p, rows.data(), static_cast<std::int64_t>(rows.size()),
                             labels.data());
  };
  std::tie(out.train_loss, out.train_acc) = as_pair(loss_acc(L, train));
  std::tie(out.test_loss, out.test_acc) = as_pair(loss_acc(L, test));

  const at::Tensor B = float_basis(F);
  const at::Tensor Lhat = fourier_2d(L, B, p);  // [i, j, c]
  out.logits_2d_norms = norms_over_outputs(Lhat);
  // For each k = 1..K: unit directions u_cos, u_sin over pairs [p*p] and the logits' coefficients
  // a_cos, a_sin along them per output [p].
  const float r2 = std::sqrt(2.0f);
  at::Tensor u_cos = at::empty({K + 1, p * p}), u_sin = at::empty({K + 1, p * p});
  at::Tensor a_cos = at::zeros({K + 1, p}), a_sin = at::zeros({K + 1, p});
  for (int k = 1; k <= K; k++) {
    const PairDirections d = pair_directions(B, k);
    u_cos[k] = d.u_cos;
    u_sin[k] = d.u_sin;
    a_cos[k] = (Lhat[2 * k - 1][2 * k - 1] - Lhat[2 * k][2 * k]) / r2;
    a_sin[k] = (Lhat[2 * k][2 * k - 1] + Lhat[2 * k - 1][2 * k]) / r2;
  }

  // [p*p, 2n] (u_cos, u_sin of each key k) times their coefficients [2n, p].
  std::vector<std::int64_t> key_idx;
  for (int k : key_freqs)
    if (k >= 1 && k <= K) key_idx.push_back(k);
  at::Tensor key_part = at::zeros_like(L);
  if (!key_idx.empty()) {
    const at::Tensor idx = at::tensor(key_idx, at::kLong);
    const at::Tensor U = at::cat({u_cos.index_select(0, idx), u_sin.index_select(0, idx)}).t();  // [p*p, 2n]
    const at::Tensor A = at::cat({a_cos.index_select(0, idx), a_sin.index_select(0, idx)});      // [2n, p]
    key_part = at::mm(U, A);
  }
  const at::Tensor restricted = (key_part + L.mean(0, /*keepdim=*/true)).contiguous();
  const at::Tensor excluded = (L - key_part).contiguous();
  std::tie(out.restricted_loss_test, out.restricted_acc_test) = as_pair(loss_acc(restricted, test));
  out.restricted_loss_all = loss_acc(restricted, all).loss;
  out.excluded_loss_train = loss_acc(excluded, train).loss;

  // losses on the train split: a rank-2 change of the logits per k,
  // applied inside the loss kernel; frequencies spread over the intra-op threads.
  std::vector<double> single(1, 0.0);  // [K + 1], index k
  {
    const at::Tensor uc = u_cos.contiguous(), us = u_sin.contiguous(), ac = a_cos.contiguous(), as = a_sin.contiguous();
    const std::vector<LossAcc> s =
        rank2_cross_entropies(L.data_ptr<float>(), p, train.data(), static_cast<std::int64_t>(train.size()),
                              labels.data(), K, uc.data_ptr<float>() + p * p, us.data_ptr<float>() + p * p,
                              ac.data_ptr<float>() + p, as.data_ptr<float>() + p, p * p);
    for (const LossAcc& r : s) single.push_back(r.loss);
  }

  for (int k = 1; k <= K; k++)
    if (single[k] > out.max_excluded_loss) out.max_excluded_loss = single[k], out.max_excluded_freq = k;
  for (int k : key_freqs) out.excluded_loss_per_key.push_back(k >= 1 && k <= K ? single[k] : NAN);

  // Fig. 14: <L, f_k> / |f_k| for f_k = cos(w_k(a+b-c)) = cos(w_k(a+b)) cos(w_k c) + sin(w_k(a+b)) sin(w_k c)
  // = (p^1.5 / 2) (u_cos (x) C_k + u_sin (x) S_k), whose two terms are orthonormal: the coefficient is
  // (<a_cos, C_k> + <a_sin, S_k>) / sqrt(2), from the projections already at hand.
  const at::Tensor C = B.narrow(0, 1, 2 * K).view({K, 2, p});
  const at::Tensor coef =
      ((a_cos.narrow(0, 1, K) * C.select(1, 0)).sum(1) + (a_sin.narrow(0, 1, K) * C.select(1, 1)).sum(1))
          .to(at::kDouble)
          .div(std::sqrt(2.0))
          .contiguous();
  out.cos_abc_coefficients.assign(coef.data_ptr<double>(), coef.data_ptr<double>() + K);
  return out;
}

}  // namespace grok
