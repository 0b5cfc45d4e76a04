// The check table's pruning rows (Doshi et al. 2024): keep the most periodic hidden neurons, drop
// the rest, and see what the model still computes. A model that memorised corrupted labels with
// some neurons and learned the task with others loses the memorised labels and keeps (or gains)
// the true ones when the non-periodic neurons go.
//
// Kept: the half of the last layer's neurons with the highest IPR (mechanism.h's neuron_iprs: the
// mean over each operand's input map and the output map); the dropped ones' activations are set
// to 0, so the logits are the direct ones plus the kept neurons through W_L (anatomy_maps.h).
// Rows ("keep the periodic half of the neurons (IPR >= t): <pairs>"): the test pairs; with label
// noise the clean training pairs, and the corrupted ones against their given and their true labels;
// without noise all training pairs. Loss: mean cross-entropy in float64 over the p outputs.
//
//   for (CheckRow& r : pruning_checks(cfg, ck, data, snapshot)) checks.rows.push_back(r);
//
// From the snapshot's forward: no model evaluation. Threading: the intra-op threads; no shared state.
#pragma once

#include <functional>
#include <vector>

#include "core/analysis/ablation_checks.h"
#include "core/analysis/snapshot.h"
#include "core/data/dataset.h"

namespace grok {

// No rows for a model without neurons. `between` (if given) runs between its parts (the gather,
// the product, the scores): the caller's chance to cancel (a prefetch the user has overtaken).
std::vector<CheckRow> pruning_checks(const Config& cfg, const CheckpointWeights& checkpoint, const Dataset& data,
                                     const Snapshot& snapshot, const std::function<void()>& between = {});

}  // namespace grok
