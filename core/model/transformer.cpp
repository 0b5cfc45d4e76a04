#include "core/model/internal/transformer.h"

#include "core/model/internal/attention_pattern.h"
#include "core/model/internal/one_layer_operands.h"
#include "core/model/internal/pair_heads.h"
#include "core/model/internal/paired_mm.h"
#include "core/model/internal/table_mix.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace grok {
namespace {

// x [R, D] -> [R, H, Dh] for a per-head projection W [H, Dh, D].
at::Tensor project_heads(const at::Tensor& x, const at::Tensor& W) {
  const auto H = W.size(0), Dh = W.size(1), D = W.size(2);
  return paired_mm(x, W.reshape({H * Dh, D}).t()).view({x.size(0), H, Dh});
}

// `pre` is always a fresh tensor nobody else reads, so ReLU runs in place (ReLU's backward needs
// only its output, addmm's backward not its output): one [N, M] buffer fewer. `relu_done`: the
// table mix already applied it.
at::Tensor relu_dropout(at::Tensor pre, const ForwardOptions& opt, bool relu_done = false) {
  return apply_dropout(relu_done ? pre : at::relu_(pre), opt);  // [R, M]
}

// A residual-stream position whose rows are shared between pairs where possible.
struct Stream {
  enum Kind { Table, Const, Pair } kind;
  at::Tensor rows;  // Table: [V, D] indexed by idx; Const: [1, D]; Pair: [N, D]
  at::Tensor idx;   // Table only: [N] int64

  at::Tensor gather(const at::Tensor& t, std::int64_t N) const {  // t: [R, ...] -> [N, ...]
    if (kind == Table) return t.index_select(0, idx);
    if (kind == Const) {
      std::vector<std::int64_t> sizes(t.sizes().begin(), t.sizes().end());
      sizes[0] = N;
      return t.expand(sizes);
    }
    return t;
  }
  at::Tensor index(std::int64_t N) const {  // row of each pair, for table_mix
    return kind == Table ? idx : at::zeros({N}, at::kLong);
  }
};

// The last layer's fused MLP and logits from its mix's operands (table_mix_logits): {logits [N, V],
// the neurons [N, M], the direct path [N, V]}. With `neurons` (no gradient), the neurons are
// written there (table_mix_logits_into).
struct Logits {
  at::Tensor logits, neurons, direct;
};
Logits fused_logits(const at::Tensor& alpha, const std::vector<at::Tensor>& tables, const std::vector<at::Tensor>& idx,
                    const at::Tensor& base, const at::Tensor& base_idx, const at::Tensor& W2, at::Tensor neurons) {
  if (neurons.defined()) {
    auto [l, d] = table_mix_logits_into(alpha, tables, idx, base, base_idx, W2, neurons);
    return {l, neurons, d};
  }
  const std::int64_t M = W2.size(0), V = W2.size(1);
  auto [l, m] = table_mix_logits(alpha, tables, idx, base, base_idx, W2);
  return {l, m.narrow(1, 0, M), m.narrow(1, M, V)};
}

// A position's residual after attention, held as its ingredients when every input row is a table
// row: resid[n] = x_i[n] + W_O sum_j,h alpha[n, j, h] v_j[row_j(n), h]. Any linear map of it is
// then a table_mix of mapped tables (table_mix.h), never a per-pair product with D-deep dots.
struct Mixed {
  at::Tensor alpha;                     // [N, J, H]
  std::vector<at::Tensor> values, idx;  // [R_j, H, Dh], [N]
  at::Tensor W_O;                       // [D, H*Dh]
  at::Tensor x, x_idx;                  // [R_i, D], [N]: the residual before attention
  double alpha_sum = 1;                 // sum_j alpha[n, j, h], the same for every n, h

  // W resid + bias for every pair: [N, K] for W [K, D] (undefined W: identity, K = D); ReLU of it
  // with `relu`.
  at::Tensor apply(const at::Tensor& W, const at::Tensor& bias, bool relu = false) const {
    if (!W.defined()) return mix(W_O, x, relu ? x.size(1) : 0);
    return apply_all({{W, bias, relu}}).front();
  }

