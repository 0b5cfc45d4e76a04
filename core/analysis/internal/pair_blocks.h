// The all-pairs forward block by block, in the order of the operation's group (operation_group.h):
// pair (i, j) of the group's n x n table, index i*n + j, is the input (a_token(i), b_token(j))
// and its label c_token((i + j) mod n). Blocks are whole rows i: pairs i0*n .. i1*n - 1. So every
// measure reads its logits and activations in element order and runs the Fourier basis of Z_n,
// whatever the operation; for a + b the order is the token order a*p + b itself.
//
// The input pairs of the operation's domain that are not in the group (a zero operand of a * b or
// a / b) come apart, as one small block: outside(). Measures say how they treat it.
//
// A PairSource hands out the blocks: gathered from whole [p*p, *] arrays in token order (a
// snapshot's, the trainer's logits) or computed by the forward pass per block. Each block's working
// set stays within analysis_block_bytes() (analysis_memory.h) instead of ~p^3 values.
//
//   std::unique_ptr<PairSource> src = pair_arrays(cfg, view(forward));   // or computed_pairs(...)
//   for (std::size_t i = 0; i < src->size(); i++) {
//     const ForwardBlock b = src->block(i);   // b.data.logits: [b.pairs, p], group pairs b.first..
//   }
//
// The layout is a function of the config and analysis_block_bytes() alone, so results (summed
// block by block in block order) do not depend on the thread count. Threading: a source is used
// by one thread at a time; a block is valid until the next call of block() or outside().
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/analysis/pair_forward.h"
#include "core/base/config.h"
#include "core/base/operation_group.h"
#include "core/base/task.h"
#include "core/base/tensor_blob.h"
#include "core/data/dataset.h"
#include "core/model/checkpoint_weights.h"
#include "core/model/model_family.h"

namespace grok {

struct PairBlock {
  int i0 = 0, i1 = 0;  // group rows i in [i0, i1), every j
};

// Blocks covering all n rows of the group's table, each within analysis_block_bytes() by a
// generous per-pair estimate of what the analysis holds per pair (forward temporaries, float64
// copies, directions).
std::vector<PairBlock> pair_blocks(const Config& cfg);

struct ForwardBlock {
  PairBlock rows;
  std::int64_t first = 0, pairs = 0;  // group pairs first .. first + pairs - 1; outside(): its pairs
  PairForward data;                   // each [pairs, *]; null where the source has none
};

// The token row a*p + b of every group pair i*n + j: [n*n].
std::vector<std::int64_t> group_token_rows(const OperationGroup& group);

// The task's pairs' token rows a*p + b and labels, in group order and outside it.
struct GroupPairs {
  OperationGroup group;
  std::vector<std::int64_t> token_row;  // [n*n]: token row of group pair i*n + j
  std::vector<std::int64_t> label;      // [n*n]: c_token((i + j) mod n)
  std::vector<std::int64_t> outside;    // token rows of the domain's pairs outside the group, ascending
  std::vector<std::int64_t> outside_label;
  explicit GroupPairs(const Task& task);
  // A split's pairs as ascending group pair indices, and as ascending positions in `outside`.
  struct Rows {
    std::vector<std::int64_t> inside, outside;
  };
  Rows rows_of(const Split& s) const;
  // Whether group pair r is token row r for every r (a + b, a - b): group-order arrays are then
  // token-order arrays.
  bool token_order() const;
};

class PairSource {
 public:
  virtual ~PairSource() = default;
  std::size_t size() const { return blocks_.size(); }
  const GroupPairs& pairs() const { return pairs_; }
  const OperationGroup& group() const { return pairs_.group; }
  virtual ForwardBlock block(std::size_t i) = 0;
  // The domain's pairs outside the group (pairs = 0 when there are none).
  virtual ForwardBlock outside() = 0;

 protected:
  explicit PairSource(const Config& cfg)
      : p_(Task(cfg).p()),
        d_mlp_(model_family(cfg).anatomy(cfg).neurons),
        pairs_(Task(cfg)),
        blocks_(pair_blocks(cfg)) {}
  ForwardBlock frame(std::size_t i) const {
    const std::int64_t n = pairs_.group.n;
    ForwardBlock b;
    b.rows = blocks_[i];
    b.first = static_cast<std::int64_t>(b.rows.i0) * n;
    b.pairs = static_cast<std::int64_t>(b.rows.i1 - b.rows.i0) * n;
    return b;
  }
  int p_, d_mlp_;
  GroupPairs pairs_;
  std::vector<PairBlock> blocks_;
};

// Gathered from whole [p*p, *] arrays in token order (views, without a copy, where the group's
// order is the token order).
std::unique_ptr<PairSource> pair_arrays(const Config& cfg, const PairForward& whole);
// The forward pass computed block by block from a checkpoint (only the logits unless `all`); one
// block is kept, so a second pass over a single-block layout does not recompute it.
std::unique_ptr<PairSource> computed_pairs(const Config& cfg, const CheckpointWeights& checkpoint, bool all);

// Block-local indices of the ascending global rows `sorted` that fall in [first, first + n).
inline std::vector<std::int64_t> rows_in(const std::vector<std::int64_t>& sorted, std::int64_t first, std::int64_t n) {
  const auto lo = std::lower_bound(sorted.begin(), sorted.end(), first);
  const auto hi = std::lower_bound(lo, sorted.end(), first + n);
  std::vector<std::int64_t> out(lo, hi);
  for (std::int64_t& r : out) r -= first;
  return out;
}

}  // namespace grok
