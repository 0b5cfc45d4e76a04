#include "core/ablation_checks.h"

#include <ATen/ATen.h>

#include <cmath>

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
  const at::Tensor L = forward_fast(w, all_pairs(p), {}, &cache).narrow(1, 0, p).to(at::kDouble);  // [p*p, p]
  const at::Tensor h = cache.mlp_post.to(at::kDouble);                                                // [p*p, M]
  std::vector<std::int64_t> y(static_cast<std::size_t>(p) * p);
  for (int a = 0; a < p; a++)
    for (int b = 0; b < p; b++) y[a * p + b] = apply_operation(cfg.operation, a, b, p);
  const at::Tensor labels = at::tensor(y, at::kLong);

  // Key components over (a, b) for every output c, as in progress_measures.cpp.
  const at::Tensor B = at::from_blob(const_cast<double*>(F.matrix().data()), {p, p}, at::kDouble).clone();
  const double r2 = std::sqrt(2.0);
  auto component = [&](int k) {  // [p*p, p]
    const at::Tensor C = B[2 * k - 1], S = B[2 * k];
    const at::Tensor u_cos = ((at::outer(C, C) - at::outer(S, S)) / r2).reshape({p * p});
    const at::Tensor u_sin = ((at::outer(S, C) + at::outer(C, S)) / r2).reshape({p * p});
    return at::outer(u_cos, at::matmul(u_cos, L)) + at::outer(u_sin, at::matmul(u_sin, L));
  };
  out.rows.push_back(row("full model", L, labels));
  at::Tensor key_part = at::zeros_like(L);
  for (int k : out.key_freqs) {
    const at::Tensor ck = component(k);
    key_part += ck;
    out.rows.push_back(row("ablate frequency " + std::to_string(k), L - ck, labels));
  }
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
