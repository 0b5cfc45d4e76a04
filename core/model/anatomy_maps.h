// The matrices the Fourier analysis reads, assembled from a checkpoint by its family's anatomy
// (model_family.h), the same for every family: the operands' embeddings, the neurons' input maps
// over the tokens and W_L, the map from the last hidden layer to the logits. The spectra, the
// check table's projections, the layer checks and the IPRs all read these, never a tensor name.
//
//   const std::vector<int>& tokens = F.group().token;               // element -> token
//   Matrix64 E  = operand_embedding(cfg, ck, 0, tokens);            // [n, D]: a's input vectors
//   Matrix64 WL = logit_map(cfg, ck, tokens);                       // [n, M]: W_L
//   Matrix64 In = neuron_inputs(cfg, ck, 1, tokens);                // [n, M]: b's token to each neuron
//
// Shapes: rows are the given tokens, in the given order. float64 throughout; the products are small
// (n x M x D). Throws std::runtime_error naming a tensor the checkpoint lacks (checkpoints are
// checked against the family's parameters before anything reads them: checkpoint_mismatch).
// Threading: pure functions.
#pragma once

#include <cstdint>
#include <vector>

#include "core/base/config.h"
#include "core/base/tensor_blob.h"
#include "core/model/checkpoint_weights.h"
#include "core/model/model_family.h"

namespace grok {

struct Matrix64 {
  std::int64_t rows = 0, cols = 0;
  std::vector<double> v;  // row-major
  double operator()(std::int64_t r, std::int64_t c) const { return v[static_cast<std::size_t>(r * cols + c)]; }
  double* row(std::int64_t r) { return v.data() + r * cols; }
  bool empty() const { return v.empty(); }
};

// The view's matrix as stored in `ck`, transposed and cut as it says.
Matrix64 read_view(const std::vector<NamedArray>& ck, const MatrixView& view);
// Operand `operand`'s (0: a, 1: b) input vectors for `tokens`: [tokens, D]; empty without an embedding.
Matrix64 operand_embedding(const Config& cfg, const std::vector<NamedArray>& ck, int operand,
                           const std::vector<int>& tokens);
// What each token of operand `operand` adds to the last layer's neurons' pre-activations (through
// the embedding and the input map, the attention aside): [tokens, M]; empty without neurons.
Matrix64 neuron_inputs(const Config& cfg, const std::vector<NamedArray>& ck, int operand,
                       const std::vector<int>& tokens);
// W_L for the given output tokens: [tokens, M], the last layer's neurons to those logits
// (W_U^T W_out for the transformer, the unembedding itself for an MLP); a family without neurons
// has W_U^T, [tokens, R] over its last hidden vector.
Matrix64 logit_map(const Config& cfg, const std::vector<NamedArray>& ck, const std::vector<int>& tokens);

// The same two maps of a checkpoint the analysis holds: computed over every token once per
// CheckpointWeights (and its copies) and kept, so that a scrub's spectra, IPRs, check table and
// pruning rows, which all read W_L, form it once. A row depends on its token alone, so the rows
// returned are the numbers the functions above compute. Threading: the first call computes, under
// a once flag; later calls read.
Matrix64 logit_map(const CheckpointWeights& w, const std::vector<int>& tokens);
Matrix64 neuron_inputs(const CheckpointWeights& w, int operand, const std::vector<int>& tokens);

}  // namespace grok
