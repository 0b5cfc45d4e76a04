#include "core/analysis/ablation_checks.h"

#include <ATen/ATen.h>

#include <cmath>

#include "core/analysis/internal/pair_directions.h"
#include "core/analysis/internal/row_losses.h"
#include "core/model/internal/transformer.h"
#include "core/model/internal/weights.h"

namespace grok {
namespace {

// Loss and accuracy of all pairs' logit rows X [p*p, p] (made float32), through the measures' row
// kernel (core/analysis/internal/row_losses.h).
struct Rows {
  int p;
  std::vector<std::int64_t> index, labels;
  CheckRow operator()(const std::string& name, const at::Tensor& X) const {
    const at::Tensor x = X.to(at::kFloat).contiguous();
    const LossAcc r = row_cross_entropy(x.data_ptr<float>(), p, index.data(), static_cast<std::int64_t>(index.size()),
                                        labels.data());
    return {name, r.loss, r.acc};
  }
  // The same for base + sign * W A (base [p*p, p], or one row [p] for every pair; W [p*p, R];
  // A [R, p]; float32, contiguous), without forming the [p*p, p] table.
  CheckRow operator()(const std::string& name, const at::Tensor& base, const at::Tensor& W, const at::Tensor& A,
                      float sign) const {
    const LossAcc r = lowrank_cross_entropy(base.data_ptr<float>(), base.dim() == 1 ? 0 : p, p, index.data(),
                                            static_cast<std::int64_t>(index.size()), labels.data(), W.data_ptr<float>(),
                                            static_cast<int>(W.size(1)), A.data_ptr<float>(), sign);
    return {name, r.loss, r.acc};
  }
};

}  // namespace

AblationChecks ablation_checks(const Config& cfg, const std::vector<NamedArray>& checkpoint, const std::vector<int>& key_freqs,
                               const FourierBasis& F) {
  at::NoGradGuard no_grad;
  ForwardCache cache;
  const at::Tensor logits =
      forward_fast(weights_from_checkpoint(cfg, checkpoint), all_pairs(cfg.p), {}, &cache).narrow(1, 0, cfg.p).contiguous();
  const at::Tensor direct = cache.direct.narrow(1, 0, cfg.p).contiguous();
  const at::Tensor h = cache.mlp_post.contiguous();
  return ablation_checks(cfg, checkpoint, key_freqs, F,
                         {logits.data_ptr<float>(), direct.data_ptr<float>(), h.data_ptr<float>()});
}

AblationChecks ablation_checks(const Config& cfg, const std::vector<NamedArray>& checkpoint, const std::vector<int>& key_freqs,
                               const FourierBasis& F, const PairForward& forward) {
  at::NoGradGuard no_grad;
  const int p = cfg.p, K = F.n_freqs(), M = cfg.d_mlp;
  const std::int64_t pairs = static_cast<std::int64_t>(p) * p;
  AblationChecks out;
  for (int k : key_freqs)
    if (k >= 1 && k <= K) out.key_freqs.push_back(k);

  const at::Tensor Lf = at::from_blob(const_cast<float*>(forward.logits), {pairs, p}, at::kFloat);  // [p*p, p]
  const at::Tensor h = at::from_blob(const_cast<float*>(forward.mlp_post), {pairs, M}, at::kFloat);  // [p*p, M]
  const at::Tensor direct = at::from_blob(const_cast<float*>(forward.direct), {pairs, p}, at::kFloat);  // [p*p, p]
  const at::Tensor L = Lf.to(at::kDouble);
  Rows rows{p, std::vector<std::int64_t>(static_cast<std::size_t>(pairs)), std::vector<std::int64_t>(static_cast<std::size_t>(pairs))};
  for (int a = 0; a < p; a++)
    for (int b = 0; b < p; b++) rows.labels[a * p + b] = apply_operation(cfg.operation, a, b, p);
  for (std::int64_t i = 0; i < pairs; i++) rows.index[i] = i;
  auto f = [](const at::Tensor& t) { return t.to(at::kFloat).contiguous(); };
  out.rows.push_back(rows("full model", Lf));

  // Key components over (a, b) for every output c, as in progress_measures.cpp: frequency k's is
  // the rank-2 term u_cos (u_cos^T L) + u_sin (u_sin^T L). All keys' coefficients are one float64
  // product C = U^T L, U = [u_cos | u_sin] [p*p, 2n] (n keys).
  const at::Tensor B = at::from_blob(const_cast<double*>(F.matrix().data()), {p, p}, at::kDouble).clone();
  const int n = static_cast<int>(out.key_freqs.size());
  at::Tensor U, C;  // U^T [2n, p*p] (cos rows, then sin), C = U^T L [2n, p]
  if (n > 0) {
    std::vector<at::Tensor> cos_dirs, sin_dirs;
    for (int k : out.key_freqs) {
      const auto [u_cos, u_sin] = pair_directions(B, k);
      cos_dirs.push_back(u_cos);
      sin_dirs.push_back(u_sin);
    }
    U = at::cat({at::stack(cos_dirs), at::stack(sin_dirs)});
    C = at::mm(U, L);
    // Each key ablated: the rank-2 kernel of the measures, all keys in one pass over the rows.
    const at::Tensor uc = f(U.narrow(0, 0, n)), us = f(U.narrow(0, n, n)), ac = f(C.narrow(0, 0, n)),
                     as = f(C.narrow(0, n, n));
    const std::vector<LossAcc> each =
        rank2_cross_entropies(Lf.data_ptr<float>(), p, rows.index.data(), pairs, rows.labels.data(), n,
                              uc.data_ptr<float>(), us.data_ptr<float>(), ac.data_ptr<float>(), as.data_ptr<float>(), pairs);
    for (int i = 0; i < n; i++)
      out.rows.push_back({"ablate frequency " + std::to_string(out.key_freqs[i]), each[i].loss, each[i].acc});
    // All keys' components U C, subtracted from the logits or kept over their mean, applied per
    // row by the kernel instead of a [p*p, p] table.
    const at::Tensor Ut = f(U.t()), Cf = f(C);  // [p*p, 2n], [2n, p]
    out.rows.push_back(rows("ablate all key frequencies", Lf, Ut, Cf, -1.f));
    out.rows.push_back(rows("keep only key frequencies", f(Lf.mean(0)), Ut, Cf, 1.f));
  } else {
    out.rows.push_back(rows("ablate all key frequencies", Lf));
    out.rows.push_back(rows("keep only key frequencies", Lf.mean(0, true).expand({pairs, p})));
  }

  // Neuron-space directions of W_L's key Fourier rows: W_L = W_U[:, :p]^T W_out [p, M], its Fourier
  // transform over the logit axis B W_L, rows cos k and sin k for each key k.
  const Weights w = weights_from_checkpoint(cfg, checkpoint);
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
    // The MLP reaches the logits through W_outU = W_out^T W_U [M, p]: logits = direct + h W_outU.
    // With h projected onto the key directions, h Q Q^T, they are direct + (h Q) G, G = Q^T W_outU;
    // onto their null space, h (I - Q Q^T), they are logits - (h Q) G. Only h Q [p*p, 2|key|] is
    // needed of h: one thin product instead of a full [p*p, M] x [M, p] one. G is formed in
    // float64; what multiplies h is float32, like the forward pass.
    const at::Tensor G = f(at::matmul(Q.t(), W_L.t()));  // [2|key|, p]
    const at::Tensor hQ = at::mm(h, f(Q));                // [p*p, 2|key|]
    out.rows.push_back(rows("MLP onto the key W_L directions", direct, hQ, G, 1.f));
    out.rows.push_back(rows("MLP onto their null space", Lf, hQ, G, -1.f));
  } else {
    out.wl_norm_outside_key = 1.0;
  }

