#include "core/training/internal/adamw.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/runtime/simd_kernels.h"
#if GROK_X86_KERNELS
#include <immintrin.h>
#endif

namespace grok {
namespace {

// The update's float constants: ATen converts each double scalar to the tensor's float first.
struct UpdateConstants {
  float decay, b1, one_minus_b1, b2, one_minus_b2, bias2_sqrt, eps, neg_step;
  bool decays;
};

#if GROK_X86_KERNELS
// One pass over a parameter for the five ATen operations of step() below, each element computed as
// LibTorch's AVX2 / AVX-512 kernels compute it (add_ with alpha is a fused multiply-add, addcmul_'s
// s * t1 * t2 + self contracts into one, addcdiv_ divides then adds): the same bits, read off
// tests/test_model's comparison with torch::optim::AdamW, in one read of p, g, m and v instead of
// ~13 passes and two temporaries.
__attribute__((target("avx2,fma"))) void update_avx2(float* p, const float* g, float* m, float* v, std::int64_t n,
                                                     const UpdateConstants& c) {
  const __m256 decay = _mm256_set1_ps(c.decay), b1 = _mm256_set1_ps(c.b1), ob1 = _mm256_set1_ps(c.one_minus_b1);
  const __m256 b2 = _mm256_set1_ps(c.b2), ob2 = _mm256_set1_ps(c.one_minus_b2), bs = _mm256_set1_ps(c.bias2_sqrt);
  const __m256 eps = _mm256_set1_ps(c.eps), ns = _mm256_set1_ps(c.neg_step);
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 gi = _mm256_loadu_ps(g + i);
    __m256 pi = _mm256_loadu_ps(p + i);
    if (c.decays) pi = _mm256_mul_ps(pi, decay);
    const __m256 mi = _mm256_fmadd_ps(gi, ob1, _mm256_mul_ps(_mm256_loadu_ps(m + i), b1));
    const __m256 vi = _mm256_fmadd_ps(_mm256_mul_ps(ob2, gi), gi, _mm256_mul_ps(_mm256_loadu_ps(v + i), b2));
    const __m256 den = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(vi), bs), eps);
    _mm256_storeu_ps(m + i, mi);
    _mm256_storeu_ps(v + i, vi);
    _mm256_storeu_ps(p + i, _mm256_add_ps(pi, _mm256_div_ps(_mm256_mul_ps(ns, mi), den)));
  }
  for (; i < n; i++) {
    const float pi = c.decays ? p[i] * c.decay : p[i];
    m[i] = std::fma(g[i], c.one_minus_b1, m[i] * c.b1);
    v[i] = std::fma(c.one_minus_b2 * g[i], g[i], v[i] * c.b2);
    const float den = std::sqrt(v[i]) / c.bias2_sqrt + c.eps;
    p[i] = pi + (c.neg_step * m[i]) / den;
  }
}
#endif

}  // namespace

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
#if GROK_X86_KERNELS
  const UpdateConstants c{static_cast<float>(1.0 - lr * opt_.weight_decay),
                          static_cast<float>(opt_.beta1),
                          static_cast<float>(1.0 - opt_.beta1),
                          static_cast<float>(opt_.beta2),
                          static_cast<float>(1.0 - opt_.beta2),
                          static_cast<float>(bias2_sqrt),
                          static_cast<float>(opt_.eps),
                          static_cast<float>(-step_size),
                          opt_.weight_decay != 0};
#endif
  for (std::size_t i = 0; i < params.size(); i++) {
    at::Tensor& param = *params[i].second;
    const at::Tensor grad = param.grad();
    if (!grad.defined()) continue;
#if GROK_X86_KERNELS
    const bool floats = param.scalar_type() == at::kFloat && grad.scalar_type() == at::kFloat;
    if (floats && use_avx2_kernels() && param.is_contiguous() && grad.is_contiguous()) {
      float* p = param.data_ptr<float>();
      const float* g = grad.data_ptr<float>();
      float* m = exp_avg_[i].data_ptr<float>();
      float* v = exp_avg_sq_[i].data_ptr<float>();
      at::parallel_for(0, param.numel(), 32768,
                       [&](std::int64_t b, std::int64_t e) { update_avx2(p + b, g + b, m + b, v + b, e - b, c); });
      continue;
    }
#endif
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
