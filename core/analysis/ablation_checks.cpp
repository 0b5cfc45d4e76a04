#include "core/analysis/ablation_checks.h"
#include "core/base/task.h"

#include <ATen/ATen.h>

#include <cmath>
#include <numeric>

#include "core/analysis/internal/key_components.h"
#include "core/analysis/internal/pair_blocks.h"
#include "core/analysis/internal/row_losses.h"
#include "core/model/internal/checkpoint_weights.h"
#include "core/model/internal/weights.h"
#include "core/model/model_family.h"

namespace grok {
namespace {

at::Tensor f32(const at::Tensor& t) { return t.to(at::kFloat).contiguous(); }

// Neuron-space directions of W_L's key Fourier rows: W_L = W_U[:, :p]^T W_out [p, M], its Fourier
// transform over the logit axis in the group's order (its outputs c_token(k), k in Z_n) B W_L,
// rows cos k and sin k for each key k. Sets the norm outside them (of the group's rows of W_L);
// returns Q [M, 2|key|] orthonormal and G = Q^T W_L^T [2|key|, p] (float32), undefined without keys.
std::pair<at::Tensor, at::Tensor> key_neuron_directions(const Config& cfg, const CheckpointWeights& checkpoint,
                                                        const std::vector<int>& keys, const FourierBasis& F,
                                                        AblationChecks& out) {
  const int p = Task(cfg).p(), n = F.n();
  const Weights& w = tensors(checkpoint);
  const ModelAnatomy an = model_family(cfg).anatomy(cfg);
  // W_L: the last MLP's neurons to the logits; a family without neurons has W_U^T (from its residual).
  const at::Tensor W_Ut = w.get(an.unembedding).narrow(1, 0, p).t();
  const at::Tensor W_L =
      (an.neuron_out.empty() ? W_Ut : at::matmul(W_Ut, w.get(an.neuron_out))).to(at::kDouble);  // [p, M]
  const std::vector<int>& token = F.group().token;
  const at::Tensor W_Lg = W_L.index_select(0, at::tensor(std::vector<std::int64_t>(token.begin(), token.end()),
                                                         at::kLong));  // [n, M], element order
  const at::Tensor B = at::from_blob(const_cast<double*>(F.matrix().data()), {n, n}, at::kDouble);
  const at::Tensor WLhat = at::matmul(B, W_Lg);  // [n, M]
  const double wl_total = W_Lg.norm().item<double>();
  if (keys.empty()) {
    out.wl_norm_outside_key = 1.0;
    return {};
  }
  std::vector<at::Tensor> dirs;
  double kept = 0;
  for (int k : keys)
    for (int row : {2 * k - 1, 2 * k})
      if (row < n) {  // the sign character of even n has no sine row
        dirs.push_back(WLhat[row]);
        kept += WLhat[row].pow(2).sum().item<double>();
      }
  out.wl_norm_outside_key = std::sqrt(std::max(0.0, wl_total * wl_total - kept)) / wl_total;
  if (an.neuron_out.empty()) return {};                                 // no neurons to project
  const at::Tensor Q = std::get<0>(at::linalg_qr(at::stack(dirs, 1)));  // [M, 2|key|] orthonormal
  // The MLP reaches the logits through W_outU = W_out^T W_U [M, p]: logits = direct + h W_outU.
  // With h projected onto the key directions, h Q Q^T, they are direct + (h Q) G, G = Q^T W_outU;
  // onto their null space, h (I - Q Q^T), they are logits - (h Q) G. Only h Q [pairs, 2|key|] is
  // needed of h: one thin product instead of a full [pairs, M] x [M, p] one. G is formed in
  // float64; what multiplies h is float32, like the forward pass.
  return {f32(Q), f32(at::matmul(Q.t(), W_L.t()))};
}

}  // namespace

AblationChecks ablation_checks(const Config& cfg, const CheckpointWeights& checkpoint,
                               const std::vector<int>& key_freqs, const FourierBasis& F, const PairForward& forward) {
  at::NoGradGuard no_grad;
  const int p = Task(cfg).p(), n_group = F.n(), M = model_family(cfg).anatomy(cfg).neurons;
  AblationChecks out;
  KeyComponents keys(F, key_freqs);
  out.key_freqs = keys.freqs();
  const int n = keys.count();
  const auto [Q, G] = key_neuron_directions(cfg, checkpoint, out.key_freqs, F, out);

  // Every loss over the group's n^2 pairs, block by block (pair_blocks.h), through the measures'
  // row kernel. First pass: the full model, the MLP projections (they need only the weights), the
  // logits' sum and the key components; second pass, with those: the ablations and the variance.
  const std::unique_ptr<PairSource> src = pair_arrays(cfg, forward);
  const std::vector<std::int64_t>& labels = src->pairs().label;
  const std::int64_t pairs = static_cast<std::int64_t>(n_group) * n_group;
  const std::vector<int>& token = F.group().token;
  const at::Tensor out_cols = at::tensor(std::vector<std::int64_t>(token.begin(), token.end()), at::kLong);
  LossSum full, onto_key, onto_null;
  at::Tensor sum_row = at::zeros({p}, at::kDouble);  // the logits summed over pairs
  for (std::size_t i = 0; i < src->size(); i++) {
    const ForwardBlock b = src->block(i);
    std::vector<std::int64_t> rows(static_cast<std::size_t>(b.pairs));
    std::iota(rows.begin(), rows.end(), 0);
    const std::int64_t* y = labels.data() + b.first;
    full += row_cross_entropy(b.data.logits, p, rows.data(), b.pairs, y);
    const at::Tensor Lf = at::from_blob(const_cast<float*>(b.data.logits), {b.pairs, p}, at::kFloat);
    sum_row += Lf.sum({0}, /*keepdim=*/false, at::kDouble);
    keys.accumulate(b, keys.directions(b.rows), b.data.logits);
    if (n > 0 && Q.defined()) {
      const at::Tensor h = at::from_blob(const_cast<float*>(b.data.mlp_post), {b.pairs, M}, at::kFloat);
      const at::Tensor hQ = at::mm(h, Q);  // [pairs, 2|key|]
      auto projected = [&](const float* base, float sign) {
        return lowrank_cross_entropy(base, p, p, rows.data(), b.pairs, y, hQ.data_ptr<float>(),
                                     static_cast<int>(hQ.size(1)), G.data_ptr<float>(), sign);
      };
      onto_key += projected(b.data.direct, 1.f);
      onto_null += projected(b.data.logits, -1.f);
    }
  }
  out.rows.push_back({"full model", full.mean().loss, full.mean().acc});

  // Frequency k's component is the rank-2 term u_cos (u_cos^T L) + u_sin (u_sin^T L); all keys'
  // are U C, U = [u_cos | u_sin] [pairs, 2n], C = U^T L [2n, p] (float64).
  const at::Tensor C = keys.coefficients();
  const at::Tensor Cf = f32(C), ac = f32(C.narrow(0, 0, n)), as = f32(C.narrow(0, n, n));
  // The logit fit's mean: over the group's pairs and outputs (the n^3 values it fits).
  const double mean = sum_row.index_select(0, out_cols).sum().item<double>() / static_cast<double>(pairs * n_group);
  const at::Tensor mean_f = f32(sum_row / static_cast<double>(pairs));  // the mean logits [p]
  std::vector<LossSum> each(static_cast<std::size_t>(n));
  LossSum without, only;
  double total = 0;  // sum of (L - mean)^2 over the group's pairs and outputs
  for (std::size_t i = 0; i < src->size(); i++) {
    const ForwardBlock b = src->block(i);
    const at::Tensor Lf = at::from_blob(const_cast<float*>(b.data.logits), {b.pairs, p}, at::kFloat);
    total += (Lf.index_select(1, out_cols).to(at::kDouble) - mean).square().sum().item<double>();
    std::vector<std::int64_t> rows(static_cast<std::size_t>(b.pairs));
    std::iota(rows.begin(), rows.end(), 0);
    const std::int64_t* y = labels.data() + b.first;
    const at::Tensor U = f32(keys.directions(b.rows));  // [2n, pairs]
    const at::Tensor Ut = f32(U.t());                   // [pairs, 2n]
    // Each key ablated: the rank-2 kernel of the measures, all keys in one pass over the rows.
    const std::vector<LossSum> s =
        rank2_cross_entropies(b.data.logits, p, rows.data(), b.pairs, y, n, U.data_ptr<float>(),
                              U.data_ptr<float>() + n * b.pairs, ac.data_ptr<float>(), as.data_ptr<float>(), b.pairs);
    for (int k = 0; k < n; k++) each[k] += s[k];
    // All keys' components U C, subtracted from the logits or kept over their mean, applied per
    // row by the kernel instead of a [pairs, p] table.
    without += lowrank_cross_entropy(b.data.logits, p, p, rows.data(), b.pairs, y, Ut.data_ptr<float>(), 2 * n,
                                     Cf.data_ptr<float>(), -1.f);
    only += lowrank_cross_entropy(mean_f.data_ptr<float>(), 0, p, rows.data(), b.pairs, y, Ut.data_ptr<float>(), 2 * n,
                                  Cf.data_ptr<float>(), 1.f);
  }
  for (int i = 0; i < n; i++)
    out.rows.push_back(
        {"ablate frequency " + std::to_string(out.key_freqs[i]), each[i].mean().loss, each[i].mean().acc});
  out.rows.push_back({"ablate all key frequencies", without.mean().loss, without.mean().acc});
  out.rows.push_back({"keep only key frequencies", only.mean().loss, only.mean().acc});
  if (n > 0 && Q.defined()) {
    out.rows.push_back({"MLP onto the key W_L directions", onto_key.mean().loss, onto_key.mean().acc});
    out.rows.push_back({"MLP onto their null space", onto_null.mean().loss, onto_null.mean().acc});
  }
  if (!src->pairs().outside.empty()) {  // a zero operand: outside the group, measured apart
    const ForwardBlock b = src->outside();
    std::vector<std::int64_t> rows(static_cast<std::size_t>(b.pairs));
    std::iota(rows.begin(), rows.end(), 0);
    const LossAcc o =
        row_cross_entropy(b.data.logits, p, rows.data(), b.pairs, src->pairs().outside_label.data()).mean();
    out.rows.push_back({"full model, pairs with a zero operand", o.loss, o.acc});
  }

  // FVE of the centred logits Lc = L - mean by sum_k alpha_k cos(w_k(i+j-k')) over the group's
  // pairs and outputs: the functions are orthogonal, so the least-squares fit is the sum of the
  // projections <Lc, f_k / |f_k|>^2, from the key components (U^T Lc = C - mean U^T 1) read at the
  // group's outputs (key_components.h).
  double explained = 0;
  if (n > 0) {
    const at::Tensor Cc = C - mean * keys.direction_sums().unsqueeze(1);  // [2n, p]
    // Scatter into every frequency's rows for the shared helper; only the keys' rows are non-zero.
    const int K = F.n_freqs();
    at::Tensor Call = at::zeros({2 * K, p}, at::kDouble);
    for (int i = 0; i < n; i++) {
      Call[out.key_freqs[i] - 1].copy_(Cc[i]);
      Call[K + out.key_freqs[i] - 1].copy_(Cc[n + i]);
    }
    explained = cos_abc_coefficients(F, Call).square().sum().item<double>();
  }
  out.logit_fit_fve = total > 0 ? explained / total : 0.0;
  return out;
}

}  // namespace grok
