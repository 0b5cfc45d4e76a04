// The paper's progress measures (Section 5.1, REFERENCE.md s.6) for one checkpoint.
//
// All of them read the logits over every pair (a, b), with the '=' logit dropped (the authors'
// analysis convention, logits[:, -1, :-1]), in the order of the operation's group (pair_blocks.h,
// operation_group.h): L [n*n, p], pair (i, j) the input (a_token(i), b_token(j)), so a - b, a * b
// and a / b are measured in their own basis (a * b over the discrete log, in Z_(p-1)). In the 2D
// Fourier basis over (i, j), the directions cos(w_k(i+j)) and sin(w_k(i+j)) are
//   u_cos = (C_k (x) C_k - S_k (x) S_k) / sqrt(2),   u_sin = (S_k (x) C_k + C_k (x) S_k) / sqrt(2),
// so their coefficients for every k follow from one 2D transform of L.
//
//   restricted logits: mean over pairs of L + the u_cos/u_sin projections of the key frequencies
//   excluded logits:   L - those projections
// Pairs with a zero operand of a * b or a / b are outside the group: they count in the train and
// test losses (the model's real loss) and are reported apart (outside_*); the restricted and
// excluded losses, the coefficients and the 2D norms are over the group's (p-1)^2 pairs.
// The projections' coefficients are the key components (internal/key_components.h), in float64;
// losses go through the float32 row kernel (internal/row_losses.h, ~1e-6 relative).
//
// Memory: the measures read the logits block by block (whole rows a of the (a, b) table,
// internal/pair_blocks.h), so without given logits they hold one block's working set
// (analysis_block_bytes()), not the p^3 logits: any p the config accepts can be measured.
//
//   ProgressMeasures m = compute_progress_measures(cfg, checkpoint, data, std::nullopt, F);
//
// Threading: uses the intra-op threads; the results do not depend on their number.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/analysis/fourier_basis.h"
#include "core/analysis/weight_spectra.h"
#include "core/base/config.h"
#include "core/base/key_selection.h"
#include "core/base/records.h"
#include "core/base/tensor_blob.h"
#include "core/data/dataset.h"
#include "core/model/checkpoint_weights.h"

namespace grok {

struct ProgressMeasures {
  std::vector<int> key_freqs;                                         // the set the restricted/excluded measures used
  double train_loss = 0, test_loss = 0, train_acc = 0, test_acc = 0;  // p outputs
  double restricted_loss_test = 0, restricted_loss_all = 0, restricted_acc_test = 0;
  double excluded_loss_train = 0;
  std::vector<double> excluded_loss_per_key;  // [key_freqs.size()], train split (Fig. 15)
  double max_excluded_loss = 0;               // max over all (p-1)/2 single frequencies (App. C.2)
  int max_excluded_freq = 0;
  std::vector<double> cos_abc_coefficients;  // [K]: logits . T_k / |T_k|, T_k = chi_k(i o j o c^-1) (Fig. 14)
  // Chughtai et al.'s logit similarity per component (their logit_trace_similarity): the cosine of
  // the logits, centred per pair over the group's outputs, with T_k over all (i, j, c); and the
  // share of the centred logits the key set's T_k explain (sum of its squared similarities).
  std::vector<double> logit_similarity;  // [K]
  double logits_explained = 0;
  int outside_pairs = 0;                     // the domain's pairs outside the group (a zero operand)
  double outside_loss = 0, outside_acc = 0;  // over them (train and test); 0 when there are none
  // Fig. 4 right: the logits in the 2D Fourier basis over (i, j), L2 norm over the p outputs;
  // [n, n] row-major, rows = component of i, columns = component of j (FourierBasis order).
  // A view of the whole logits, not stored: filled by compute_snapshot only (logits_2d_norms()).
  std::vector<double> logits_2d_norms;
  double gini_we = 0, gini_wl = 0, sum_sq_weights = 0;
  // Empty, or why the group measures are not defined: every field above but the losses, the
  // accuracies and sum_sq_weights is then meaningless, and neither stored nor printed.
  std::string undefined_reason;
  // The registered measures (measure_registry.h), by name: stored and printed with the rest.
  std::map<std::string, double> registered;
};

// Computes every measure for one checkpoint (1 or more layers). `key_freqs` nullopt: the set
// detected from this checkpoint's W_L (what training stores, "live"). An empty set: the restricted
// loss is that of the mean logits alone, the excluded loss the full train loss.
// `logits`: the checkpoint's logits over every pair, '=' dropped, [p*p, p] row-major over
// (a, b, c), when the caller has them already (the trainer puts them together from a checkpoint
// epoch's training and test passes); else the forward pass runs here, block by block.
ProgressMeasures compute_progress_measures(const Config& cfg, const CheckpointWeights& checkpoint, const Dataset& data,
                                           const std::optional<std::vector<int>>& key_freqs, const FourierBasis& F,
                                           const std::vector<float>* logits = nullptr);

// The key components (frequencies, irreps) the model uses, checked against the model itself: of
// the components holding at least their uniform share of W_L's energy per dimension (at most 16,
// strongest first), the shortest prefix whose restricted loss over the group's pairs is at most
// twice the lowest any prefix reaches (docs/analysis-json.md). From the logits
// [p*p, p] when they are at hand, else from the forward pass block by block. `wl_norms`:
// weight_spectra's; `share` of the result is each component's share of W_L's energy.
KeyFrequencies detect_key_components(const Config& cfg, const std::vector<float>& logits, const FourierBasis& F,
                                     const std::vector<double>& wl_norms);
KeyFrequencies detect_key_components(const Config& cfg, const CheckpointWeights& checkpoint, const FourierBasis& F,
                                     const std::vector<double>& wl_norms);
// For a task that is no group's composition (Task::has_group() false): the train and test losses
// and accuracies over its domain, the sum of squared weights, and `reason` (the rest undefined).
ProgressMeasures domain_measures(const Config& cfg, const CheckpointWeights& checkpoint, const Dataset& data,
                                 const std::string& reason, const std::vector<float>* logits = nullptr);
// The measures as a run-file record, tagged with how their key set was chosen, named as stored.
MeasureRecord to_record(int epoch, KeySelection::Kind kind, const ProgressMeasures& m);

// Fig. 4 right alone (ProgressMeasures::logits_2d_norms) from float logits [p*p, p] in token order: what the
// dashboard's logits view draws. Chunked over the outputs: temporaries within a block's bytes.
std::vector<double> logits_2d_norms(const float* logits, int p, const FourierBasis& F);

// The logit-based measures from given logits [p*p, p] (the weight-based fields and
// logits_2d_norms stay empty): what compute_progress_measures does after the forward pass, open
// to tests with hand-built logits.
ProgressMeasures measures_from_logits(const Config& cfg, const std::vector<float>& logits, const Dataset& data,
                                      const std::vector<int>& key_freqs, const FourierBasis& F);

}  // namespace grok
