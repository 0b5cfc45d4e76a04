#include "core/analysis/ablation_checks.h"
#include "core/base/task.h"

#include <ATen/ATen.h>

#include <cmath>
#include <numeric>

#include "core/analysis/internal/key_components.h"
#include "core/analysis/internal/pair_blocks.h"
#include "core/analysis/internal/row_losses.h"
#include "core/model/anatomy_maps.h"
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
  const ModelAnatomy an = model_family(cfg).anatomy(cfg);
  // W_L: the last MLP's neurons to the logits; a family without neurons has W_U^T (from its residual).
  std::vector<int> outputs(static_cast<std::size_t>(p));
  std::iota(outputs.begin(), outputs.end(), 0);
  Matrix64 wl = logit_map(checkpoint, outputs);
  const at::Tensor W_L = at::tensor(wl.v, at::kDouble).reshape({wl.rows, wl.cols});  // [p, M]
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
    for (int r = 0; r < F.component_rows(k); r++) {  // the sign character of even n has no sine row
      const int row = F.component_first_row(k) + r;
      dirs.push_back(WLhat[row]);
      kept += WLhat[row].pow(2).sum().item<double>();
    }
  out.wl_norm_outside_key = std::sqrt(std::max(0.0, wl_total * wl_total - kept)) / wl_total;
  if (an.neurons == 0) return {};                                       // no neurons to project
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
                               const std::vector<int>& key_freqs, const FourierBasis& F, const PairForward& forward,
                               const std::function<void()>& between_parts) {
  at::NoGradGuard no_grad;
  auto between = [&] {
    if (between_parts) between_parts();
  };
  const int p = Task(cfg).p(), n_group = F.n(), M = model_family(cfg).anatomy(cfg).neurons;
  AblationChecks out;
  KeyComponents keys(F, key_freqs);
  out.key_freqs = keys.freqs();
  const int n = keys.count(), rank = keys.row_count();
  const auto [Q, G] = key_neuron_directions(cfg, checkpoint, out.key_freqs, F, out);
  CharacterSums chars(F);

  // Every loss over the group's n^2 pairs, block by block (pair_blocks.h), through the measures'
  // row kernel. First pass: the full model, the MLP projections (they need only the weights), the
  // logits' sum and the key components; second pass, with those: the ablations and the variance.
  const std::unique_ptr<PairSource> src = pair_arrays(cfg, forward);
  const std::vector<std::int64_t>& labels = src->pairs().label;
  const std::int64_t pairs = static_cast<std::int64_t>(n_group) * n_group;
  LossSum full, onto_key, onto_null;
  at::Tensor first_directions;                       // one block: its key directions, for both passes
  at::Tensor sum_row = at::zeros({p}, at::kDouble);  // the logits summed over pairs
  for (std::size_t i = 0; i < src->size(); i++) {
    const ForwardBlock b = src->block(i);
    std::vector<std::int64_t> rows(static_cast<std::size_t>(b.pairs));
    std::iota(rows.begin(), rows.end(), 0);
    const std::int64_t* y = labels.data() + b.first;
    full += row_cross_entropy(b.data.logits, p, rows.data(), b.pairs, y);
    add_row_sums_f64(b.data.logits, b.pairs, p, sum_row.data_ptr<double>());
    between();
    const at::Tensor D = keys.directions(b.rows);
    if (src->size() == 1) first_directions = D;  // the second pass's, kept
    keys.accumulate(b, D, b.data.logits);
    chars.accumulate(b, b.data.logits);
    between();
    if (n > 0 && Q.defined()) {
      const at::Tensor hQ = at::empty({b.pairs, Q.size(1)}, at::kFloat);  // [pairs, 2|key|]
      thin_product(b.data.mlp_post, b.pairs, M, Q.data_ptr<float>(), static_cast<int>(Q.size(1)), hQ.data_ptr<float>());
      between();
      auto projected = [&](const float* base, float sign) {
        return lowrank_cross_entropy(base, p, p, rows.data(), b.pairs, y, hQ.data_ptr<float>(),
                                     static_cast<int>(hQ.size(1)), G.data_ptr<float>(), sign);
      };
      onto_key += projected(b.data.direct, 1.f);
      between();
      onto_null += projected(b.data.logits, -1.f);
    }
  }
  out.rows.push_back({"full model", full.mean().loss, full.mean().acc});
  between();

  // Component k's part of the logits is U_k C_k (key_components.h); all keys' are U C,
  // C = U^T L [rows, p] (float64).
  const at::Tensor C = keys.coefficients();
  const at::Tensor Cf = f32(C);
  const at::Tensor mean_f = f32(sum_row / static_cast<double>(pairs));  // the mean logits [p]
  std::vector<LossSum> each(static_cast<std::size_t>(n));
  LossSum without, only;
  for (std::size_t i = 0; i < src->size(); i++) {
    const ForwardBlock b = src->block(i);
    std::vector<std::int64_t> rows(static_cast<std::size_t>(b.pairs));
    std::iota(rows.begin(), rows.end(), 0);
    const std::int64_t* y = labels.data() + b.first;
    const at::Tensor U = f32(first_directions.defined() ? first_directions : keys.directions(b.rows));  // [rows, pairs]
    const at::Tensor Ut = f32(U.t());                                                                   // [pairs, rows]
    // Each key ablated: the measures' kernel, all keys in one pass over the rows.
    const std::vector<LossSum> s = keys.each_excluded(b.data.logits, rows.data(), b.pairs, y, U, Cf);
    for (int k = 0; k < n; k++) each[k] += s[k];
    between();
    // All keys' components U C, subtracted from the logits or kept over their mean, applied per
    // row by the kernel instead of a [pairs, p] table.
    without += lowrank_cross_entropy(b.data.logits, p, p, rows.data(), b.pairs, y, Ut.data_ptr<float>(), rank,
                                     Cf.data_ptr<float>(), -1.f);
    only += lowrank_cross_entropy(mean_f.data_ptr<float>(), 0, p, rows.data(), b.pairs, y, Ut.data_ptr<float>(), rank,
                                  Cf.data_ptr<float>(), 1.f);
  }
  const std::string what = F.cyclic() ? "frequency" : "irrep", whats = F.cyclic() ? "frequencies" : "irreps";
  for (int i = 0; i < n; i++)
    out.rows.push_back(
        {"ablate " + what + " " + F.component_name(out.key_freqs[i]), each[i].mean().loss, each[i].mean().acc});
  out.rows.push_back({"ablate all key " + whats, without.mean().loss, without.mean().acc});
  out.rows.push_back({"keep only key " + whats, only.mean().loss, only.mean().acc});
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

  // FVE of the centred logits Lc = L - mean by sum_k alpha_k T_k, T_k = chi_k(i o j o c^-1) (cos(w_k(i+j-c))
  // for a cyclic group), over the key k, the group's pairs and outputs: the T_k are orthogonal, so
  // the least-squares fit is the sum of the squared character coefficients (key_components.h).
  double explained = 0;
  const at::Tensor coef = chars.coefficients();
  for (int k : out.key_freqs) explained += coef[k - 1].item<double>() * coef[k - 1].item<double>();
  const double total = chars.global_centred_sq_norm();
  out.logit_fit_fve = total > 0 ? explained / total : 0.0;
  return out;
}

}  // namespace grok
