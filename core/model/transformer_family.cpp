// The paper's transformer as a model family (model_family.h): its parameters in the reference
// code's creation order, its seeded initialisation, its anatomy and its two forwards.
#include <ATen/CPUGeneratorImpl.h>
#include "core/base/task.h"

#include <cmath>

#include "core/model/internal/model_family_impl.h"
#include "core/model/internal/transformer.h"

namespace grok {

namespace {

std::string block(int l) { return "blocks." + std::to_string(l) + "."; }

class Transformer final : public ModelFamilyImpl {
 public:
  std::string name() const override { return kDefaultModel; }
  std::string description() const override {
    return "the paper's transformer: token and position embeddings, attention-and-MLP blocks, unembedding";
  }

  // Reference creation order: Embed, PosEmbed, each block (attn: K, Q, V, O; mlp: in, b_in, out,
  // b_out), Unembed.
  std::vector<ParameterSpec> parameters(const Config& cfg) const override {
    const std::int64_t D = cfg.d_model, V = Task(cfg).vocab(), H = cfg.n_heads, Dh = cfg.d_head, M = cfg.d_mlp;
    std::vector<ParameterSpec> out = {{"embed.W_E", {D, V}}, {"pos_embed.W_pos", {3, D}}};
    for (int l = 0; l < cfg.n_layers; l++) {
      const std::string b = block(l);
      out.push_back({b + "attn.W_K", {H, Dh, D}});
      out.push_back({b + "attn.W_Q", {H, Dh, D}});
      out.push_back({b + "attn.W_V", {H, Dh, D}});
      out.push_back({b + "attn.W_O", {D, H * Dh}});
      out.push_back({b + "mlp.W_in", {M, D}});
      out.push_back({b + "mlp.b_in", {M}});
      out.push_back({b + "mlp.W_out", {D, M}});
      out.push_back({b + "mlp.b_out", {D}});
    }
    out.push_back({"unembed.W_U", {D, V}});
    return out;
  }

  // Every shape field but activation: its MLP is ReLU (the fast path fuses it into the table mix).
  std::vector<std::string> fields_read() const override {
    return {"n_layers", "d_model", "n_heads", "d_head", "d_mlp", "attention_rate"};
  }

  std::pair<at::Tensor, at::Tensor> input_vectors(const Config&, const Weights& w, const Batch& x) const override {
    const at::Tensor E = w.get("embed.W_E").t();  // [V, D]
    return {E.index_select(0, x.a), E.index_select(0, x.b)};
  }

  std::vector<std::string> pytorch_layouts() const override { return {"authors", "transformer-lens"}; }

  ModelAnatomy anatomy(const Config& cfg) const override {
    const std::string last = block(cfg.n_layers - 1);
    const MatrixView W_E{"embed.W_E"}, W_in{last + "mlp.W_in"};
    return {cfg.n_layers, cfg.d_mlp, cfg.n_heads, W_E, W_E, {"unembed.W_U"}, {last + "mlp.W_out"}, W_in, W_in};
  }

  // randn / sqrt(d_model) for every matrix (W_U: / sqrt(V)), zero biases, which draw no random numbers.
  Weights init(const Config& cfg) const override {
    // A generator of its own, seeded as torch.manual_seed(seed) seeds the global one (the same
    // draws): runs started at once on several threads (a sweep) must not share the global one.
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(cfg.seed);
    const double sD = std::sqrt(static_cast<double>(cfg.d_model));
    const double sV = std::sqrt(static_cast<double>(Task(cfg).vocab()));
    Weights w;
    for (const ParameterSpec& p : parameters(cfg)) {
      const bool bias = p.shape.size() == 1;
      w.add(p.name, bias ? at::zeros(p.shape) : at::randn(p.shape, gen) / (p.name == "unembed.W_U" ? sV : sD));
    }
    return w;
  }

  // The fast forward (transformer.cpp): in the first layer the MLP's input is a table mix (3
  // positions x H heads of M-wide rows) and, where a later layer reads them, positions 1 and 2
  // write their MLP outputs per pair; a middle layer works per pair at positions 1 and 2; the
  // last layer attends from the final position only. A per-pair query's attention is four
  // [D, H Dh]-sized products (Q, W_K^T q, W_V of the mixed residual, W_O: pair_heads.h); the last
  // MLP's input and the direct path are one [D, M + V] product, and W_out W_U one [M, V]. A mix reads 2 H rows
  // a pair at positions 1 and 2 ('=' folded into the others at 2: Mixed::folded). Per-token
  // tables, softmaxes and biases are O(V) or O(N H), left out.
  Flops forward_flops(const Config& c, double n) const override {
    const double D = c.d_model, M = c.d_mlp, V = Task(c).vocab(), H = c.n_heads, HD = c.n_heads * c.d_head;
    const double L = c.n_layers;
    double fast = 0;
    if (L == 1) {
      fast = M * V + 2 * H * (M + V);
    } else {
      fast += 4 * H * (M + D) + 2 * M * D;             // layer 0: table mixes, W_out at positions 1, 2
      fast += (L - 2) * 2 * (4 * HD * D + 2 * D * M);  // middle layers, positions 1 and 2: as the last's attention
      fast += 4 * HD * D + D * (M + V) + M * V;        // last: Q, W_K^T q, W_V of the mix, W_O; W_in and W_U; W_out W_U
    }
    return {2 * n * fast, 2 * n * (L * 3 * (4 * HD * D + 2 * D * M) + D * V)};
  }
  at::Tensor forward(const Config& cfg, const Weights& w, const Batch& x, const ForwardOptions& opt,
                     ForwardCache* cache) const override {
    return forward_fast(w, x, opt, cache, cfg.attention_rate);
  }
  at::Tensor forward_reference(const Config& cfg, const Weights& w, const Batch& x, const ForwardOptions& opt,
                               ForwardCache* cache) const override {
    return forward_plain(w, x, opt, cache, cfg.attention_rate);
  }
};

}  // namespace

TransformerWeights::TransformerWeights(const Weights& w)
    : W_E(w.get("embed.W_E")), W_pos(w.get("pos_embed.W_pos")), W_U(w.get("unembed.W_U")) {
  for (int l = 0; w.has(block(l) + "mlp.W_in"); l++) {
    const std::string b = block(l);
    layers.push_back({w.get(b + "attn.W_K"), w.get(b + "attn.W_Q"), w.get(b + "attn.W_V"), w.get(b + "attn.W_O"),
                      w.get(b + "mlp.W_in"), w.get(b + "mlp.b_in"), w.get(b + "mlp.W_out"), w.get(b + "mlp.b_out")});
  }
}

const ModelFamilyImpl& transformer_family() {
  static const Transformer t;
  return t;
}

}  // namespace grok
