#include "core/training/internal/recipes.h"

#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

#include <cmath>

#include "core/training/internal/cross_entropy.h"

namespace grok {

at::Tensor log_stablemax(const at::Tensor& x) {
  // 1e-30 as in the authors' s(): keeps 1 / (1 - x) finite for any x < 0 the dtype can hold.
  const at::Tensor s = at::where(x < 0, 1.0 / (1.0 - x + 1e-30), x + 1.0);
  return at::log(s / s.sum(-1, /*keepdim=*/true));
}

at::Tensor log_probs(const at::Tensor& logits, LossKind kind) {
  switch (kind) {
    case LossKind::Softmax32: return at::log_softmax(logits.to(at::kFloat), -1);
    case LossKind::StableMax: return log_stablemax(logits.to(at::kDouble));
    case LossKind::Softmax64: break;
    case LossKind::Mse: throw std::logic_error("log_probs: the mse loss has no probabilities");
  }
  return at::log_softmax(logits.to(at::kDouble), -1);
}

namespace {

at::Tensor mse_value(const at::Tensor& logits, const at::Tensor& labels, std::int64_t n) {
  const at::Tensor target = at::one_hot(labels, n).to(at::kDouble);  // [N, n]
  return (logits.narrow(1, 0, n).to(at::kDouble) - target).pow(2).mean();
}

// The loss as mse_value computes it; its backward in one pass over the logits instead of autograd's
// seven (the mean's and the square's products, the difference, the float64 copy's conversion and
// the narrow's zero-fill, each over [N, n] float64): each element's gradient is what that chain
// rounds, float((g / (N n)) * (2 (x - t))), x the logit in float64 and t 0 or 1, the columns past n
// +0. tests/test_recipes compares it with autograd's bit for bit.
struct OneHotMse : torch::autograd::Function<OneHotMse> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& logits, const at::Tensor& labels,
                            std::int64_t n) {
    ctx->save_for_backward({logits, labels});
    ctx->saved_data["n"] = n;
    return mse_value(logits, labels, n);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto s = ctx->get_saved_variables();
    const at::Tensor x = s[0].contiguous(), y = s[1].to(at::kLong).contiguous();
    const std::int64_t n = ctx->saved_data["n"].toInt(), N = x.size(0), V = x.size(1);
    const double q = grads[0].item<double>() / static_cast<double>(N * n);  // the mean's backward
    at::Tensor out = at::empty_like(x);
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "one_hot_mse_backward", [&] {
      const scalar_t* xp = x.data_ptr<scalar_t>();
      const std::int64_t* yp = y.data_ptr<std::int64_t>();
      scalar_t* op = out.data_ptr<scalar_t>();
      at::parallel_for(0, N, 256, [&](std::int64_t i0, std::int64_t i1) {
        for (std::int64_t i = i0; i < i1; i++)
          for (std::int64_t j = 0; j < V; j++) {
            const double d = static_cast<double>(xp[i * V + j]) - (j == yp[i] ? 1.0 : 0.0);
            op[i * V + j] = j < n ? static_cast<scalar_t>(q * (2.0 * d)) : scalar_t(0);
          }
      });
    });
    return {out, at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor one_hot_mse(const at::Tensor& logits, const at::Tensor& labels, std::int64_t n) {
  if (!at::GradMode::is_enabled() || !logits.requires_grad()) return mse_value(logits, labels, n);
  return OneHotMse::apply(logits, labels, n);
}

at::Tensor run_loss(const at::Tensor& logits, const at::Tensor& labels, LossKind kind, std::int64_t n) {
  if (kind == LossKind::Mse) return one_hot_mse(logits, labels, n);
  // softmax64: the training step's own fused cross-entropy, so that a run's train and test losses
  // are one function's (kernel version 10; ATen's log_softmax chain cost the mainline's test
  // evaluation 1.7 ms of its 11 at 2 threads, the fused one 1.0).
  if (kind == LossKind::Softmax64) return cross_entropy64(logits, labels).first;
  return -log_probs(logits, kind).gather(1, labels.unsqueeze(1)).mean();
}

GradFilterState::GradFilterState(const Config& cfg, const Weights& w)
    : kind_(cfg.grad_filter), alpha_(cfg.grokfast_alpha), lambda_(cfg.grokfast_lambda), window_(cfg.grokfast_window) {
  for (const auto& [name, t] : w.named()) names_.push_back(name);
}

void GradFilterState::apply(Weights& w) {
  if (kind_ == GradFilter::None) return;
  at::NoGradGuard no_grad;
  auto params = w.named();
  if (kind_ == GradFilter::Ema) {
    const bool first = ema_.empty();
    for (std::size_t i = 0; i < params.size(); i++) {
      at::Tensor g = params[i].second->mutable_grad();
      if (first) ema_.push_back(g.detach().clone());
      ema_[i] = ema_[i] * alpha_ + g * (1.0 - alpha_);
      g.copy_(g + ema_[i] * lambda_);
    }
    return;
  }
  std::vector<at::Tensor> now;
  for (auto& [name, t] : params) now.push_back(t->grad().detach().clone());
  history_.push_back(std::move(now));
  if (static_cast<int>(history_.size()) > window_) history_.pop_front();
  if (static_cast<int>(history_.size()) < window_) return;  // the authors' warm-up: only once the window is full
  for (std::size_t i = 0; i < params.size(); i++) {
    // Python's sum() from the oldest, then the division: the authors' order of operations.
    at::Tensor sum = history_[0][i].clone();
    for (std::size_t k = 1; k < history_.size(); k++) sum = sum + history_[k][i];
    at::Tensor g = params[i].second->mutable_grad();
    g.copy_(g + (sum / static_cast<double>(history_.size())) * lambda_);
  }
}

std::vector<NamedArray> GradFilterState::state() const {
  std::vector<NamedArray> out;
  for (std::size_t i = 0; i < ema_.size(); i++) out.push_back(to_named_array("grokfast.ema." + names_[i], ema_[i]));
  for (std::size_t k = 0; k < history_.size(); k++)
    for (std::size_t i = 0; i < names_.size(); i++)
      out.push_back(to_named_array("grokfast.ma." + std::to_string(k) + "." + names_[i], history_[k][i]));
  return out;
}

void GradFilterState::load_state(const std::vector<NamedArray>& arrays) {
  ema_.clear();
  history_.clear();
  auto find = [&](const std::string& name) -> const NamedArray* {
    for (const NamedArray& a : arrays)
      if (a.name == name) return &a;
    return nullptr;
  };
  if (kind_ == GradFilter::Ema && find("grokfast.ema." + names_[0])) {
    for (const std::string& n : names_) {
      const NamedArray* a = find("grokfast.ema." + n);
      if (!a) throw std::runtime_error("resume state: missing Grokfast EMA of " + n);
      ema_.push_back(from_named_array(*a).clone());
    }
  }
  if (kind_ == GradFilter::Ma) {
    for (int k = 0; k < window_ && find("grokfast.ma." + std::to_string(k) + "." + names_[0]); k++) {
      std::vector<at::Tensor> step;
      for (const std::string& n : names_) {
        const NamedArray* a = find("grokfast.ma." + std::to_string(k) + "." + n);
        if (!a) throw std::runtime_error("resume state: missing Grokfast gradient " + std::to_string(k) + " of " + n);
        step.push_back(from_named_array(*a).clone());
      }
      history_.push_back(std::move(step));
    }
  }
}

void orthogonalize_gradients(Weights& w) {
  at::NoGradGuard no_grad;
  for (auto& [name, t] : w.named()) {
    at::Tensor grad = t->mutable_grad();
    if (!grad.defined()) continue;
    const at::Tensor wf = t->detach().view(-1), g = grad.view(-1);
    const at::Tensor proj = at::dot(wf, g) / (at::dot(wf, wf) + 1e-30);
    const at::Tensor g_orth = g - proj * wf;
    const at::Tensor scaled = g_orth * (g.norm(2) / (g_orth.norm(2) + 1e-30));
    grad.copy_(scaled.view_as(grad));
  }
}

double global_norm(const Weights& w) {
  at::NoGradGuard no_grad;
  double sum = 0;
  for (const at::Tensor& t : w.list()) sum += t.detach().to(at::kDouble).pow(2).sum().item<double>();
  return std::sqrt(sum);
}

void rescale_to_norm(Weights& w, double target) {
  at::NoGradGuard no_grad;
  const double factor = target / global_norm(w);
  for (auto& [name, t] : w.named()) t->mul_(factor);
}

}  // namespace grok
