// The analysis's one forward pass over all p*p input pairs (a, b), row a*p + b, float32, '=' logit
// dropped. The progress measures, the check table and the neuron FVE all read it (or the same
// pass block by block, pair_blocks.h); a Snapshot holds one.
//
//   AllPairForward f = compute_pair_forward(CheckpointWeights(cfg, arrays));   // throws AnalysisTooLarge
//   AblationChecks c = ablation_checks(cfg, checkpoint, keys, F, view(f));
//
// Memory: ~p^3 floats (analysis_memory.h); computed block by block into the result, so the pass
// itself adds one block's working set. Threading: uses the intra-op threads; no shared state.
#pragma once

#include <atomic>
#include <vector>

#include "core/base/config.h"
#include "core/base/float_array.h"
#include "core/base/tensor_blob.h"
#include "core/model/checkpoint_weights.h"

namespace grok {

// A view of the pass's outputs: logits [p*p, p], the same less the last MLP's part h W_out^T W_U
// ("direct") [p*p, p], and the last layer's post-ReLU activations at '=' h [p*p, d_mlp]. A
// pointer may be null where a consumer does not read it (the measures read only the logits).
struct PairForward {
  const float* logits = nullptr;
  const float* direct = nullptr;
  const float* mlp_post = nullptr;
};

// One layer's view at '=': its post-ReLU MLP activations and its attention to token a.
struct LayerForward {
  FloatArray neuron_acts;  // [p*p, d_mlp]
  FloatArray attention;    // [n_heads, p*p]: attention from '=' to position 0 (token a)
};

struct AllPairForward {
  int p = 0, n_heads = 0, d_mlp = 0;
  std::vector<float> logits;  // [p*p, p]
  FloatArray direct_logits;   // [p*p, p]
  FloatArray neuron_acts;     // [p*p, d_mlp]: the last layer's
  FloatArray attention;       // [n_heads, p*p]: last layer's attention from '=' to position 0 (token a)
  // Layers 0 .. n_layers-2 (empty for one layer): the fields above stay the last layer's, which
  // is what the paper's W_L and the check table's projections read.
  std::vector<LayerForward> earlier_layers;
};

// Throws AnalysisCancelled (snapshot.h) between its blocks of pairs once `*cancel` is set: S5's
// forward runs in two (a user's jump waited up to ~20 ms behind an overtaken prefetch's forward).
AllPairForward compute_pair_forward(const CheckpointWeights& checkpoint, const std::atomic<bool>* cancel = nullptr);
inline PairForward view(const AllPairForward& f) {
  return {f.logits.data(), f.direct_logits.data(), f.neuron_acts.data()};
}

}  // namespace grok