  // FVE of the centred logits Lc = L - mean by sum_k alpha_k cos(w_k(a+b-c)): the functions are
  // orthogonal over (a, b, c), so the least-squares fit is the sum of projections. cos(w(a+b-c)) =
  // cos(w(a+b)) cos(wc) + sin(w(a+b)) sin(wc), and u_cos = (sqrt 2 / p) cos(w(a+b)), u_sin likewise:
  // the sums over (a, b) are (p / sqrt 2) U^T Lc = (p / sqrt 2)(C - mean U^T 1), already at hand.
  // cos(w_k(a+b-c))'s squares sum to p^3 / 2 over all (a, b, c) (2k is not 0 mod p).
  const double total = at::var(L.view({-1}), /*unbiased=*/false).item<double>() * static_cast<double>(L.numel());
  double explained = 0;
  if (n > 0) {
    const at::Tensor Cc = (C - L.mean() * U.sum(1, /*keepdim=*/true)) * (p / std::sqrt(2.0));  // [2n, p]
    const at::Tensor c = at::arange(p, at::kDouble);
    for (int i = 0; i < n; i++) {
      const double wk = 2 * M_PI * out.key_freqs[i] / p;
      const double coef = (at::dot(at::cos(c * wk), Cc[i]) + at::dot(at::sin(c * wk), Cc[n + i])).item<double>();
      explained += coef * coef / (0.5 * p * p * p);
    }
  }
  out.logit_fit_fve = total > 0 ? explained / total : 0.0;
  return out;
}

}  // namespace grok
