// The one-layer transformer's weights turned into the operands of its final position's attention
// pattern and fused logits, as one differentiable operation with a hand-written backward (kernel
// version 8).
//
// Why: these products depend on the weights alone, not on the pairs: the stacked values of every
// token row, W W_O, W_out^T W_U, the per-head tables and the '=' token's query. As ~60 ATen
// operations and ~40 autograd nodes they cost the mainline's step several ms at 2 threads for
// ~1.7 ms of arithmetic: each small product split over both threads, each node's call and
// allocation overheads. Here the independent products run side by side, one per thread
// (gemm_jobs.h), and the glue is a few loops: the step's part that does not scale with the pairs
// went from 4.8 to 3.7 ms (docs/performance.md, session 17). Its bits do not depend on the thread
// count.
//
// Also cheaper in arithmetic: the keys are never formed. The query is one row (the '=' token's),
// so row r's score is X[r] . (W_K[h]^T q[h]): a [2V + 1, D] x [D, H] product instead of the keys'
// [2V + 1, D] x [D, H * Dh] and its backward.
//
// The operands, with X the residual rows (W_E^T + W_pos[0], W_E^T + W_pos[1], W_E[:, '='] +
// W_pos[2]; 2V + 1 rows), v = X W_V^T, W = [W_in; W_U^T] [M + V, D] and A = W W_O:
//   scores[j] [R_j, H]   the '=' query's scores of stream j's rows (a, b: V rows; '=': 1)
//   tables[j] [H, V, M + V]  (v_j - v_=) per head times A_h^T: streams a and b, '=' folded in
//                         (transformer.cpp, Mixed::folded)
//   base [1, M + V]      [b_in; W_U^T b_out] + W x_= + alpha_sum * A v_=
//   W2 [M, V]            W_out^T W_U
// attention_pattern(scores, ...) and table_mix_logits(alpha[:, :2], tables, ..., base, ..., W2)
// then give the logits, as forward_fast's general path does.
//
// Usable when BLAS is loaded (blas_kernels.h); float32 or float64. Threading: the calling thread's
// intra-op pool.
#pragma once

#include <ATen/ATen.h>

#include <vector>

#include "core/model/internal/transformer.h"

namespace grok {

struct OneLayerOperands {
  std::vector<at::Tensor> scores;  // [V, H], [V, H], [1, H]
  std::vector<at::Tensor> tables;  // [H, V, M + V] x 2
  at::Tensor base;                 // [1, M + V]
  at::Tensor W2;                   // [M, V]
};

// Whether one_layer_operands can run here: a BLAS is loaded.
bool one_layer_operands_available();

// w has one layer; alpha_sum is the final position's attention weights' sum over positions
// (1, or rate + 3 (1 - rate) with Zhong's attention rate). Differentiable in every weight.
OneLayerOperands one_layer_operands(const TransformerWeights& w, double alpha_sum);

}  // namespace grok
