// The all-pairs forward block by block: whole rows a of the (a, b) table, pairs a0*p .. a1*p - 1,
// so that what the analysis computes from it (losses, key components, FVE) takes one block's
// memory instead of ~p^3 values (analysis_memory.h). A PairSource hands out the blocks: views
// into whole arrays (a snapshot's, the trainer's logits) or the forward computed per block.
//
//   std::unique_ptr<PairSource> src = pair_arrays(cfg, view(forward));   // or computed_pairs(...)
//   for (std::size_t i = 0; i < src->size(); i++) {
//     const ForwardBlock b = src->block(i);   // b.logits: [b.pairs, p], rows b.first..
//   }
//
// The layout is a function of the config and analysis_block_bytes() alone, so results (summed
// block by block in block order) do not depend on the thread count. Threading: a source is used
// by one thread at a time; a computed block is valid until the next call of block().
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/analysis/pair_forward.h"
#include "core/base/config.h"
#include "core/base/tensor_blob.h"

namespace grok {

struct PairBlock {
  int a0 = 0, a1 = 0;  // rows a in [a0, a1), every b
};

// Blocks covering all p rows, each within analysis_block_bytes() by a generous per-pair estimate
// of what the analysis holds per pair (forward temporaries, float64 copies, directions).
std::vector<PairBlock> pair_blocks(const Config& cfg);

struct ForwardBlock {
  PairBlock rows;
  std::int64_t first = 0, pairs = 0;  // pairs first .. first + pairs - 1
  PairForward data;                   // each [pairs, *] from row `first`; null where the source has none
};

class PairSource {
 public:
  virtual ~PairSource() = default;
  std::size_t size() const { return blocks_.size(); }
  virtual ForwardBlock block(std::size_t i) = 0;

 protected:
  explicit PairSource(const Config& cfg) : p_(cfg.p), d_mlp_(cfg.d_mlp), blocks_(pair_blocks(cfg)) {}
  ForwardBlock frame(std::size_t i) const {
    ForwardBlock b;
    b.rows = blocks_[i];
    b.first = static_cast<std::int64_t>(b.rows.a0) * p_;
    b.pairs = static_cast<std::int64_t>(b.rows.a1 - b.rows.a0) * p_;
    return b;
  }
  int p_, d_mlp_;
  std::vector<PairBlock> blocks_;
};

// Views into whole [p*p, *] arrays.
std::unique_ptr<PairSource> pair_arrays(const Config& cfg, const PairForward& whole);
// The forward pass computed block by block from a checkpoint (only the logits unless `all`); one
// block is kept, so a second pass over a single-block layout does not recompute it.
std::unique_ptr<PairSource> computed_pairs(const Config& cfg, const std::vector<NamedArray>& checkpoint, bool all);

// Block-local indices of the ascending global rows `sorted` that fall in [first, first + n).
inline std::vector<std::int64_t> rows_in(const std::vector<std::int64_t>& sorted, std::int64_t first, std::int64_t n) {
  const auto lo = std::lower_bound(sorted.begin(), sorted.end(), first);
  const auto hi = std::lower_bound(lo, sorted.end(), first + n);
  std::vector<std::int64_t> out(lo, hi);
  for (std::int64_t& r : out) r -= first;
  return out;
}

}  // namespace grok
