// The paper's Section 4.4 checks for one checkpoint and key-frequency set, as a table of
// (check, loss, accuracy) over the n^2 pairs of the operation's group ('=' logit dropped; all p*p
// pairs for a + b and a - b, the (p-1)^2 nonzero pairs for a * b and a / b, pair_blocks.h):
//
//   full model                                  the reference row
//   ablate frequency k (each key k)             logits minus their cos/sin(w_k(i+j)) components
//   ablate all key frequencies                  logits minus all key components (the excluded logits)
//   keep only key frequencies                   mean logits + key components (the restricted logits)
//   MLP onto the key W_L directions             neuron activations projected onto the 2|key| directions
//                                               of W_L's key Fourier rows (in neuron space)
//   MLP onto their null space                   ... onto the orthogonal complement
//   full model, pairs with a zero operand       a * b, a / b only: the pairs outside the group
// plus two numbers: the FVE of the centred logits by the cos(w_k(i+j-k)) fit over the key k (the
// group's pairs and outputs), and the fraction of W_L's Frobenius norm outside its key Fourier rows
// (paper: under 0.55 %).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/analysis/fourier_basis.h"
#include "core/analysis/pair_forward.h"
#include "core/base/config.h"
#include "core/base/tensor_blob.h"
#include "core/model/checkpoint_weights.h"

namespace grok {

struct CheckRow {
  std::string check;
  double loss = 0, accuracy = 0;
};

struct AblationChecks {
  std::vector<int> key_freqs;
  std::vector<CheckRow> rows;
  double logit_fit_fve = 0;        // 0..1
  double wl_norm_outside_key = 0;  // 0..1
};

// From the analysis's all-pairs forward (pair_forward.h; a Snapshot holds one: pair_forward(s)),
// read block by block (internal/pair_blocks.h): the checks hold one block's working set beyond it.
// Every loss and accuracy goes through the float32 row kernel of the measures
// (core/analysis/internal/row_losses.h, ~1e-6 relative); the key components and the logit fit
// are float64. `between`, if given, runs between the parts of the computation (each kernel of the
// first pass, and between the two passes): the caller's chance to cancel, or to change its thread
// count.
AblationChecks ablation_checks(const Config& cfg, const CheckpointWeights& checkpoint,
                               const std::vector<int>& key_freqs, const FourierBasis& F, const PairForward& forward,
                               const std::function<void()>& between = {});

}  // namespace grok
