// Attention-weighted sums of per-token table rows, with its own backward: the kernel that lets the
// fast path skip the W_in GEMMs of the first layer.
//
// In the first layer the residual at positions 0 and 1 depends on one token each, so anything
// linear in it (values, W_O-projected values, W_in of those) is a table of V rows per head. The
// final position's residual after attention, and its MLP pre-activation, are then
//
//   out[n, :] = base[base_idx[n], :] + sum_j sum_h alpha[n, j, h] * tables[j][idx[j][n], h, :]
//
// with alpha the attention pattern [N, J, H]. That is N * J * H * K multiply-adds instead of a
// dense [N, D] x [D, K] product (K = d_mlp: 12 row-mixes of 512 instead of a 128-deep dot per
// output), and the same saving in the backward pass.
//
// Columns [0, relu_cols) of the result are ReLU(out), and the backward masks the gradient itself:
// one pass over [N, K] fewer each way than a separate ReLU (the MLP pre-activation's case; a layer
// whose residual feeds another writes both in one mix, its pre-activation first).
//
// Shapes: alpha [N, J, H]; tables[j] [H, R_j, K] (head-major: the per-head products that make them
// write it without a transposed copy); idx[j] [N] int64 in 0..R_j-1; base [R_b, K];
// base_idx [N] int64. float32 or float64. Differentiable in alpha, tables and base; the result is
// deterministic for any thread count (each output row or table row is summed in a fixed order).
//
// Kernels: AVX2+FMA for float32 on x86-64 CPUs that have them, else (arm64, or
// GROK_PORTABLE_KERNELS=1) portable C++ loops that agree to float rounding, ~1e-6 relative
// (core/runtime/simd_kernels.h; tests/test_kernels.cpp). Each call reads the choice once.
#pragma once

#include <ATen/ATen.h>

#include <utility>
#include <vector>

#include "core/model/internal/gemm_jobs.h"

namespace grok {

// The tables themselves from per-head rows: tables[j][h] = values[j][:, h, :] A[:, h * Dh : (h + 1) * Dh]^T,
// values[j] [R_j, H, Dh], A [K, H * Dh] -> [H, R_j, K] each. Differentiable in both. Every
// (stream, head) product is one GEMM on one thread, the threads taking different products; the
// bits do not depend on the thread count (A's gradient sums the streams in order).
std::vector<at::Tensor> table_mix_tables(const std::vector<at::Tensor>& values, const at::Tensor& A);
// The same products, and those of their backward, as jobs (gemm_jobs.h) for a caller that runs them
// beside products of its own, on tensors without autograd: values [R_j, H, Dh] and A [K, H * Dh]
// contiguous, out [H, R_j, K]; d_values like values, d_A like A (overwritten).
std::vector<GemmJob> table_mix_tables_jobs(const std::vector<at::Tensor>& values, const at::Tensor& A,
                                           std::vector<at::Tensor>& out);
std::vector<GemmJob> table_mix_tables_backward_jobs(const std::vector<at::Tensor>& values, const at::Tensor& A,
                                                    const std::vector<at::Tensor>& d_tables,
                                                    std::vector<at::Tensor>& d_values, at::Tensor& d_A);

at::Tensor table_mix(const at::Tensor& alpha, const std::vector<at::Tensor>& tables, const std::vector<at::Tensor>& idx,
                     const at::Tensor& base, const at::Tensor& base_idx, std::int64_t relu_cols = 0);

// The last layer's MLP and logits as one operation. The tables and base have M + V columns: the
// MLP's pre-activation (M, ReLU applied), then the direct path's logits (V). With m the mix,
//
//   logits = m[:, M:] + ReLU(m[:, :M]) W              W [M, V] (W_out^T W_U)
//
// Returns {logits [N, V], m [N, M + V] with ReLU applied to its first M columns (the neurons, for
// the views; not differentiable)}. Differentiable in alpha, tables, base and W.
//
// Why fused: the backward pass then forms the neurons' gradient in blocks of pairs, each block's
// product (g W^T) masked by ReLU and joined to the direct path's gradient while in cache, and one
// pass over the [N, M + V] gradient serves both mixes. Apart it was a [N, M] product zeroed, written
// and read back for the mask, then two table mixes' backwards (~5 passes over [N, M] more).
std::pair<at::Tensor, at::Tensor> table_mix_logits(const at::Tensor& alpha, const std::vector<at::Tensor>& tables,
                                                   const std::vector<at::Tensor>& idx, const at::Tensor& base,
                                                   const at::Tensor& base_idx, const at::Tensor& W);

// The same with a residual per pair, x [N, D], in place of the mix (a layer after the first):
// m = x W1^T + b1, W1 [M + V, D] (W_in, then W_U^T), b1 [M + V]. Returns {logits [N, V], m} as
// table_mix_logits does; differentiable in x, W1, b1 and W, with the same blocked backward.
std::pair<at::Tensor, at::Tensor> dense_logits(const at::Tensor& x, const at::Tensor& W1, const at::Tensor& b1,
                                               const at::Tensor& W);

// The same without a gradient, the neurons written into `neurons` [N, M] (contiguous, the mix's
// dtype: an array of the caller's, so that the analysis keeps them without a copy) and the direct
// path's logits into an array of their own. Returns {logits [N, V], direct [N, V]}: the same values,
// bit for bit, as table_mix_logits'. Refused while gradients are recorded.
std::pair<at::Tensor, at::Tensor> table_mix_logits_into(const at::Tensor& alpha, const std::vector<at::Tensor>& tables,
                                                        const std::vector<at::Tensor>& idx, const at::Tensor& base,
                                                        const at::Tensor& base_idx, const at::Tensor& W,
                                                        at::Tensor& neurons);

}  // namespace grok
