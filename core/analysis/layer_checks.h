// The check table's rows per layer: how much the model needs each layer's MLP at the final
// position. For layer l, "layer l MLP mean-ablated" replaces that MLP's output at '=' by its mean
// over the pairs (the neurons' mean post-ReLU activations, so the output's mean exactly: the MLP's
// out-projection is affine) and reports the loss and accuracy. The MLP acts per position, so only
// the final position's stream changes; later layers still attend to the untouched positions 0, 1.
//
// The pairs are the run's dataset (make_dataset: train + test), not p*p, so the rows stay right
// for an operation whose domain is not every pair. Loss: mean cross-entropy in float64 over the p
// real outputs ('=' logit dropped), as the rest of the table.
//
//   AblationChecks c = ablation_checks(cfg, ck, keys, F, pair_forward(snapshot));
//   append_layer_checks(c, cfg, ck, make_dataset(cfg), snapshot);   // + one row a layer
//
// From the snapshot's forward (every pair (a, b) at row a*p + b; the dataset's pairs are rows of
// it): the layers' mean neurons, and the last layer's row, which is the direct logits plus one
// vector. Each earlier layer costs a fast forward over the pairs with it held, in chunks bounded
// by analysis_block_bytes() (analysis_memory.h). Threading: uses the intra-op threads; no shared
// state.
#pragma once

#include <vector>

#include "core/analysis/ablation_checks.h"
#include "core/analysis/snapshot.h"
#include "core/base/config.h"
#include "core/base/tensor_blob.h"
#include "core/data/dataset.h"

namespace grok {

// One row per layer, first layer first: "layer 0 MLP mean-ablated", ...
// `snapshot`: this checkpoint's (compute_snapshot), any scope.
std::vector<CheckRow> layer_checks(const Config& cfg, const CheckpointWeights& checkpoint, const Dataset& data,
                                   const Snapshot& snapshot);
// The same rows appended to a check table.
void append_layer_checks(AblationChecks& checks, const Config& cfg, const CheckpointWeights& checkpoint,
                         const Dataset& data, const Snapshot& snapshot);

}  // namespace grok
