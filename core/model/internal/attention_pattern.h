// The attention pattern of one query position over the positions it attends to, from scores that
// are per table row: the first layer's keys and queries depend on one token each, so each stream's
// scores are a [R_j, H] table (or, where the query is per pair, [N, H] with idx_j = 0 .. N-1),
// gathered per pair only inside the softmax.
//
//   alpha[n, j, h] = rate * softmax_j(scale * scores[j][idx[j][n], h]) + (1 - rate)
//
// Shapes: scores[j] [R_j, H], idx[j] [N] int64 in 0..R_j-1; returns alpha [N, J, H] (table_mix's
// layout, contiguous). float32 or float64; differentiable in the scores. The backward sums each
// score row's pairs in ascending order, whatever the thread count.
//
// Why a kernel of its own: as ATen operations (two gathers, a stack, a softmax over three keys,
// a transposed copy, and index_add_ scatters backward) the pattern cost ~1 ms a mainline training
// step in call overhead and serial scatters, for ~15 000 softmaxes of three entries.
//
// Threading: the calling thread's intra-op pool.
#pragma once

#include <ATen/ATen.h>

#include <vector>

namespace grok {

at::Tensor attention_pattern(const std::vector<at::Tensor>& scores, const std::vector<at::Tensor>& idx, double scale,
                             double rate);

}  // namespace grok
