// The training step's float64 cross-entropy (config loss "softmax64", the default) as one fused
// operation: the loss, the picked log-probabilities and, in the backward pass, the logits' gradient.
//
// Why: autograd's chain for -mean(log_softmax(logits.to(double)).gather(labels)) makes [N, V]
// passes it need not: the cast, log_softmax (N * V exps), gather's backward (a zeroed [N, V]
// float64 tensor and a scatter), log_softmax's backward (N * V exps again) and the cast back. Here
// the forward computes each exp once, keeping p = softmax(x) in float64, and the backward is one
// pass writing (p - onehot(label)) * g / N in the logits' dtype. The loss stays float64 all the
// way, so that softmax collapse (Prieto et al.) is what the float64 loss sees, not float32's.
//
// Shapes: logits [N, V] float32 or float64, labels [N] int64 in 0..V-1. Returns {loss (float64
// scalar, differentiable in logits), picked [N, 1] float64 = log p_label (not differentiable)}.
//
//   auto [loss, picked] = cross_entropy64(logits, labels);   // loss.backward() fills logits' grad
//
// Numbers: the same loss as run_loss(logits, labels, softmax64, n) to ~1e-15 relative (its exp
// is a polynomial, ~1 ulp, and each row is summed in order); the gradient to float rounding
// (tests/test_kernels.cpp). Deterministic for any thread count (rows are independent, the mean is
// summed row by row in order).
//
// Kernels: AVX2+FMA exp on x86-64 CPUs that have them, else std::exp (core/runtime/simd_kernels.h).
//
// Threading: call from one thread; it splits rows over that thread's intra-op pool.
#pragma once

#include <ATen/ATen.h>

#include <utility>

namespace grok {

std::pair<at::Tensor, at::Tensor> cross_entropy64(const at::Tensor& logits, const at::Tensor& labels);

}  // namespace grok
