// Attention from a per-pair query (every layer after the first) without the keys and values of
// every position: with q a head's query and W_K, W_V its maps,
//
//   score_j = <q, W_K r_j> = <W_K^T q, r_j>        head output = W_V sum_j alpha_j r_j
//
// so one [Dh, D] product per head makes the keys of all positions (W_K^T q) and one the values
// (W_V of the mixed residual), where the all-positions form projects K and V at every position:
// two [N, D] x [D, H Dh] products a position. What remains per pair are these two kernels over
// the residual streams r_j, each a D-long row of a stream's table or of its own pairs:
//
//   head_dots: s[n, j, h]     = <qk[h, n, :], r_j[row_j(n), :]>
//   head_mix:  out[h, n, :]   = sum_j alpha[n, j, h] r_j[row_j(n), :]
//
//   const at::Tensor scores = head_dots(qk, rows, idx);    // qk [H, N, D] -> [N, J, H]
//   const at::Tensor mixed = head_mix(pattern, rows, idx); // pattern [N, J, H] -> [H, N, D]
//
// Shapes: rows[j] [R_j, D]; idx[j] [N] int64 in 0..R_j-1, or undefined where the stream is per
// pair (row n is pair n, R_j = N); qk any strides with a contiguous last dimension. float32 or
// float64; differentiable in qk / alpha and every stream. A table row's gradient sums its pairs in
// ascending order: the bits do not depend on the thread count.
//
// Why kernels of their own: as ATen operations (gathers, broadcast products and sums over [N, H,
// Dh], their backward's scatters and split gradients) the two-layer model's last attention spent
// more time in elementwise passes than in its products.
//
// Threading: the calling thread's intra-op pool.
#pragma once

#include <ATen/ATen.h>

#include <vector>

namespace grok {

at::Tensor head_dots(const at::Tensor& qk, const std::vector<at::Tensor>& rows, const std::vector<at::Tensor>& idx);
at::Tensor head_mix(const at::Tensor& alpha, const std::vector<at::Tensor>& rows, const std::vector<at::Tensor>& idx);

}  // namespace grok