  struct Map {
    at::Tensor W, bias;  // [K, D], [K]
    bool relu;
  };
  // Several maps at once: their W W_O and x W^T products as one stacked product each (small
  // products cost more in call and threading overhead than in arithmetic, forward and backward).
  std::vector<at::Tensor> apply_all(const std::vector<Map>& maps) const {
    std::vector<at::Tensor> Ws, sizes_b;
    std::vector<std::int64_t> sizes;
    for (const auto& m : maps) Ws.push_back(m.W), sizes.push_back(m.W.size(0));
    const at::Tensor W = at::cat(Ws, 0);                                // [sum K, D]
    const auto A = at::matmul(W, W_O).split_with_sizes(sizes, 0);       // [K, H*Dh] each
    const auto base = at::matmul(x, W.t()).split_with_sizes(sizes, 1);  // [R_i, K] each
    std::vector<at::Tensor> out;
    for (std::size_t i = 0; i < maps.size(); i++)
      out.push_back(mix(A[i], maps[i].bias.defined() ? base[i] + maps[i].bias : base[i], maps[i].relu ? sizes[i] : 0));
    return out;
  }

  // The last layer's logits, ReLU(mlp.W resid + mlp.b) W2 + direct.W resid + direct.b, as one fused
  // mix (table_mix_logits): {logits [N, V], the neurons [N, M], the direct path [N, V]}. With
  // `neurons` (no gradient), the neurons are written there (table_mix_logits_into).
  Logits logits(const Map& mlp, const Map& direct, const at::Tensor& W2, at::Tensor neurons = {}) const {
    const at::Tensor W = at::cat({mlp.W, direct.W}, 0);                                       // [M + V, D]
    const at::Tensor A = paired_mm(W, W_O);                                                   // [M + V, H*Dh]
    const Operands o = folded(A, paired_mm(x, W.t()) + at::cat({mlp.bias, direct.bias}, 0));  // base [R_i, M + V]
    const std::vector<at::Tensor> tables = table_mix_tables(o.values, A);                     // [H, R_j, M + V]
    return fused_logits(o.alpha, tables, o.idx, o.base, x_idx, W2, neurons);
  }

 private:
  at::Tensor mix(const at::Tensor& A, const at::Tensor& base, std::int64_t relu_cols) const {
    const Operands o = folded(A, base);
    return table_mix(o.alpha, table_mix_tables(o.values, A), o.idx, o.base, x_idx, relu_cols);  // tables [H, R_j, K]
  }

