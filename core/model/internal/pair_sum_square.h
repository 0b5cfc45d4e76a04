// Gromov's quadratic hidden layer on one-hot operands, fused: h = (T[ia] + T[ib])^2.
//
// Why: on one-hot inputs fc1 x is a sum of two rows of fc1's transpose T. Through ATen that was two
// gathered [N, M] tensors, their sum and its square forward, and backward the square's two
// products, their sum and two index_adds: about twelve passes over [N, M] floats (9.4 MB on the
// label-noise preset), which memory bandwidth made most of its step beside the two GEMMs. Here the
// forward writes h alone, and the backward reads the gradient once, recomputing each pair's sum from
// T (hundreds of KB, in L2).
//
// Shapes: T [R, M] contiguous, ia and ib [N] int64 rows of T, h [N, M]; float32 or float64.
//
//   const at::Tensor fc1t = fc1.t().contiguous();                    // [2n, M]
//   const at::Tensor h = pair_sum_square(fc1t, x.a, x.b + n);         // [N, M], differentiable in T
//
// Bits: the same as ATen's index_select, add and mul (tests/test_mlp_families): one rounding for
// the sum and one for the square forward; backward each pair's row t + t with t = dh * (sum), added
// into T's rows in pair order from +0, once for ia's rows and once for ib's, the two then summed, as
// autograd's index_select backward and gradient accumulation do. Whatever the thread count (threads
// take rows forward, columns backward). The file is compiled without floating-point contraction:
// t + t after t = dh * s must not become one FMA.
#pragma once

#include <ATen/ATen.h>

namespace grok {

at::Tensor pair_sum_square(const at::Tensor& T, const at::Tensor& ia, const at::Tensor& ib);

}  // namespace grok
