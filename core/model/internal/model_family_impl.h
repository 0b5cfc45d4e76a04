// A model family's computation (ATen), behind the torch-free description in model_family.h:
// the seeded initialisation, the forward pass training and the analysis run, and the reference
// forward the fast one is tested against. Training, the analysis, the benchmark and the importer
// call these and nothing family-specific.
//
// Registering a family (a test's toy, a follow-up paper's model):
//
//   class Toy final : public ModelFamilyImpl { ... };
//   static const bool registered = register_model_family(std::make_unique<Toy>());
//
// Shapes: a Batch of N pairs (a, b) -> logits [N, V] (V = p + 1 outputs, '=' last, as the
// transformer). The ForwardCache's fields a family does not have stay empty: mlp_post and attn
// have one entry per layer only where the anatomy has neurons / heads; direct is the logits less
// the last MLP's part (the logits themselves without neurons).
// Threading: a family object is shared and const; forward() uses the calling thread's intra-op threads.
#pragma once

#include <ATen/ATen.h>

#include <cmath>
#include <memory>

#include "core/model/internal/forward.h"
#include "core/model/internal/weights.h"
#include "core/model/model_family.h"

namespace grok {

class ModelFamilyImpl : public ModelFamily {
 public:
  // The parameters from the config's seed, in creation order, before init_scale (init_weights
  // applies it to every family alike).
  virtual Weights init(const Config& cfg) const = 0;
  // The forward pass: what training differentiates and the analysis evaluates.
  virtual at::Tensor forward(const Config& cfg, const Weights& w, const Batch& x, const ForwardOptions& opt,
                             ForwardCache* cache) const = 0;
  // The plain reference computation the fast forward is checked against (the same by default).
  virtual at::Tensor forward_reference(const Config& cfg, const Weights& w, const Batch& x, const ForwardOptions& opt,
                                       ForwardCache* cache) const {
    return forward(cfg, w, x, opt, cache);
  }
  // The operands' input vectors [N, D] of a batch: what ForwardOptions::input_a / input_b replace in
  // forward_reference (the transformer's token embeddings).
  virtual std::pair<at::Tensor, at::Tensor> input_vectors(const Config& cfg, const Weights& w,
                                                          const Batch& x) const = 0;
  // FLOPs (2 per multiply-add) of one forward pass over `pairs` pairs, of the fast forward and of
  // the reference: the benchmark's GFLOP/s and its floor (a training step is 3 forwards' worth:
  // the backward computes each product twice). NaN where the family does not count them.
  struct Flops {
    double fast = NAN, reference = NAN;
  };
  virtual Flops forward_flops(const Config& cfg, double pairs) const {
    (void)cfg, (void)pairs;
    return {};
  }
  // The product that dominates the fast forward, [rows x inner] x [inner x cols] for `pairs`
  // pairs: the benchmark measures its ceiling GEMM rate on these shapes.
  struct GemmShape {
    std::int64_t rows = 0, inner = 0, cols = 0;
  };
  virtual GemmShape dominant_gemm(const Config& cfg, std::int64_t pairs) const {
    return {pairs, cfg.d_model, cfg.d_mlp};
  }
};

// Adds a family under its name (and the name to the config's model_names()); returns true.
// Throws std::logic_error for a name already taken.
bool register_model_family(std::unique_ptr<ModelFamilyImpl> family);
// The config's family's computation; throws ConfigError for an unknown name.
const ModelFamilyImpl& model_impl(const Config& cfg);
// model_impl(cfg).forward(...): the one forward training, evaluation and the analysis call.
inline at::Tensor model_forward(const Config& cfg, const Weights& w, const Batch& x, const ForwardOptions& opt = {},
                                ForwardCache* cache = nullptr) {
  return model_impl(cfg).forward(cfg, w, x, opt, cache);
}

}  // namespace grok
