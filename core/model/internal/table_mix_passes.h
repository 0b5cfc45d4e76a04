// The table mix's passes, shared by its two autograd functions: table_mix (table_mix.cpp) and the
// fused last layer, table_mix_logits (table_mix_logits.cpp). Shapes and the meaning of each
// argument are table_mix.h's; T is float or double (instantiated for both).
//
//   mix_forward<float>(alpha, tables, idx, base, base_idx, /*relu_cols=*/M, out);   // out [N, K]
//
// Threading: each call splits its rows over the calling thread's intra-op pool; every sum runs in
// a fixed order, so the results do not depend on the thread count.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

namespace grok::table_mix_passes {

// Pairs grouped by the row they read: order[offsets[r] .. offsets[r+1]) are the n with idx[n] == r,
// ascending, so that each table row's gradient is summed in a fixed order.
struct Groups {
  std::vector<std::int64_t> order, offsets;
  std::vector<std::int64_t> position;  // inverse of order: order[position[n]] == n
};
Groups group_by_row(const at::Tensor& idx, std::int64_t R);

// out [R, K] (overwritten): row r is the sum of grad's rows n with idx[n] == r, in ascending n (0
// if none); threads take whole rows, so the bits do not depend on their count. grad [N, K] is
// contiguous. The gradient of a table whose rows the pairs read by index.
template <typename T>
void sum_rows_by_index(const T* grad, std::int64_t K, const at::Tensor& idx, at::Tensor& out);

// Throws c10::Error ("<what>: ...") unless alpha [N, J, H] matches J tables [H, R_j, K] (K the
// base's columns) and J index vectors; appends the contiguous tables and indices to the outputs.
void check_operands(const char* what, const at::Tensor& alpha, const std::vector<at::Tensor>& tables,
                    const std::vector<at::Tensor>& idx, const at::Tensor& base, std::vector<at::Tensor>& tables_out,
                    std::vector<at::Tensor>& idx_out);

// out = the mix; columns [0, relu_cols) get ReLU, the rest not (the fused logits mix the MLP's
// pre-activation and the direct path's logits in one table).
template <typename T>
void mix_forward(const at::Tensor& alpha, const std::vector<at::Tensor>& tables, const std::vector<at::Tensor>& idx,
                 const at::Tensor& base, const at::Tensor& base_idx, std::int64_t relu_cols, at::Tensor& out);
// The same mix written to two arrays: columns [0, relu_cols) to lo, row stride ld_lo, the rest to
// hi, row stride ld_hi (the neurons and the direct logits each in an array of their own).
template <typename T>
void mix_forward_split(const at::Tensor& alpha, const std::vector<at::Tensor>& tables,
                       const std::vector<at::Tensor>& idx, const at::Tensor& base, const at::Tensor& base_idx,
                       std::int64_t relu_cols, T* lo, std::int64_t ld_lo, T* hi, std::int64_t ld_hi);

// Every gradient of the mix from grad [N, K] (ReLU's mask already applied): d_alpha, d_tables,
// d_base.
template <typename T>
void mix_backward(const at::Tensor& grad, const at::Tensor& alpha, const std::vector<at::Tensor>& tables,
                  const std::vector<at::Tensor>& idx, const at::Tensor& base_idx, at::Tensor& d_alpha,
                  std::vector<at::Tensor>& d_tables, at::Tensor& d_base);

// The gradient of the fused logits (logits = m[:, M:] + ReLU(m[:, :M]) W, W [M, V]) from g [N, V]:
// gm [N, M + V] (g W^T masked by ReLU, then g itself) and dW = ReLU(m[:, :M])^T g, in blocks of
// pairs, each block's two products on the thread that masks it. gm may be m (each row is read
// before it is written); m's first M columns hold the neurons after ReLU. dW is summed per fixed
// slice of blocks, then slice by slice: the same bits whatever the thread count.
template <typename T>
void logits_mix_grad(const at::Tensor& g, const at::Tensor& m, const at::Tensor& W, at::Tensor& gm, at::Tensor& dW);

}  // namespace grok::table_mix_passes
