// An MLP's hidden layer on per-token tables, fused: h = act(T[ia] + T[ib]), act x^2 or ReLU.
//
// Why: when a first layer's input is two tokens' rows (Gromov's one-hot operands: fc1's columns;
// Chughtai's embeddings: W_x W[:D] and W_y W[D:], kernel version 7), its pre-activation is a sum of
// two rows of a small table T. Through ATen that was two gathered [N, M] tensors, their sum and the
// activation forward, and backward the activation's products, their sum and two index_adds: about
// twelve passes over [N, M] floats (9.4 MB on the label-noise preset), which memory bandwidth made
// most of a step beside its GEMMs. Here the forward writes h alone, and the backward reads the
// gradient once, recomputing each pair's sum from T (tens to hundreds of KB, in L2).
//
// Shapes: T [R, M] contiguous, ia and ib [N] int64 rows of T, h [N, M]; float32 or float64.
//
//   const at::Tensor fc1t = fc1.t().contiguous();                                        // [2n, M]
//   const at::Tensor h = pair_sum_activation(fc1t, x.a, x.b + n, Activation::Quadratic);  // [N, M]
//
// Bits: the same as ATen's index_select, add and then mul (x^2) or relu (tests/test_mlp_families):
// one rounding for the sum and one for the square forward; backward each pair's row (t + t with
// t = dh * s for x^2, dh where s > 0 or is NaN for ReLU, as threshold_backward keeps it) added into
// T's rows in pair order from +0, once for ia's rows and once for ib's, the two then summed, as
// autograd's index_select backward and gradient accumulation do. Whatever the thread count
// (threads take rows forward, columns backward). The file is compiled without floating-point
// contraction: t + t after t = dh * s must not become one FMA.
//
// Threading: at::parallel_for inside; call from one thread at a time per tensor.
#pragma once

#include <ATen/ATen.h>

#include "core/base/config.h"

namespace grok {

// act: Activation::Quadratic or Activation::Relu (anything else is refused).
at::Tensor pair_sum_activation(const at::Tensor& T, const at::Tensor& ia, const at::Tensor& ib, Activation act);

}  // namespace grok