  // The mix's operands with a stream of one row (the '=' token's), s, folded into the others and
  // the base (kernel version 5). alpha sums to alpha_sum over j, so
  //   sum_j alpha_j T_j = alpha_sum T_s + sum_{j != s} alpha_j (T_j - T_s),
  // and T_j - T_s is the table of v_j - v_s (T is linear in v). The mix then reads 8 table rows a
  // pair instead of 12 (the mainline's first layer), and its backward forms no partial sums for s.
  // The pattern's gradient differs by -<grad, T_s[h]> at every j of a head, which the softmax's
  // backward cancels (d score_j = alpha_j (d alpha_j - sum_i alpha_i d alpha_i)); its column s is 0.
  struct Operands {
    at::Tensor alpha;
    std::vector<at::Tensor> values, idx;
    at::Tensor base;
  };
  Operands folded(const at::Tensor& A, const at::Tensor& base) const {
    const std::int64_t J = alpha.size(1);
    std::int64_t s = -1;
    for (std::int64_t j = 0; j < J && J > 1; j++)
      if (values[j].size(0) == 1) s = j;
    if (s < 0) return {alpha, values, idx, base};
    const at::Tensor& vs = values[s];  // [1, H, Dh]
    Operands o;
    std::vector<at::Tensor> cols;
    for (std::int64_t j = 0; j < J; j++)
      if (j != s) o.values.push_back(values[j] - vs), o.idx.push_back(idx[j]), cols.push_back(alpha.narrow(1, j, 1));
    o.alpha = at::cat(cols, 1);                                    // [N, J - 1, H]
    const at::Tensor Ts = at::matmul(vs.reshape({1, -1}), A.t());  // sum_h T_s[h] [1, K]
    o.base = base + (alpha_sum == 1 ? Ts : Ts * alpha_sum);
    return o;
  }
};

struct Attended {
  std::optional<Mixed> mixed;  // set when every input row was a table row
  Stream resid;                // otherwise: position i's residual after attention
};

// What each head's weights of position i over positions 0..i sum to: 1, or with Zhong's attention
// rate, rate + (i + 1)(1 - rate) (the constant part weighs every allowed position 1).
double pattern_sum(double rate, std::size_t i) { return rate + static_cast<double>(i + 1) * (1 - rate); }

// Attention of position i over positions 0..i (causal). k, v, q are computed on each stream's
// distinct rows only.
Attended attend(const LayerWeights& L, const std::vector<Stream>& s, std::size_t i, std::int64_t N,
                at::Tensor* pattern_out, double alpha) {
  const auto H = L.W_Q.size(0), Dh = L.W_Q.size(1);
  const double scale = 1.0 / std::sqrt(static_cast<double>(Dh));
  if (i == 0) {
    // Position 0 attends only to itself with weight 1: its stream keeps its kind.
    const at::Tensor v = project_heads(s[0].rows, L.W_V);  // [R, H, Dh]
    Stream out = s[0];
    out.rows = s[0].rows + at::matmul(v.reshape({v.size(0), H * Dh}), L.W_O.t());
    if (pattern_out) *pattern_out = at::ones({N, H, 1}, s[0].rows.options());
    return {std::nullopt, out};
  }
  if (s[i].kind == Stream::Pair) {
    // A per-pair query (every layer after the first): the keys of all positions through W_K^T q and
    // the values through W_V of the mixed residual (pair_heads.h), not K and V at every position.
    std::vector<at::Tensor> rows, idx;
    for (std::size_t j = 0; j <= i; j++)
      rows.push_back(s[j].rows), idx.push_back(s[j].kind == Stream::Pair ? at::Tensor() : s[j].index(N));
    const at::Tensor q = project_heads(s[i].rows, L.W_Q);                               // [N, H, Dh]
    const at::Tensor scores = head_dots(at::bmm(q.transpose(0, 1), L.W_K), rows, idx);  // [N, i+1, H]
    std::vector<at::Tensor> per_stream;
    for (std::size_t j = 0; j <= i; j++) per_stream.push_back(scores.select(1, static_cast<std::int64_t>(j)));
    const at::Tensor pattern = attention_pattern(per_stream, std::vector<at::Tensor>(i + 1, at::arange(N, at::kLong)),
                                                 scale, alpha);  // [N, i+1, H]
    if (pattern_out) *pattern_out = pattern.permute({0, 2, 1});
    const at::Tensor z = at::bmm(head_mix(pattern, rows, idx), L.W_V.transpose(1, 2));  // [H, N, Dh]
    return {std::nullopt,
            Stream{Stream::Pair, s[i].rows + at::matmul(z.transpose(0, 1).reshape({N, H * Dh}), L.W_O.t()), {}}};
  }
  // Every stream's rows are a table (the first layer): K and V of every stream and Q of stream i
  // in one product over the streams' stacked rows (V + V + 1 for the mainline's first layer: one
  // call beats seven, forward and backward), and the scores per distinct row, gathered per pair
  // inside the softmax (attention_pattern).
  std::vector<at::Tensor> rows;
  std::vector<std::int64_t> counts;
  for (std::size_t j = 0; j <= i; j++) rows.push_back(s[j].rows), counts.push_back(s[j].rows.size(0));
  const auto kvq = project_heads(at::cat(rows, 0), at::cat({L.W_K, L.W_V, L.W_Q}, 0)).split(H, 1);  // [sum R, H, Dh]
  const auto ks = kvq[0].split_with_sizes(counts, 0), vs = kvq[1].split_with_sizes(counts, 0);
  const at::Tensor q = kvq[2].split_with_sizes(counts, 0)[i];  // [R_i, H, Dh]
  std::vector<at::Tensor> scores, score_rows;
  for (std::size_t j = 0; j <= i; j++) {
    TORCH_CHECK(s[j].kind != Stream::Pair, "attend: a per-pair key stream needs a per-pair query");
    const at::Tensor& k = ks[j];  // [R_j, H, Dh]
    if (s[i].kind == Stream::Const || j == i) {
      scores.push_back((k * q).sum(-1));  // [R_j, H]
      score_rows.push_back(s[j].index(N));
    } else {
      // Keys and queries of different tokens (the first layer's position 1): every key row
      // against every query row, [R_j * R_i, H], not per-pair products.
      const std::int64_t Ri = q.size(0);
      scores.push_back(at::matmul(k.permute({1, 0, 2}), q.permute({1, 2, 0})).permute({1, 2, 0}).reshape({-1, H}));
      score_rows.push_back(s[j].index(N) * Ri + s[i].index(N));
    }
  }
  const at::Tensor pattern = attention_pattern(scores, score_rows, scale, alpha);  // [N, i+1, H]
  if (pattern_out) *pattern_out = pattern.permute({0, 2, 1});                      // [N, H, i+1]
  Mixed m{pattern,
          std::vector<at::Tensor>(vs.begin(), vs.end()),
          {},
          L.W_O,
          s[i].rows,
          s[i].index(N),
          pattern_sum(alpha, i)};
  for (std::size_t j = 0; j <= i; j++) m.idx.push_back(s[j].index(N));
  return {m, {}};
}

// The one-layer model's final position from one_layer_operands: its attention pattern and fused
// logits, what forward_fast's general path computes for one layer without dropout.
at::Tensor forward_one_layer(const TransformerWeights& w, const Batch& x, ForwardCache* cache, double rate) {
  const std::int64_t N = x.size();
  const OneLayerOperands o = one_layer_operands(w, pattern_sum(rate, 2));
  const at::Tensor zeros = at::zeros({N}, at::kLong);
  const double scale = 1.0 / std::sqrt(static_cast<double>(w.layers[0].W_Q.size(1)));
  const at::Tensor pattern = attention_pattern(o.scores, {x.a, x.b, zeros}, scale, rate);  // [N, 3, H]
  const bool into = cache && cache->mlp_post_into.defined() && !at::GradMode::is_enabled();
  const Logits r = fused_logits(pattern.narrow(1, 0, 2), o.tables, {x.a, x.b}, o.base, zeros, o.W2,
                                into ? cache->mlp_post_into : at::Tensor());
  if (cache) {
    cache->mlp_post.push_back(r.neurons);
    cache->attn.push_back(pattern.permute({0, 2, 1}));
    cache->direct = r.direct;
  }
  return r.logits;
}

}  // namespace

