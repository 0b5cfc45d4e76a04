// A second model family declared only here, to prove the family interface (issue 22): the two
// operands' embeddings summed and mapped to the logits by one linear map,
//
//   logits[n] = (W_a[:, a_n] + W_b[:, b_n])^T W_U          W_a, W_b, W_U [D, V]
//
// No attention, no MLP neurons: the analysis has no neurons to read and the window no attention
// or neuron panel to show. Registered by its static below; nothing outside this file knows it.
// Linear in the embeddings, it cannot learn (a + b) mod p (a sum of a function of a and one of b
// is not periodic in a + b): it is here to be trained, stored, analysed and shown, not to grok.
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

#include "core/model/internal/model_family_impl.h"
#include "toy_family.h"

namespace grok::test {

namespace {

class SumOfEmbeddings final : public ModelFamilyImpl {
 public:
  std::string name() const override { return kToyFamily; }
  std::string description() const override { return "a test's toy: two embeddings summed, one linear map"; }
  std::vector<ParameterSpec> parameters(const Config& c) const override {
    const std::int64_t D = c.d_model, V = c.p + 1;
    return {{"embed.W_a", {D, V}}, {"embed.W_b", {D, V}}, {"unembed.W_U", {D, V}}};
  }
  ModelAnatomy anatomy(const Config&) const override {
    return {1, 0, 0, {"embed.W_a"}, {"embed.W_b"}, {"unembed.W_U"}, {}, {}, {}};
  }
  Weights init(const Config& c) const override {
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(c.seed);
    Weights w;
    for (const ParameterSpec& p : parameters(c))
      w.add(p.name, at::randn(p.shape, gen) / std::sqrt(static_cast<double>(p.shape[0])));
    return w;
  }
  std::pair<at::Tensor, at::Tensor> input_vectors(const Config&, const Weights& w, const Batch& x) const override {
    return {w.get("embed.W_a").t().index_select(0, x.a), w.get("embed.W_b").t().index_select(0, x.b)};
  }
  at::Tensor forward(const Config& c, const Weights& w, const Batch& x, const ForwardOptions& opt,
                     ForwardCache* cache) const override {
    const auto [a, b] = opt.input_a.defined() ? std::pair{opt.input_a, opt.input_b} : input_vectors(c, w, x);
    const at::Tensor h = a + b;
    const at::Tensor logits = at::matmul(h, w.get("unembed.W_U"));  // [N, V]
    if (cache) cache->direct = logits;                              // no MLP: the logits are all direct
    return logits;
  }
};

const bool registered = register_model_family(std::make_unique<SumOfEmbeddings>());

}  // namespace

bool toy_family_registered() { return registered; }

}  // namespace grok::test
