#include "core/training/internal/step_numerics.h"

#include <cmath>

namespace grok {

void add_forward_numerics(const at::Tensor& logits, const at::Tensor& picked_logp, NumericsRecord& r) {
  at::NoGradGuard no_grad;
  const at::Tensor x = logits.detach().to(at::kFloat);
  // Prieto et al.'s logger: the float32 sum of exp(x - max); exactly 1 when every other term underflows.
  const at::Tensor sum_exp = at::exp(x - std::get<0>(x.max(1, /*keepdim=*/true))).sum(1);
  const double n = static_cast<double>(x.size(0));
  r.values["softmax_collapse"] = sum_exp.eq(1.0).sum().item<double>() / n;
  r.values["zero_loss"] = picked_logp.detach().eq(0.0).sum().item<double>() / n;
}

void add_gradient_numerics(const Weights& w, NumericsRecord& r) {
  at::NoGradGuard no_grad;
  double ww = 0, gg = 0, wg = 0;
  for (const auto& [name, t] : w.named()) {
    const at::Tensor wf = t->detach().view(-1).to(at::kDouble);
    const double tw = wf.dot(wf).item<double>();
    ww += tw;
    r.values["norm:" + name] = std::sqrt(tw);
    const at::Tensor grad = t->grad();
    if (!grad.defined()) continue;
    const at::Tensor gf = grad.view(-1).to(at::kDouble);
    const double tg = gf.dot(gf).item<double>(), twg = wf.dot(gf).item<double>();
    gg += tg;
    wg += twg;
    // A zero tensor (the biases at initialisation) has no direction: NaN, stored as NULL.
    r.values["cos_wg:" + name] = tw > 0 && tg > 0 ? twg / std::sqrt(tw * tg) : std::nan("");
  }
  r.values["norm"] = std::sqrt(ww);
  r.values["cos_wg"] = ww > 0 && gg > 0 ? wg / std::sqrt(ww * gg) : std::nan("");
}

}  // namespace grok
