#include "core/progress_measures.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/transformer.h"
#include "core/weight_spectra.h"
#include "core/weights.h"

namespace grok {
namespace {

// Mean cross-entropy and accuracy of logits [n, p] (float64) against labels [n].
std::pair<double, double> loss_acc(const at::Tensor& logits, const at::Tensor& labels) {
  const at::Tensor logp = at::log_softmax(logits, -1);
  const double loss = -logp.gather(1, labels.unsqueeze(1)).mean().item<double>();
  const double acc = logits.argmax(1).eq(labels).to(at::kDouble).mean().item<double>();
  return {loss, acc};
}

}  // namespace

std::vector<double> all_pair_logits(const Config& cfg, const std::vector<NamedArray>& checkpoint) {
  at::NoGradGuard no_grad;
  const int p = cfg.p;
  const at::Tensor L = forward_fast(weights_from_checkpoint(cfg, checkpoint), all_pairs(p))
                           .narrow(1, 0, p)
                           .to(at::kDouble)
                           .contiguous();  // [p*p, p]
  return std::vector<double>(L.data_ptr<double>(), L.data_ptr<double>() + L.numel());
}

ProgressMeasures compute_progress_measures(const Config& cfg, const std::vector<NamedArray>& checkpoint,
                                           const Dataset& data, const std::vector<int>& key_freqs,
                                           const FourierBasis& F) {
  ProgressMeasures out = measures_from_logits(cfg, all_pair_logits(cfg, checkpoint), data, key_freqs, F);
  const WeightSpectra spec = weight_spectra(cfg, checkpoint, F);
  out.gini_we = spec.gini_we;
  out.gini_wl = spec.gini_wl;
  out.sum_sq_weights = spec.sum_sq_weights;
  return out;
}

ProgressMeasures measures_from_logits(const Config& cfg, const std::vector<double>& logits, const Dataset& data,
                                      const std::vector<int>& key_freqs, const FourierBasis& F) {
  at::NoGradGuard no_grad;
  const int p = cfg.p, K = F.n_freqs();
  if (logits.size() != static_cast<std::size_t>(p) * p * p) throw std::invalid_argument("logits: expected [p*p, p]");
  ProgressMeasures out;
  out.key_freqs = key_freqs;
  const at::Tensor L = at::from_blob(const_cast<double*>(logits.data()), {p * p, p}, at::kDouble).clone();
  std::vector<std::int64_t> labels_all(static_cast<std::size_t>(p) * p);
  for (int a = 0; a < p; a++)
    for (int b = 0; b < p; b++) labels_all[a * p + b] = apply_operation(cfg.operation, a, b, p);
  const at::Tensor labels = at::tensor(labels_all, at::kLong);
  auto rows_of = [](const Split& s, int p_) {
    std::vector<std::int64_t> r(s.a.size());
    for (std::size_t i = 0; i < r.size(); i++) r[i] = static_cast<std::int64_t>(s.a[i]) * p_ + s.b[i];
    return at::tensor(r, at::kLong);
  };
  const at::Tensor train_rows = rows_of(data.train, p), test_rows = rows_of(data.test, p);
  const at::Tensor y_train = labels.index_select(0, train_rows), y_test = labels.index_select(0, test_rows);
  std::tie(out.train_loss, out.train_acc) = loss_acc(L.index_select(0, train_rows), y_train);
  std::tie(out.test_loss, out.test_acc) = loss_acc(L.index_select(0, test_rows), y_test);

  // 2D transform over (a, b): Lhat[i, j, c] = sum_ab B[i, a] B[j, b] L[a, b, c].
  const at::Tensor B = at::from_blob(const_cast<double*>(F.matrix().data()), {p, p}, at::kDouble).clone();
  const at::Tensor L3 = L.view({p, p, p});
  const at::Tensor Lhat = at::matmul(B, at::matmul(B, L3.permute({1, 0, 2}).reshape({p, p * p})).view({p, p, p})
                                            .permute({1, 0, 2}).reshape({p, p * p}))
                              .view({p, p, p});
  {
    const at::Tensor n = Lhat.norm(2, {2}).contiguous();  // [p, p]
    out.logits_2d_norms.assign(n.data_ptr<double>(), n.data_ptr<double>() + n.numel());
  }
  // Unit directions over pairs and coefficients per output for each frequency k = 1..K.
  auto Ck = [&](int k) { return B[2 * k - 1]; };
  auto Sk = [&](int k) { return B[2 * k]; };
  const double r2 = std::sqrt(2.0);
  std::vector<at::Tensor> u_cos(K + 1), u_sin(K + 1), a_cos(K + 1), a_sin(K + 1);
  for (int k = 1; k <= K; k++) {
    u_cos[k] = ((at::outer(Ck(k), Ck(k)) - at::outer(Sk(k), Sk(k))) / r2).reshape({p * p});
    u_sin[k] = ((at::outer(Sk(k), Ck(k)) + at::outer(Ck(k), Sk(k))) / r2).reshape({p * p});
    a_cos[k] = (Lhat[2 * k - 1][2 * k - 1] - Lhat[2 * k][2 * k]) / r2;  // [p]
    a_sin[k] = (Lhat[2 * k][2 * k - 1] + Lhat[2 * k - 1][2 * k]) / r2;
  }
  auto projection = [&](int k) { return at::outer(u_cos[k], a_cos[k]) + at::outer(u_sin[k], a_sin[k]); };  // [p*p, p]

  at::Tensor key_part = at::zeros_like(L);
  for (int k : key_freqs)
    if (k >= 1 && k <= K) key_part += projection(k);
  const at::Tensor restricted = key_part + L.mean(0, /*keepdim=*/true);
  const at::Tensor excluded = L - key_part;
  std::tie(out.restricted_loss_test, out.restricted_acc_test) = loss_acc(restricted.index_select(0, test_rows), y_test);
  out.restricted_loss_all = loss_acc(restricted, labels).first;
  out.excluded_loss_train = loss_acc(excluded.index_select(0, train_rows), y_train).first;

  // Single-frequency excluded losses on the train split; only the train rows are formed. (One
  // frequency at a time: batching 8 was slower, its larger temporaries page-fault.)
  const at::Tensor L_train = L.index_select(0, train_rows);
  std::vector<double> single(K + 1, 0.0);
  for (int k = 1; k <= K; k++) {
    const at::Tensor proj = at::outer(u_cos[k].index_select(0, train_rows), a_cos[k]) +
                            at::outer(u_sin[k].index_select(0, train_rows), a_sin[k]);
    single[k] = loss_acc(L_train - proj, y_train).first;
    if (single[k] > out.max_excluded_loss) out.max_excluded_loss = single[k], out.max_excluded_freq = k;
  }
  for (int k : key_freqs) out.excluded_loss_per_key.push_back(k >= 1 && k <= K ? single[k] : NAN);

  // Fig. 14: <L, f_k> / |f_k| for f_k = cos(w_k(a+b-c)) = cos(w_k(a+b)) cos(w_k c) + sin(w_k(a+b)) sin(w_k c)
  // = (p^1.5 / 2) (u_cos (x) C_k + u_sin (x) S_k), whose two terms are orthonormal: the coefficient is
  // (<a_cos, C_k> + <a_sin, S_k>) / sqrt(2), from the projections already at hand.
  for (int k = 1; k <= K; k++)
    out.cos_abc_coefficients.push_back(((a_cos[k] * Ck(k)).sum().item<double>() + (a_sin[k] * Sk(k)).sum().item<double>()) /
                                       r2);
  return out;
}

}  // namespace grok
