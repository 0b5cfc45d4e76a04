// A model family: what a kind of model is, described without torch, so that the config, the
// views and the file checks can ask it. The paper's transformer is the first family; others (the
// follow-up papers' MLPs, a test's toy) register by name and need no edit elsewhere.
//
// A family says:
//   - its name (the config's `model` field) and a sentence for menus and reports;
//   - its parameters for a config: names and shapes, in creation order (what a checkpoint holds;
//     the seeded initialisation is the family's computation, internal/model_family_impl.h);
//   - its anatomy: what its forward pass records and the analysis reads (layers, MLP neurons per
//     layer, attention heads; which matrices are the embedding, the unembedding and the last
//     MLP's output map). A view shows what a family has: no attention panel without heads.
//
//   const ModelFamily& f = model_family(cfg);          // throws ConfigError for an unknown name
//   for (const ParameterSpec& p : f.parameters(cfg)) ...
//   if (f.anatomy(cfg).heads == 0) hideAttention();
//
// Threading: families are immutable once registered; registration is done before any run starts
// (a static registrar or start-up code) and is thread-safe.
#pragma once

#include <cstdint>
#include <iterator>
#include <string>
#include <vector>

#include "core/base/config.h"
#include "core/base/tensor_blob.h"

namespace grok {

// The config fields that shape a model: each family reads some of them (ModelFamily::fields_read).
inline constexpr const char* kModelFields[] = {"n_layers", "d_model",        "n_heads",   "d_head",
                                               "d_mlp",    "attention_rate", "activation"};

struct ParameterSpec {
  std::string name;                 // as stored: "embed.W_E", "blocks.0.mlp.W_in", ...
  std::vector<std::int64_t> shape;  // float32
};

// A stored matrix as the analysis reads it: the tensor (2-D), transposed or not, then columns
// col0 .. col0 + cols - 1 (cols -1: all). Chughtai's W [2 D, M] read as operand b's [M, D] input map
// is {"W", true, D, D}; Gromov's fc1.weight [M, 2 n] as operand a's embedding {"fc1.weight", false, 0, n}.
struct MatrixView {
  std::string tensor;  // "": none
  bool transposed = false;
  int col0 = 0, cols = -1;
  bool empty() const { return tensor.empty(); }
};

// What a family's forward records, and which matrices the Fourier analysis reads. Token axes are
// in token order (the transformer's include '=', never read).
struct ModelAnatomy {
  int layers = 1;   // blocks whose activations the views show, layer by layer
  int neurons = 0;  // MLP neurons per layer at the final position (0: none)
  int heads = 0;    // attention heads per layer (0: no attention)
  // [D, tokens]: each operand's input vectors, one column a token (the W_E spectrum); the
  // transformer's one W_E serves both, an MLP has one per operand. Empty: none.
  MatrixView embedding_a, embedding_b;
  MatrixView unembedding;  // [R, outputs]: the last hidden vector (residual, or an MLP's neurons) to the logits
  MatrixView neuron_out;   // [R, M]: the last layer's MLP into R (W_L = W_U^T W_out); empty when R is the neurons
  // [M, D]: the last layer's neurons' input map of each operand's input vector; empty with neurons:
  // the embedding is the neurons' input (Gromov's fc1 on one-hot inputs).
  MatrixView neuron_in_a, neuron_in_b;
  bool shared_embedding() const {
    return embedding_a.tensor == embedding_b.tensor && embedding_a.col0 == embedding_b.col0 &&
           embedding_a.transposed == embedding_b.transposed;
  }
};

class ModelFamily {
 public:
  virtual ~ModelFamily() = default;
  virtual std::string name() const = 0;
  virtual std::string description() const = 0;
  virtual std::vector<ParameterSpec> parameters(const Config& cfg) const = 0;
  virtual ModelAnatomy anatomy(const Config& cfg) const = 0;
  // The model-shape fields (kModelFields) this family reads; the rest are unused for its runs
  // (unused_field_reason). All of them by default.
  virtual std::vector<std::string> fields_read() const { return {std::begin(kModelFields), std::end(kModelFields)}; }
  // The PyTorch layouts (core/interchange/checkpoint_layout.h: "authors", "transformer-lens") whose
  // tensor names this family's parameters map to; none by default (its runs do not export).
  virtual std::vector<std::string> pytorch_layouts() const { return {}; }
};

// "" when `tensors` are exactly the family's parameters for `cfg` (names, float32, shapes); else one
// line naming the first tensor that is missing, extra, of another dtype or another shape. Every
// stored checkpoint is held to this before anything reads its numbers (CheckpointWeights,
// verify_checkpoints, export-pt): a file's shapes are never trusted.
std::string checkpoint_mismatch(const Config& cfg, const std::vector<TensorHeader>& tensors);

// "" when `cfg`'s run reads config field `field`; else why not, in a few words ("the task is a group's,
// whose order is the token count"; "the transformer does not read it"): what `info` and the run
// panel say of an unused field.
std::string unused_field_reason(const Config& cfg, const std::string& field);

// The config's family (cfg.model); throws ConfigError naming the unknown family and the known ones.
const ModelFamily& model_family(const Config& cfg);
const ModelFamily& model_family(const std::string& name);

}  // namespace grok
