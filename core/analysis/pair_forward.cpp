#include "core/analysis/pair_forward.h"

#include <ATen/ATen.h>

#include <cstring>

#include "core/analysis/analysis_memory.h"
#include "core/analysis/internal/pair_blocks.h"
#include "core/model/internal/transformer.h"
#include "core/model/internal/weights.h"

namespace grok {
namespace {

// Bytes the analysis holds per pair of a block, generously: the forward's temporaries (logits and
// direct logits with '=' [V] and their copies, neurons before and after the ReLU, residuals), a
// float64 copy of the logits and the float64 and float32 key directions (~p each).
std::size_t bytes_per_pair(const Config& cfg) {
  return 48 * static_cast<std::size_t>(cfg.p + 1) + 16 * static_cast<std::size_t>(cfg.d_mlp) +
         16 * static_cast<std::size_t>(cfg.d_model);
}

// The forward of one block of rows, into the given arrays at row `first` (each may be null).
class BlockForward {
 public:
  BlockForward(const Config& cfg, const std::vector<NamedArray>& ck)
      : p_(cfg.p), w_(weights_from_checkpoint(cfg, ck)) {}

  struct Layer {
    float *mlp_post = nullptr, *attention = nullptr;  // as in Out, for one of the earlier layers
  };
  struct Out {
    float *logits = nullptr, *direct = nullptr, *mlp_post = nullptr;  // [*, cols] from global row `base`
    float* attention = nullptr;                                       // [H, p*p], whole arrays only (base 0)
    std::int64_t base = 0;
  };

  // `earlier`: layers 0 .. n_layers-2 (a prefix of them, or none).
  void run(const PairBlock& b, const Out& out, const std::vector<Layer>& earlier = {}) const {
    at::NoGradGuard no_grad;
    const std::int64_t p = p_, first = static_cast<std::int64_t>(b.a0) * p, n = (b.a1 - b.a0) * p;
    const at::Tensor ab = at::arange(first, first + n, at::kLong);
    const Batch x{ab.div(p, "floor"), ab.remainder(p), at::Tensor()};
    const bool all = out.direct || out.mlp_post || out.attention || !earlier.empty();
    ForwardCache cache;
    const at::Tensor L = forward_fast(w_, x, {}, all ? &cache : nullptr);  // [n, V]
    auto put = [&](const at::Tensor& t, float* dst) {                      // t [n, cols] -> dst rows first..
      if (!dst) return;
      const at::Tensor c = t.contiguous();
      std::memcpy(dst + (first - out.base) * c.size(1), c.data_ptr<float>(), sizeof(float) * c.numel());
    };
    auto put_attention = [&](const at::Tensor& pattern, float* dst) {  // pattern [n, H, C]
      if (!dst) return;
      const at::Tensor a = pattern.select(2, 0).t().contiguous();  // [H, n]: '=' attending to a
      for (std::int64_t h = 0; h < a.size(0); h++)
        std::memcpy(dst + h * p * p + first, a[h].data_ptr<float>(), sizeof(float) * n);
    };
    put(L.narrow(1, 0, p), out.logits);
    if (!all) return;
    put(cache.direct.narrow(1, 0, p), out.direct);
    put(cache.mlp_post.back(), out.mlp_post);
    put_attention(cache.attn.back(), out.attention);
    for (std::size_t l = 0; l < earlier.size(); l++) {
      put(cache.mlp_post[l], earlier[l].mlp_post);
      put_attention(cache.attn[l], earlier[l].attention);
    }
  }

 private:
  int p_;
  Weights w_;
};

class ArraySource final : public PairSource {
 public:
  ArraySource(const Config& cfg, const PairForward& whole) : PairSource(cfg), whole_(whole) {}
  ForwardBlock block(std::size_t i) override {
    ForwardBlock b = frame(i);
    auto at_row = [&](const float* a, std::int64_t cols) { return a ? a + b.first * cols : nullptr; };
    b.data = {at_row(whole_.logits, p_), at_row(whole_.direct, p_), at_row(whole_.mlp_post, d_mlp_)};
    return b;
  }

 private:
  PairForward whole_;
};

class ComputedSource final : public PairSource {
 public:
  ComputedSource(const Config& cfg, const std::vector<NamedArray>& ck, bool all)
      : PairSource(cfg), forward_(cfg, ck), all_(all) {}
  ForwardBlock block(std::size_t i) override {
    ForwardBlock b = frame(i);
    if (i != have_) {
      logits_.resize(static_cast<std::size_t>(b.pairs * p_));
      if (all_) direct_.resize(logits_.size()), mlp_.resize(static_cast<std::size_t>(b.pairs * d_mlp_));
      forward_.run(b.rows,
                   {logits_.data(), all_ ? direct_.data() : nullptr, all_ ? mlp_.data() : nullptr, nullptr, b.first});
      have_ = i;
    }
    b.data = {logits_.data(), all_ ? direct_.data() : nullptr, all_ ? mlp_.data() : nullptr};
    return b;
  }

 private:
  BlockForward forward_;
  bool all_;
  std::size_t have_ = static_cast<std::size_t>(-1);
  std::vector<float> logits_, direct_, mlp_;
};

}  // namespace

std::vector<PairBlock> pair_blocks(const Config& cfg) {
  const std::size_t row_bytes = bytes_per_pair(cfg) * static_cast<std::size_t>(cfg.p);
  const int rows = static_cast<int>(std::max<std::size_t>(1, analysis_block_bytes() / row_bytes));
  std::vector<PairBlock> out;
  for (int a0 = 0; a0 < cfg.p; a0 += rows) out.push_back({a0, std::min(cfg.p, a0 + rows)});
  return out;
}

std::unique_ptr<PairSource> pair_arrays(const Config& cfg, const PairForward& whole) {
  return std::make_unique<ArraySource>(cfg, whole);
}

std::unique_ptr<PairSource> computed_pairs(const Config& cfg, const std::vector<NamedArray>& ck, bool all) {
  return std::make_unique<ComputedSource>(cfg, ck, all);
}

AllPairForward compute_pair_forward(const Config& cfg, const std::vector<NamedArray>& ck) {
  check_snapshot_fits(cfg);
  const std::size_t p = cfg.p, pairs = p * p;
  AllPairForward f;
  f.p = cfg.p;
  f.n_heads = cfg.n_heads;
  f.d_mlp = cfg.d_mlp;
  f.logits.resize(pairs * p);
  f.direct_logits.resize(pairs * p);
  f.neuron_acts.resize(pairs * cfg.d_mlp);
  f.attention.resize(cfg.n_heads * pairs);
  f.earlier_layers.resize(static_cast<std::size_t>(std::max(0, cfg.n_layers - 1)));
  std::vector<BlockForward::Layer> earlier;
  for (LayerForward& l : f.earlier_layers) {
    l.neuron_acts.resize(pairs * cfg.d_mlp);
    l.attention.resize(cfg.n_heads * pairs);
    earlier.push_back({l.neuron_acts.data(), l.attention.data()});
  }
  const BlockForward forward(cfg, ck);
  for (const PairBlock& b : pair_blocks(cfg))
    forward.run(b, {f.logits.data(), f.direct_logits.data(), f.neuron_acts.data(), f.attention.data(), 0}, earlier);
  return f;
}

}  // namespace grok
