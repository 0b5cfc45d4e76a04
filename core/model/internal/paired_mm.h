// A x B for the first layer's small weight products where one_layer_operands.h does not make
// them (models of two layers or more, dropout): W W_O, x W^T, W_out^T W_U, the stacked key /
// value / query projection. Its backward computes its two gradients side by side, each on one
// thread by BLAS on that thread (gemm_jobs.h), instead of one after the other with both threads
// meeting at each. At these sizes ([626 x 128] x [128 x 128] and the like) a product split over
// two threads spends a large part of its time at OpenMP barriers.
//
//   const at::Tensor A = paired_mm(W, W_O);   // [K, D] x [D, H*Dh], differentiable in both
//
// Shapes: A [m, k], B [k, n] (any strides), float32 or float64. The forward is at::mm. The bits
// are BLAS's for each product and do not depend on the thread count.
#pragma once

#include <ATen/ATen.h>

namespace grok {

at::Tensor paired_mm(const at::Tensor& A, const at::Tensor& B);

}  // namespace grok
