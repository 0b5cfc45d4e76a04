// The follow-up papers' MLPs as model families (model_family.h), under their authors' tensor names
// so that their state_dicts export and import as they are:
//
//   mlp            Chughtai, Chan and Nanda 2023 (rep_theory/utils/models.py, OneLayerMLP):
//                  logits = act(cat(W_x[a], W_y[b]) W) W_U, no biases.
//                  W_x, W_y [n, d_model], W [2 d_model, d_mlp], W_U [d_mlp, n]; init randn / sqrt(fan-in)
//                  in that order from torch.manual_seed(seed), as their constructor draws.
//   quadratic-mlp  Gromov 2023 / Doshi et al. 2024 (utils/models.py, fcn): on [onehot(a), onehot(b)],
//                  logits = fc2(act(fc1 x)), no biases. fc1.weight [d_mlp, 2n], fc2.weight [n, d_mlp];
//                  init normal(0, 0.5 / (2 d_mlp)^(1/3)) (nn.Linear's own draw replaced, as theirs).
//
// Both output the task's n classes (no '=' token) and read `activation` (relu, gelu, quadratic).
// Both first layers are a sum of two per-token rows: fc1 x of one-hot inputs is fc1's column a plus
// column n + b, and cat(W_x[a], W_y[b]) W is row a of W_x W[:D] plus row b of W_y W[D:]. So the
// forward gathers rows of a [2n, M] table (hidden_of_rows) instead of multiplying [N, 2n] or
// [N, 2D] by [., M]. forward_reference is the plain product with the one-hot matrix (or the
// concatenated embeddings), what the fast one is tested against.
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

#include "core/base/task.h"
#include "core/model/internal/mlp_families.h"
#include "core/model/internal/pair_sum_activation.h"

