#include "core/analysis/pair_forward.h"
#include "core/base/task.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "core/analysis/analysis_memory.h"
#include "core/analysis/internal/pair_blocks.h"
#include "core/analysis/snapshot.h"
#include "core/model/internal/checkpoint_weights.h"
#include "core/model/internal/model_family_impl.h"
#include "core/model/internal/weights.h"
#include "core/runtime/malloc_tuning.h"

namespace grok {
namespace {

// Bytes the analysis holds per pair of a block, generously: the forward's temporaries (logits and
// direct logits with '=' [V] and their copies, neurons before and after the ReLU, residuals), a
// float64 copy of the logits and the float64 and float32 key directions (~p each).
std::size_t bytes_per_pair(const Config& cfg) {
  return 48 * static_cast<std::size_t>(Task(cfg).vocab()) + 16 * static_cast<std::size_t>(cfg.d_mlp) +
         16 * static_cast<std::size_t>(cfg.d_model);
}

// The forward of one block of rows, into the given arrays at row `first` (each may be null).
class BlockForward {
 public:
  explicit BlockForward(const CheckpointWeights& ck)
      : p_(Task(ck.config()).p()),
        neurons_(model_family(ck.config()).anatomy(ck.config()).neurons),
        ck_(ck),
        w_(tensors(ck_)),
        float32_(w_.named().front().second->scalar_type() == at::kFloat) {}

  struct Layer {
    float *mlp_post = nullptr, *attention = nullptr;  // as in Out, for one of the earlier layers
  };
  struct Out {
    float *logits = nullptr, *direct = nullptr, *mlp_post = nullptr;  // [*, cols] from global row `base`
    float* attention = nullptr;                                       // [H, p*p], whole arrays only (base 0)
    std::int64_t base = 0;
  };

  // Token rows a0*p .. a1*p - 1 (a PairBlock's i read as tokens a). `earlier`: layers 0 ..
  // n_layers-2 (a prefix of them, or none).
  void run(const PairBlock& b, const Out& out, const std::vector<Layer>& earlier = {}) const {
    const std::int64_t p = p_, first = static_cast<std::int64_t>(b.i0) * p, n = (b.i1 - b.i0) * p;
    eval(at::arange(first, first + n, at::kLong), first, out, earlier);
  }

  // The given token rows a*p + b, written to rows 0.. of the outputs (no attention).
  void run_rows(const std::int64_t* rows, std::int64_t n, const Out& out) const {
    eval(at::from_blob(const_cast<std::int64_t*>(rows), {n}, at::kLong), 0, out, {});
  }

 private:
  void eval(const at::Tensor& ab, std::int64_t first, const Out& out, const std::vector<Layer>& earlier) const {
    at::NoGradGuard no_grad;
    const std::int64_t p = p_, n = ab.size(0);
    const Batch x{ab.div(p, "floor"), ab.remainder(p), at::Tensor(), {}, 0};
    const bool all = out.direct || out.mlp_post || out.attention || !earlier.empty();
    ForwardCache cache;
    // The last layer's neurons straight into their array where the model can write them there
    // (a transformer in float32): one copy of 26-30 MB fewer a snapshot.
    if (out.mlp_post && neurons_ > 0 && float32_)
      cache.mlp_post_into = at::from_blob(out.mlp_post + (first - out.base) * neurons_, {n, neurons_}, at::kFloat);
    const at::Tensor L = model_forward(ck_.config(), w_, x, {}, all ? &cache : nullptr);  // [n, V]
    auto put = [&](const at::Tensor& a, float* dst) {  // a [n, cols] -> dst rows first..
      if (!dst || (a.scalar_type() == at::kFloat && a.data_ptr<float>() == dst + (first - out.base) * a.size(1)))
        return;  // nothing, or written there already
      // Row by row over the threads: the outputs are fresh pages (FloatArray), faulted in as written.
      const at::Tensor t = a.scalar_type() == at::kFloat && a.stride(1) == 1 ? a : a.to(at::kFloat).contiguous();
      const std::int64_t cols = t.size(1), stride = t.stride(0);
      const float* src = t.data_ptr<float>();
      float* to = dst + (first - out.base) * cols;
      at::parallel_for(0, t.size(0), 256, [&](std::int64_t r0, std::int64_t r1) {
        for (std::int64_t r = r0; r < r1; r++) std::memcpy(to + r * cols, src + r * stride, sizeof(float) * cols);
      });
    };
    auto put_attention = [&](const at::Tensor& pattern, float* dst) {  // pattern [n, H, C]
      if (!dst) return;
      const at::Tensor a = pattern.select(2, 0).t().contiguous();  // [H, n]: '=' attending to a
      for (std::int64_t h = 0; h < a.size(0); h++)
        std::memcpy(dst + h * p * p + first, a[h].data_ptr<float>(), sizeof(float) * n);
    };
    put(L.narrow(1, 0, p), out.logits);
    if (!all) return;
    // What the family records (model_family_impl.h): no neurons or attention, no entries.
    put((cache.direct.defined() ? cache.direct : L).narrow(1, 0, p), out.direct);
    if (!cache.mlp_post.empty()) put(cache.mlp_post.back(), out.mlp_post);
    if (!cache.attn.empty()) put_attention(cache.attn.back(), out.attention);
    for (std::size_t l = 0; l < earlier.size(); l++) {
      if (l < cache.mlp_post.size()) put(cache.mlp_post[l], earlier[l].mlp_post);
      if (l < cache.attn.size()) put_attention(cache.attn[l], earlier[l].attention);
    }
  }