at::Tensor forward_plain(const Weights& weights, const Batch& x, const ForwardOptions& opt, ForwardCache* cache,
                         double attention_rate) {
  const TransformerWeights w(weights);
  const std::int64_t N = x.size();
  const std::int64_t p = w.W_E.size(1) - 1;
  const at::Tensor eq = at::full({N}, p, x.a.options());
  const at::Tensor tokens = at::stack({x.a, x.b, eq}, 1);                                       // [N, C]
  at::Tensor resid = w.W_E.t().index_select(0, tokens.reshape(-1)).view({N, 3, -1}) + w.W_pos;  // [N, C, D]
  if (opt.input_a.defined())  // the operands' given vectors in place of their embeddings
    resid = at::stack({opt.input_a, opt.input_b, w.W_E.select(1, p).expand_as(opt.input_a)}, 1) + w.W_pos;
  const at::Tensor causal = at::ones({3, 3}, at::TensorOptions().dtype(at::kBool)).triu(1);
  if (cache) cache->clear();
  for (std::size_t l = 0; l < w.layers.size(); l++) {
    const LayerWeights& L = w.layers[l];
    const auto H = L.W_Q.size(0), Dh = L.W_Q.size(1), D = L.W_Q.size(2);
    auto heads = [&](const at::Tensor& W) {  // [N, C, D] -> [N, H, C, Dh]
      return at::matmul(resid, W.reshape({H * Dh, D}).t()).view({N, 3, H, Dh}).permute({0, 2, 1, 3});
    };
    const at::Tensor q = heads(L.W_Q), k = heads(L.W_K), v = heads(L.W_V);
    const at::Tensor scores = at::matmul(q, k.transpose(-1, -2)).masked_fill(causal, -INFINITY) /
                              std::sqrt(static_cast<double>(Dh));  // [N, H, C, C]
    at::Tensor attn = at::softmax(scores, -1);
    if (attention_rate != 1.0)  // the constant part weighs every position the mask allows by 1
      attn = attn * attention_rate + causal.logical_not().to(attn.scalar_type()) * (1.0 - attention_rate);
    const at::Tensor z = at::matmul(attn, v).permute({0, 2, 1, 3}).reshape({N, 3, H * Dh});  // head-major
    resid = resid + at::matmul(z, L.W_O.t());
    const at::Tensor flat = resid.reshape({N * 3, D});
    at::Tensor post = relu_dropout(at::addmm(L.b_in, flat, L.W_in.t()), opt).view({N, 3, -1});  // [N, C, M]
    if (opt.final_mlp && opt.final_mlp->layer == static_cast<int>(l))
      post = at::stack({post.select(1, 0), post.select(1, 1), held_or(post.select(1, 2), opt, static_cast<int>(l))}, 1);
    resid = (flat + at::addmm(L.b_out, post.reshape({N * 3, -1}), L.W_out.t())).view({N, 3, D});
    if (cache) {
      cache->mlp_post.push_back(post.select(1, 2));
      cache->attn.push_back(attn.select(2, 2));
    }
  }
  return at::matmul(resid.select(1, 2), w.W_U);  // [N, V]
}

