#include "core/ablation_checks.h"

#include <ATen/ATen.h>

#include <cmath>

#include "core/pair_directions.h"
#include "core/row_losses.h"
#include "core/transformer.h"
#include "core/weights.h"

namespace grok {
namespace {

CheckRow row(const std::string& name, const at::Tensor& logits, const at::Tensor& labels) {
  const at::Tensor logp = at::log_softmax(logits, -1);
  return {name, -logp.gather(1, labels.unsqueeze(1)).mean().item<double>(),
          logits.argmax(1).eq(labels).to(at::kDouble).mean().item<double>()};
}

}  // namespace

AblationChecks ablation_checks(const Config& cfg, const std::vector<NamedArray>& checkpoint, const std::vector<int>& key_freqs,
                               const FourierBasis& F) {
  at::NoGradGuard no_grad;
  const int p = cfg.p, K = F.n_freqs();
  AblationChecks out;
  for (int k : key_freqs)
    if (k >= 1 && k <= K) out.key_freqs.push_back(k);

  const Weights w = weights_from_checkpoint(cfg, checkpoint);
  ForwardCache cache;
  const at::Tensor Lf = forward_fast(w, all_pairs(p), {}, &cache).narrow(1, 0, p).contiguous();  // [p*p, p] float
  const at::Tensor L = Lf.to(at::kDouble);
  const at::Tensor h = cache.mlp_post.to(at::kDouble);  // [p*p, M]
  const std::int64_t pairs = static_cast<std::int64_t>(p) * p;
  std::vector<std::int64_t> y(static_cast<std::size_t>(pairs)), rows(static_cast<std::size_t>(pairs));
  for (int a = 0; a < p; a++)
    for (int b = 0; b < p; b++) y[a * p + b] = apply_operation(cfg.operation, a, b, p);
  for (std::int64_t i = 0; i < pairs; i++) rows[i] = i;
  const at::Tensor labels = at::tensor(y, at::kLong);

  // Key components over (a, b) for every output c, as in progress_measures.cpp: frequency k's is
  // the rank-2 term u_cos (u_cos^T L) + u_sin (u_sin^T L).
  const at::Tensor B = at::from_blob(const_cast<double*>(F.matrix().data()), {p, p}, at::kDouble).clone();
  std::vector<at::Tensor> dirs_ab;  // u_cos, u_sin per key, [p*p] each
  out.rows.push_back(row("full model", L, labels));
  auto f = [](const at::Tensor& t) { return t.to(at::kFloat).contiguous(); };
  for (int k : out.key_freqs) {
    const auto [u_cos, u_sin] = pair_directions(B, k);
    dirs_ab.push_back(u_cos);
    dirs_ab.push_back(u_sin);
    // One frequency ablated: the float32 row kernel of the measures (log1p precision, ~1e-6
    // relative), with the rank-2 term applied per row instead of a [p*p, p] table.
    const at::Tensor uc = f(u_cos), us = f(u_sin), A = f(at::matmul(u_cos, L)), Bk = f(at::matmul(u_sin, L));
    const LossAcc r = row_cross_entropy(Lf.data_ptr<float>(), p, rows.data(), pairs, y.data(), uc.data_ptr<float>(),
                                        us.data_ptr<float>(), A.data_ptr<float>(), Bk.data_ptr<float>());
    out.rows.push_back({"ablate frequency " + std::to_string(k), r.loss, r.acc});
  }
  // All key components at once: U (U^T L), U [p*p, 2|key|].
  const at::Tensor key_part =
      dirs_ab.empty() ? at::zeros_like(L) : [&] {
        const at::Tensor U = at::stack(dirs_ab, 1);
        return at::matmul(U, at::matmul(U.t(), L));
      }();
  out.rows.push_back(row("ablate all key frequencies", L - key_part, labels));
  out.rows.push_back(row("keep only key frequencies", key_part + L.mean(0, true), labels));

  // Neuron-space directions of W_L's key Fourier rows: W_L = W_U[:, :p]^T W_out [p, M], its Fourier
  // transform over the logit axis B W_L, rows cos k and sin k for each key k.
  const LayerWeights& last = w.layers.back();
  const at::Tensor W_L = at::matmul(w.W_U.narrow(1, 0, p).t(), last.W_out).to(at::kDouble);  // [p, M]
  const at::Tensor WLhat = at::matmul(B, W_L);                                              // [p, M]
  const double wl_total = W_L.norm().item<double>();
  if (!out.key_freqs.empty()) {
    std::vector<at::Tensor> dirs;
    double kept = 0;
    for (int k : out.key_freqs) {
      dirs.push_back(WLhat[2 * k - 1]);
      dirs.push_back(WLhat[2 * k]);
      kept += WLhat[2 * k - 1].pow(2).sum().item<double>() + WLhat[2 * k].pow(2).sum().item<double>();
    }
    out.wl_norm_outside_key = std::sqrt(std::max(0.0, wl_total * wl_total - kept)) / wl_total;
    const at::Tensor Q = std::get<0>(at::linalg_qr(at::stack(dirs, 1)));  // [M, 2|key|] orthonormal
    // The MLP reaches the logits through W_outU = W_out^T W_U: replacing h by h' changes the
    // logits by (h' - h) W_outU.
    const at::Tensor W_outU = at::matmul(last.W_out.t(), w.W_U.narrow(1, 0, p)).to(at::kDouble);  // [M, p]
    // h' = h Q Q^T never needs forming: (h Q)(Q^T W_outU) is a rank-2|key| product.
    const at::Tensor on = at::matmul(at::matmul(h, Q), at::matmul(Q.t(), W_outU));  // h_on W_outU [p*p, p]
    const at::Tensor mlp = at::matmul(h, W_outU);                                   // h W_outU [p*p, p]
    out.rows.push_back(row("MLP onto the key W_L directions", L + (on - mlp), labels));
    out.rows.push_back(row("MLP onto their null space", L - on, labels));
  } else {
    out.wl_norm_outside_key = 1.0;
  }

  // FVE of the centred logits by sum_k alpha_k cos(w_k(a+b-c)): the functions are orthogonal over
  // (a, b, c), so the least-squares fit is the sum of projections.
  const at::Tensor Lc = L - L.mean();
  const double total = Lc.pow(2).sum().item<double>();
  double explained = 0;
  const at::Tensor n = at::arange(p, at::kDouble);
  const at::Tensor ab = (n.view({p, 1}) + n.view({1, p})).reshape({p * p});  // a + b per pair
  for (int k : out.key_freqs) {
    // cos(w(a+b-c)) = cos(w(a+b)) cos(wc) + sin(w(a+b)) sin(wc): two bilinear forms in Lc instead
    // of a [p, p, p] table. Its squares sum to p^3 / 2 over all (a, b, c) (2k is not 0 mod p).
    const double wk = 2 * M_PI * k / p;
    const double c = (at::dot(at::cos(ab * wk), at::mv(Lc, at::cos(n * wk))) +
                      at::dot(at::sin(ab * wk), at::mv(Lc, at::sin(n * wk))))
                         .item<double>();
    explained += c * c / (0.5 * p * p * p);
  }
  out.logit_fit_fve = total > 0 ? explained / total : 0.0;
  return out;
}

}  // namespace grok