  int p_;
  std::int64_t neurons_;  // the last layer's, as the outputs hold them
  CheckpointWeights ck_;  // keeps the tensors w_ refers to
  const Weights& w_;
  bool float32_;  // the model's dtype is the outputs': its neurons can be written into them
};

// Blocks of the group's pairs gathered from whole token-order arrays; views where the orders agree.
class ArraySource final : public PairSource {
 public:
  ArraySource(const Config& cfg, const PairForward& whole)
      : PairSource(cfg), whole_(whole), token_order_(pairs_.token_order()) {}
  ForwardBlock block(std::size_t i) override {
    ForwardBlock b = frame(i);
    if (token_order_) {
      auto at_row = [&](const float* a, std::int64_t cols) { return a ? a + b.first * cols : nullptr; };
      b.data = {at_row(whole_.logits, p_), at_row(whole_.direct, p_), at_row(whole_.mlp_post, d_mlp_)};
    } else {
      b.data = gather(pairs_.token_row.data() + b.first, b.pairs);
    }
    return b;
  }
  ForwardBlock outside() override {
    ForwardBlock b;
    b.pairs = static_cast<std::int64_t>(pairs_.outside.size());
    b.data = gather(pairs_.outside.data(), b.pairs);
    return b;
  }

 private:
  PairForward gather(const std::int64_t* rows, std::int64_t n) {
    auto take = [&](const float* a, std::int64_t cols, std::vector<float>& buf) -> const float* {
      if (!a) return nullptr;
      buf.resize(static_cast<std::size_t>(n * cols));
      for (std::int64_t r = 0; r < n; r++) std::memcpy(&buf[r * cols], a + rows[r] * cols, sizeof(float) * cols);
      return buf.data();
    };
    return {take(whole_.logits, p_, logits_), take(whole_.direct, p_, direct_), take(whole_.mlp_post, d_mlp_, mlp_)};
  }
  PairForward whole_;
  bool token_order_;
  std::vector<float> logits_, direct_, mlp_;
};

class ComputedSource final : public PairSource {
 public:
  ComputedSource(const Config& cfg, const CheckpointWeights& ck, bool all) : PairSource(cfg), forward_(ck), all_(all) {}
  ForwardBlock block(std::size_t i) override {
    ForwardBlock b = frame(i);
    if (i != have_) compute(pairs_.token_row.data() + b.first, b.pairs), have_ = i;
    b.data = data();
    return b;
  }
  ForwardBlock outside() override {
    ForwardBlock b;
    b.pairs = static_cast<std::int64_t>(pairs_.outside.size());
    compute(pairs_.outside.data(), b.pairs);
    have_ = static_cast<std::size_t>(-1);
    b.data = data();
    return b;
  }