namespace grok {

namespace {

// The hidden layer from its pre-activations [N, M]: dropout first, as Gromov's fcn applies it
// (for ReLU the order makes no difference), the activation, then a held layer's override
// (ForwardOptions::final_mlp: its one layer is layer 0).
at::Tensor hidden(const Config& cfg, at::Tensor pre, const ForwardOptions& opt) {
  pre = apply_dropout(pre, opt);
  at::Tensor h;
  switch (cfg.activation) {
    case Activation::Gelu: h = at::gelu(pre); break;
    case Activation::Quadratic: h = pre * pre; break;
    case Activation::Relu: h = at::relu(pre); break;
  }
  return held_or(h, opt, 0);
}

// The hidden layer when the first layer's input is two tokens' rows: act(T[a] + T[n + b]) for a
// table T [2n, M] of the operands' rows. Fused (pair_sum_activation.h: the same bits as ATen's
// gather, sum and activation) when nothing comes between the sum and the activation.
at::Tensor hidden_of_rows(const Config& c, const at::Tensor& T, const Batch& x, const ForwardOptions& opt) {
  const std::int64_t n = Task(c).p();
  if (c.activation != Activation::Gelu && opt.dropout <= 0 && !opt.final_mlp)
    return pair_sum_activation(T, x.a, x.b + n, c.activation);
  return hidden(c, T.index_select(0, x.a) + T.index_select(0, x.b + n), opt);  // [N, M]
}

// Both families' last layer: the logits h W_out [N, n] for W_out [M, n] (Chughtai's W_U, Gromov's
// fc2.weight transposed, read in place), with the hidden layer kept for the analysis.
at::Tensor logits_of_hidden(const at::Tensor& h, const at::Tensor& W_out, ForwardCache* cache) {
  const at::Tensor logits = at::matmul(h, W_out);  // [N, n]
  if (cache) cache->clear(), cache->mlp_post.push_back(h), cache->direct = at::zeros_like(logits);
  return logits;
}

class ChughtaiMlp final : public ModelFamilyImpl {
 public:
  std::string name() const override { return kMlpModel; }
  std::string description() const override {
    return "Chughtai et al.'s one-layer MLP: an embedding per operand, concatenated, one hidden layer, unembedding";
  }
  std::vector<ParameterSpec> parameters(const Config& c) const override {
    const std::int64_t n = Task(c).p(), D = c.d_model, M = c.d_mlp;
    return {{"W_x", {n, D}}, {"W_y", {n, D}}, {"W", {2 * D, M}}, {"W_U", {M, n}}};
  }
  std::vector<std::string> fields_read() const override { return {"d_model", "d_mlp", "activation"}; }
  std::vector<std::string> pytorch_layouts() const override { return {"authors"}; }
  // W's rows 0..D-1 take a's embedding, D..2D-1 b's: read transposed, [M, D] each.
  ModelAnatomy anatomy(const Config& c) const override {
    return {1,
            c.d_mlp,
            0,
            {"W_x", true},
            {"W_y", true},
            {"W_U"},
            {},
            {"W", true, 0, c.d_model},
            {"W", true, c.d_model, c.d_model}};
  }
  Weights init(const Config& c) const override {
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(c.seed);
    Weights w;
    for (const ParameterSpec& p : parameters(c)) {  // randn / sqrt(fan-in), their order
      const double fan_in = p.name == "W" ? 2.0 * c.d_model : p.name == "W_U" ? c.d_mlp : c.d_model;
      w.add(p.name, at::randn(p.shape, gen) / std::sqrt(fan_in));
    }
    return w;
  }
  std::pair<at::Tensor, at::Tensor> input_vectors(const Config&, const Weights& w, const Batch& x) const override {
    return {w.get("W_x").index_select(0, x.a), w.get("W_y").index_select(0, x.b)};
  }
  // The fast forward: the first layer as per-token tables (kernel version 7), 2 n D M products a
  // step and N M additions instead of 2 N D M products, then [N, M] x [M, n]; the reference
  // multiplies the concatenated embeddings [N, 2D] x [2D, M].
  Flops forward_flops(const Config& c, double N) const override {
    const double D = c.d_model, M = c.d_mlp, n = Task(c).p();
    return {N * M + 2 * N * M * n + 2 * (2 * n * D * M), 2 * N * (2 * D * M + M * n)};
  }
  GemmShape dominant_gemm(const Config& c, std::int64_t pairs) const override { return {pairs, c.d_mlp, Task(c).p()}; }
  // cat(W_x[a], W_y[b]) W = (W_x W[:D])[a] + (W_y W[D:])[b]: the rows of two [n, M] tables. The
  // sum rounds differently from the concatenated product's 2D-deep dots, so the step's bits are
  // kernel version 7's; forward_reference is the product, what this is tested against.
  at::Tensor forward(const Config& c, const Weights& w, const Batch& x, const ForwardOptions& opt,
                     ForwardCache* cache) const override {
    if (opt.input_a.defined()) return forward_reference(c, w, x, opt, cache);  // embeddings given, not tokens
    const std::int64_t D = c.d_model;
    const at::Tensor W = w.get("W");  // [2D, M]
    const at::Tensor T =
        at::cat({at::matmul(w.get("W_x"), W.narrow(0, 0, D)), at::matmul(w.get("W_y"), W.narrow(0, D, D))});  // [2n, M]
    return logits_of_hidden(hidden_of_rows(c, T, x, opt), w.get("W_U"), cache);
  }
  at::Tensor forward_reference(const Config& c, const Weights& w, const Batch& x, const ForwardOptions& opt,
                               ForwardCache* cache) const override {
    const auto [ea, eb] = opt.input_a.defined() ? std::pair{opt.input_a, opt.input_b} : input_vectors(c, w, x);
    return logits_of_hidden(hidden(c, at::matmul(at::cat({ea, eb}, 1), w.get("W")), opt), w.get("W_U"), cache);
  }
};

class GromovMlp final : public ModelFamilyImpl {
 public:
  std::string name() const override { return kQuadraticMlpModel; }
  std::string description() const override {
    return "Gromov's two-layer MLP on the operands' one-hot vectors (quadratic activation in his paper)";
  }
  std::vector<ParameterSpec> parameters(const Config& c) const override {
    const std::int64_t n = Task(c).p(), M = c.d_mlp;
    return {{"fc1.weight", {M, 2 * n}}, {"fc2.weight", {n, M}}};
  }
  std::vector<std::string> fields_read() const override { return {"d_mlp", "activation"}; }
  std::vector<std::string> pytorch_layouts() const override { return {"authors"}; }
  // On one-hot inputs fc1's columns are the embeddings (a's 0..n-1, b's n..2n-1), and the
  // neurons' input maps are the identity.
  ModelAnatomy anatomy(const Config& c) const override {
    const int n = Task(c).p();
    return {1, c.d_mlp, 0, {"fc1.weight", false, 0, n}, {"fc1.weight", false, n, n}, {"fc2.weight", true}, {}, {}, {}};
  }
  Weights init(const Config& c) const override {
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(c.seed);
    const double sd = 0.5 / std::cbrt(2.0 * c.d_mlp);
    Weights w;
    for (const ParameterSpec& p : parameters(c)) w.add(p.name, at::randn(p.shape, gen) * sd);
    return w;
  }
  // The one-hot rows [N, n] of each operand.
  std::pair<at::Tensor, at::Tensor> input_vectors(const Config& c, const Weights&, const Batch& x) const override {
    const std::int64_t n = Task(c).p();
    return {at::one_hot(x.a, n).to(at::kFloat), at::one_hot(x.b, n).to(at::kFloat)};
  }
  // The fast forward adds two gathered columns of fc1 (N M additions) where the reference multiplies
  // one-hot rows [N, 2n] x [2n, M]; then [N, M] x [M, n] in both.
  Flops forward_flops(const Config& c, double N) const override {
    const double M = c.d_mlp, n = Task(c).p();
    return {N * M + 2 * N * M * n, 2 * N * (2 * n * M + M * n)};
  }
  GemmShape dominant_gemm(const Config& c, std::int64_t pairs) const override { return {pairs, c.d_mlp, Task(c).p()}; }
  at::Tensor forward(const Config& c, const Weights& w, const Batch& x, const ForwardOptions& opt,
                     ForwardCache* cache) const override {
    if (opt.input_a.defined()) return forward_reference(c, w, x, opt, cache);
    // fc1 x is fc1's column a plus column n + b: rows of its transpose [2n, M], gathered into
    // row-major [N, M]. Gathered as columns, then transposed, the hidden layer was column-major and
    // its gradient's product came out [M, N], slowly: the label-noise step 26.1 -> 18.5 ms at 2
    // threads (kernel version 6: with OpenBLAS's Haswell kernels the products round differently).
    return logits_of_hidden(hidden_of_rows(c, w.get("fc1.weight").t().contiguous(), x, opt), w.get("fc2.weight").t(),
                            cache);
  }
  at::Tensor forward_reference(const Config& c, const Weights& w, const Batch& x, const ForwardOptions& opt,
                               ForwardCache* cache) const override {
    const auto [oa, ob] = opt.input_a.defined() ? std::pair{opt.input_a, opt.input_b} : input_vectors(c, w, x);
    const at::Tensor pre = at::matmul(at::cat({oa, ob}, 1), w.get("fc1.weight").t());  // [N, M]
    return logits_of_hidden(hidden(c, pre, opt), w.get("fc2.weight").t(), cache);
  }
};

}  // namespace

const ModelFamilyImpl& chughtai_mlp_family() {
  static const ChughtaiMlp f;
  return f;
}

const ModelFamilyImpl& gromov_mlp_family() {
  static const GromovMlp f;
  return f;
}

}  // namespace grok