at::Tensor forward_fast(const Weights& weights, const Batch& x, const ForwardOptions& opt, ForwardCache* cache,
                        double attention_rate) {
  if (opt.input_a.defined()) throw std::logic_error("forward_fast: given input vectors are forward_plain's");
  const TransformerWeights w(weights);
  if (cache) cache->clear();
  if (w.layers.size() == 1 && opt.dropout <= 0 && !opt.final_mlp && one_layer_operands_available())
    return forward_one_layer(w, x, cache, attention_rate);  // the paper's model (kernel version 8)
  const std::int64_t N = x.size();
  const std::int64_t p = w.W_E.size(1) - 1;
  const at::Tensor E = w.W_E.t();  // [V, D]
  std::vector<Stream> s = {
      {Stream::Table, E + w.W_pos[0], x.a},
      {Stream::Table, E + w.W_pos[1], x.b},
      {Stream::Const, (E[p] + w.W_pos[2]).unsqueeze(0), {}},
  };
  for (std::size_t l = 0; l + 1 < w.layers.size(); l++) {
    // Every position feeds the next layer's keys and values.
    const LayerWeights& L = w.layers[l];
    const at::Tensor I = at::eye(L.W_in.size(1), L.W_in.options());  // W_U of the fused mix below
    std::vector<Stream> next;
    for (std::size_t i = 0; i < 3; i++) {
      at::Tensor pattern;
      Attended att = attend(L, s, i, N, cache && i == 2 ? &pattern : nullptr, attention_rate);
      if (att.mixed && opt.dropout <= 0 && !(opt.final_mlp && opt.final_mlp->layer == static_cast<int>(l))) {
        // The next residual, resid + b_out + ReLU(W_in resid + b_in) W_out^T, has the last layer's
        // logits' form with W_U the identity: one fused mix (kernel version 9).
        const Logits r = att.mixed->logits({L.W_in, L.b_in, true}, {I, L.b_out, false}, L.W_out.t());
        if (i == 2 && cache) cache->mlp_post.push_back(r.neurons), cache->attn.push_back(pattern);
        next.push_back(Stream{Stream::Pair, r.logits, {}});
        continue;
      }
      Stream mid = att.mixed ? Stream{Stream::Pair, att.mixed->apply({}, {}), {}} : att.resid;
      if (opt.dropout > 0 && mid.kind != Stream::Pair) {
        // Dropout masks are per pair: a shared row would share its mask.
        mid = Stream{Stream::Pair, mid.gather(mid.rows, N), {}};
      }
      const bool mixed = att.mixed.has_value();
      const at::Tensor pre =
          mixed ? att.mixed->apply(L.W_in, L.b_in, /*relu=*/true) : at::addmm(L.b_in, mid.rows, L.W_in.t());
      at::Tensor post = relu_dropout(pre, opt, mixed);
      if (i == 2) {
        // The final position attends to two others: its stream is per pair, post is [N, M].
        post = held_or(post, opt, static_cast<int>(l));
        if (cache) cache->mlp_post.push_back(post), cache->attn.push_back(pattern);
      }
      mid.rows = mid.rows + at::addmm(L.b_out, post, L.W_out.t());
      next.push_back(mid);
    }
    s = next;
  }
  // Last layer, final position only. With x_mid its residual after attention and h its neurons,
  //   logits = W_U^T x_mid + (W_out^T W_U)^T h + W_U^T b_out:
  // one [N, M] x [M, V] product instead of [N, M] x [M, D] then [N, D] x [D, V].
  const LayerWeights& L = w.layers.back();
  at::Tensor pattern;
  Attended att = attend(L, s, 2, N, &pattern, attention_rate);
  const at::Tensor W_Ut = w.W_U.t();                        // [V, D]
  const at::Tensor W_outU = paired_mm(L.W_out.t(), w.W_U);  // [M, V]
  const at::Tensor bias_U = at::matmul(L.b_out, w.W_U);     // [V]
  const int last = static_cast<int>(w.layers.size()) - 1;
  if (att.mixed && opt.dropout <= 0 && !(opt.final_mlp && opt.final_mlp->layer == last)) {
    const bool into = cache && cache->mlp_post_into.defined() && !at::GradMode::is_enabled();
    const auto r = att.mixed->logits({L.W_in, L.b_in, true}, {W_Ut, bias_U, false}, W_outU,
                                     into ? cache->mlp_post_into : at::Tensor());
    if (cache) {
      cache->mlp_post.push_back(r.neurons);
      cache->attn.push_back(pattern);
      cache->direct = r.direct;
    }
    return r.logits;
  }
  const std::int64_t M = L.W_in.size(0), V = w.W_U.size(1);
  if (!att.mixed && opt.dropout <= 0 && !(opt.final_mlp && opt.final_mlp->layer == last)) {
    // The same fused MLP and logits from the per-pair residual (kernel version 9).
    const auto [logits, m] =
        dense_logits(att.resid.rows, at::cat({L.W_in, W_Ut}, 0), at::cat({L.b_in, bias_U}), W_outU);
    if (cache) {
      cache->mlp_post.push_back(m.narrow(1, 0, M));
      cache->attn.push_back(pattern);
      cache->direct = m.narrow(1, M, V);
    }
    return logits;
  }
  at::Tensor pre, direct;
  if (att.mixed) {
    const auto both = att.mixed->apply_all({{L.W_in, L.b_in, /*relu=*/true}, {W_Ut, bias_U, false}});
    pre = both[0];     // [N, M], ReLU applied
    direct = both[1];  // [N, V]
  } else {
    pre = at::addmm(L.b_in, att.resid.rows, L.W_in.t());
    direct = at::addmm(bias_U, att.resid.rows, w.W_U);
  }
  const at::Tensor post = held_or(relu_dropout(pre, opt, att.mixed.has_value()), opt, last);  // [N, M]
  if (cache) {
    cache->mlp_post.push_back(post);
    cache->attn.push_back(pattern);
    cache->direct = direct;
  }
  return direct + at::matmul(post, W_outU);  // [N, V]
}

}  // namespace grok