 private:
  void compute(const std::int64_t* rows, std::int64_t n) {
    logits_.resize(static_cast<std::size_t>(n * p_));
    if (all_) direct_.resize(logits_.size()), mlp_.resize(static_cast<std::size_t>(n * d_mlp_));
    if (n > 0)
      forward_.run_rows(rows, n, {logits_.data(), all_ ? direct_.data() : nullptr, all_ ? mlp_.data() : nullptr});
  }
  PairForward data() const { return {logits_.data(), all_ ? direct_.data() : nullptr, all_ ? mlp_.data() : nullptr}; }
  BlockForward forward_;
  bool all_;
  std::size_t have_ = static_cast<std::size_t>(-1);
  std::vector<float> logits_, direct_, mlp_;
};

}  // namespace

std::vector<std::int64_t> group_token_rows(const OperationGroup& group) {
  const std::int64_t n = group.n, p = group.p;
  std::vector<std::int64_t> rows(static_cast<std::size_t>(n * n));
  for (std::int64_t i = 0; i < n; i++)
    for (std::int64_t j = 0; j < n; j++)
      rows[i * n + j] = group.a_token(static_cast<int>(i)) * p + group.b_token(static_cast<int>(j));
  return rows;
}

GroupPairs::GroupPairs(const Task& task) : group(task.group()), token_row(group_token_rows(group)) {
  const std::int64_t n = group.n, p = group.p;
  label.resize(token_row.size());
  for (std::int64_t i = 0; i < n; i++)
    for (std::int64_t j = 0; j < n; j++)
      label[i * n + j] = group.c_token(group.compose(static_cast<int>(i), static_cast<int>(j)));
  for (int row : task.domain_rows()) {
    const int a = row / static_cast<int>(p), b = row % static_cast<int>(p);
    if (group.a_element(a) < 0 || group.b_element(b) < 0) {
      outside.push_back(row);
      outside_label.push_back(task.label(a, b));
    }
  }
}

GroupPairs::Rows GroupPairs::rows_of(const Split& s) const {
  Rows r;
  const std::int64_t n = group.n, p = group.p;
  for (int x = 0; x < s.size(); x++) {
    const int i = group.a_element(s.a[x]), j = group.b_element(s.b[x]);
    if (i >= 0 && j >= 0) {
      r.inside.push_back(i * n + j);
    } else {
      const auto it = std::lower_bound(outside.begin(), outside.end(), s.a[x] * p + s.b[x]);
      r.outside.push_back(it - outside.begin());
    }
  }
  std::sort(r.inside.begin(), r.inside.end());
  std::sort(r.outside.begin(), r.outside.end());
  return r;
}

bool GroupPairs::token_order() const {
  for (std::size_t r = 0; r < token_row.size(); r++)
    if (token_row[r] != static_cast<std::int64_t>(r)) return false;
  return true;
}

// Rows 0..n-1 of n pairs each, in blocks within analysis_block_bytes() of at most max_rows rows.
static std::vector<PairBlock> row_blocks(const Config& cfg, int n, std::size_t max_rows = SIZE_MAX) {
  const std::size_t row_bytes = bytes_per_pair(cfg) * static_cast<std::size_t>(n);
  const int rows = static_cast<int>(
      std::clamp<std::size_t>(analysis_block_bytes() / row_bytes, 1, std::max<std::size_t>(1, max_rows)));
  std::vector<PairBlock> out;
  for (int i0 = 0; i0 < n; i0 += rows) out.push_back({i0, std::min(n, i0 + rows)});
  return out;
}

std::vector<PairBlock> pair_blocks(const Config& cfg) { return row_blocks(cfg, Task(cfg).group().n); }

std::unique_ptr<PairSource> pair_arrays(const Config& cfg, const PairForward& whole) {
  return std::make_unique<ArraySource>(cfg, whole);
}

std::unique_ptr<PairSource> computed_pairs(const Config& cfg, const CheckpointWeights& ck, bool all) {
  return std::make_unique<ComputedSource>(cfg, ck, all);
}

AllPairForward compute_pair_forward(const CheckpointWeights& ck, const std::atomic<bool>* cancel) {
  const Config& cfg = ck.config();
  check_snapshot_fits(cfg);
  const std::size_t p = Task(cfg).p(), pairs = p * p;
  AllPairForward f;
  f.p = static_cast<int>(p);
  const ModelAnatomy an = model_family(cfg).anatomy(cfg);
  f.n_heads = an.heads;
  f.d_mlp = an.neurons;
  f.logits.resize(pairs * p);
  f.direct_logits.resize(pairs * p);
  f.neuron_acts.resize(pairs * f.d_mlp);
  f.attention.resize(f.n_heads * pairs);
  f.earlier_layers.resize(static_cast<std::size_t>(std::max(0, an.layers - 1)));
  std::vector<BlockForward::Layer> earlier;
  for (LayerForward& l : f.earlier_layers) {
    l.neuron_acts.resize(pairs * f.d_mlp);
    l.attention.resize(f.n_heads * pairs);
    earlier.push_back({l.neuron_acts.data(), l.attention.data()});
  }
  const BlockForward forward(ck);
  // Each block's widest temporary (the last layer's mix, [pairs, neurons + vocab] floats) within
  // the heap's largest allocation: above it every snapshot page-faulted its temporaries in afresh
  // (S5's forward 36 -> 26 ms in two blocks; the mainline's fits in one). The outputs differ from
  // one block's by float rounding (GEMMs of other shapes; tests/test_analysis_memory).
  const std::size_t widest_row = sizeof(float) * (f.d_mlp + Task(cfg).vocab()) * p;
  for (const PairBlock& b : row_blocks(cfg, Task(cfg).p(), kLargestHeapAllocation / widest_row)) {  // token rows a
    if (cancel && cancel->load()) throw AnalysisCancelled();
    forward.run(b, {f.logits.data(), f.direct_logits.data(), f.neuron_acts.data(), f.attention.data(), 0}, earlier);
  }
  return f;
}

}  // namespace grok
