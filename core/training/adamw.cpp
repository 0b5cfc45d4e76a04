#include "core/training/internal/adamw.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace grok {

AdamW::AdamW(const Weights& w, AdamWOptions opt) : opt_(opt) {
  for (auto& [name, t] : w.named()) {
    names_.push_back(name);
    exp_avg_.push_back(at::zeros_like(t->detach()));
    exp_avg_sq_.push_back(at::zeros_like(t->detach()));
  }
}

double AdamW::lr_at(long step) const {
  if (opt_.warmup_steps <= 0) return opt_.lr;
  return opt_.lr * std::min(static_cast<double>(step) / opt_.warmup_steps, 1.0);
}

void AdamW::step(Weights& w) {
  at::NoGradGuard no_grad;
  const double lr = lr_at(step_);
  step_++;
  const double bias1 = 1.0 - std::pow(opt_.beta1, static_cast<double>(step_));
  const double bias2 = 1.0 - std::pow(opt_.beta2, static_cast<double>(step_));
  const double step_size = lr / bias1;
  const double bias2_sqrt = std::sqrt(bias2);
  auto params = w.named();
  for (std::size_t i = 0; i < params.size(); i++) {
    at::Tensor& param = *params[i].second;
    const at::Tensor grad = param.grad();
    if (!grad.defined()) continue;
    // Same operation sequence as torch::optim::AdamW::step (LibTorch 1.13), so that the two agree
    // bit for bit; PyTorch 2's lerp_ form differs only in the last float bit.
    if (opt_.weight_decay != 0) param.mul_(1.0 - lr * opt_.weight_decay);
    exp_avg_[i].mul_(opt_.beta1).add_(grad, 1.0 - opt_.beta1);
    exp_avg_sq_[i].mul_(opt_.beta2).addcmul_(grad, grad, 1.0 - opt_.beta2);
    const at::Tensor denom = (exp_avg_sq_[i].sqrt() / bias2_sqrt).add_(opt_.eps);
    param.addcdiv_(exp_avg_[i], denom, -step_size);
  }
}

std::vector<NamedArray> AdamW::state() const {
  std::vector<NamedArray> out;
  for (std::size_t i = 0; i < names_.size(); i++) {
    out.push_back(to_named_array("exp_avg." + names_[i], exp_avg_[i]));
    out.push_back(to_named_array("exp_avg_sq." + names_[i], exp_avg_sq_[i]));
  }
  return out;
}

void AdamW::load_state(const std::vector<NamedArray>& arrays, long steps_taken) {
  for (std::size_t i = 0; i < names_.size(); i++) {
    bool m = false, v = false;
    for (auto& a : arrays) {
      if (a.name == "exp_avg." + names_[i]) copy_into(exp_avg_[i], a), m = true;
      if (a.name == "exp_avg_sq." + names_[i]) copy_into(exp_avg_sq_[i], a), v = true;
    }
    if (!m || !v) throw std::runtime_error("resume state: missing optimizer moments of " + names_[i]);
  }
  step_ = steps_taken;
}

}  // namespace grok
