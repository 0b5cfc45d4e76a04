#include "core/ablation_checks.h"

#include <ATen/ATen.h>

#include <cmath>

#include "core/pair_directions.h"
#include "core/row_losses.h"
#include "core/transformer.h"
#include "core/weights.h"

namespace grok {
namespace {

// Loss and accuracy of all pairs' logit rows X [p*p, p] float32, optionally minus the rank-2 term
// u A + v B (u, v [p*p]; A, B [p]).
struct Rows {
  int p;
  std::vector<std::int64_t> index, labels;
  CheckRow operator()(const std::string& name, const at::Tensor& X, const at::Tensor& u = {}, const at::Tensor& v = {},
                      const at::Tensor& A = {}, const at::Tensor& B = {}) const {
    const at::Tensor x = X.to(at::kFloat).contiguous();
    auto ptr = [](const at::Tensor& t) { return t.defined() ? t.data_ptr<float>() : nullptr; };
    const LossAcc r = row_cross_entropy(x.data_ptr<float>(), p, index.data(), static_cast<std::int64_t>(index.size()),
                                        labels.data(), ptr(u), ptr(v), ptr(A), ptr(B));
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
  const at::Tensor h = cache.mlp_post.contiguous();
  return ablation_checks(cfg, checkpoint, key_freqs, F, {logits.data_ptr<float>(), h.data_ptr<float>()});
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
  const at::Tensor L = Lf.to(at::kDouble);
  Rows rows{p, std::vector<std::int64_t>(static_cast<std::size_t>(pairs)), std::vector<std::int64_t>(static_cast<std::size_t>(pairs))};
  for (int a = 0; a < p; a++)
    for (int b = 0; b < p; b++) rows.labels[a * p + b] = apply_operation(cfg.operation, a, b, p);
  for (std::int64_t i = 0; i < pairs; i++) rows.index[i] = i;

  // Key components over (a, b) for every output c, as in progress_measures.cpp: frequency k's is
  // the rank-2 term u_cos (u_cos^T L) + u_sin (u_sin^T L), its coefficients taken in float64.
  const at::Tensor B = at::from_blob(const_cast<double*>(F.matrix().data()), {p, p}, at::kDouble).clone();
  std::vector<at::Tensor> dirs_ab;  // u_cos, u_sin per key, [p*p] each
  out.rows.push_back(rows("full model", Lf));
  auto f = [](const at::Tensor& t) { return t.to(at::kFloat).contiguous(); };
  for (int k : out.key_freqs) {
    const auto [u_cos, u_sin] = pair_directions(B, k);
    dirs_ab.push_back(u_cos);
    dirs_ab.push_back(u_sin);
    // The rank-2 term applied per row by the kernel instead of a [p*p, p] table.
    out.rows.push_back(rows("ablate frequency " + std::to_string(k), Lf, f(u_cos), f(u_sin), f(at::matmul(u_cos, L)),
                            f(at::matmul(u_sin, L))));
  }
  // All key components at once: U (U^T L), U [p*p, 2|key|].
  const at::Tensor key_part =
      dirs_ab.empty() ? at::zeros_like(L) : [&] {
        const at::Tensor U = at::stack(dirs_ab, 1);
        return at::matmul(U, at::matmul(U.t(), L));
      }();
  out.rows.push_back(rows("ablate all key frequencies", L - key_part));
  out.rows.push_back(rows("keep only key frequencies", key_part + L.mean(0, true)));

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
    // The MLP reaches the logits through W_outU = W_out^T W_U [M, p]: replacing h by h' changes
    // the logits by (h' - h) W_outU. Projected onto the key directions, h' = h Q Q^T changes them
    // by -h N, N = (I - Q Q^T) W_outU; onto their null space, by -(h Q)(Q^T W_outU). N and Q^T W_outU
    // are small [M, p] and [2|key|, p] products taken in float64; what multiplies h is float32,
    // like the forward pass.
    const at::Tensor W_outU = W_L.t();                 // [M, p]
    const at::Tensor G = at::matmul(Q.t(), W_outU);    // [2|key|, p]
    const at::Tensor N = W_outU - at::matmul(Q, G);    // [M, p]
    out.rows.push_back(rows("MLP onto the key W_L directions", Lf - at::matmul(h, f(N))));
    out.rows.push_back(rows("MLP onto their null space", Lf - at::matmul(at::matmul(h, f(Q)), f(G))));
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
