// Everything the views show for one checkpoint, computed on demand from its weights with one
// forward pass over all p*p pairs (issue 3, items 2-6): the W_E / W_L Fourier spectra, the key
// frequencies, the progress measures (logits and their 2D Fourier norms included), the MLP
// activations and attention patterns over (a, b), and each neuron's frequency and FVE.
//
// Snapshots are never stored (the activations alone are d_mlp x p x p floats, 26 MB on mainline):
// the GUI computes them off its thread and caches a few, bounded by snapshot_bytes(cfg). A
// snapshot holds ~p^3 floats (10.6 GB at p = 1021): compute_snapshot throws AnalysisTooLarge (a
// ConfigError, one line naming the bytes) beyond analysis_memory_limit() (analysis_memory.h). No
// torch type in this header.
//
//   Snapshot s = compute_snapshot(cfg, epoch, store.load_checkpoint(epoch), data, std::nullopt, F);
//   float act = s.neuron_acts[(a * p + b) * s.d_mlp + m];  // neuron m of the last layer on input (a, b)
//   float first = s.layer(0).neuron_acts[(a * p + b) * s.d_mlp + m];  // of the first layer
#pragma once

#include <atomic>
#include <optional>
#include <stdexcept>
#include <vector>

#include "core/analysis/ablation_checks.h"
#include "core/analysis/analysis_memory.h"
#include "core/analysis/fourier_basis.h"
#include "core/analysis/neuron_fve.h"
#include "core/analysis/pair_forward.h"
#include "core/analysis/progress_measures.h"
#include "core/analysis/weight_spectra.h"
#include "core/base/config.h"
#include "core/base/float_array.h"
#include "core/data/dataset.h"

namespace grok {

struct SnapshotTimings {  // wall milliseconds of each stage (the bench reports them)
  double spectra = 0, forward = 0, measures = 0, neurons = 0, total = 0;
};

// One of a deeper model's earlier layers (0 .. n_layers-2), as the views show it.
struct SnapshotLayer {
  FloatArray neuron_acts;     // [p, p, d_mlp]: MLP output (post-ReLU) at '=' for input (a, b)
  FloatArray attention;       // [n_heads, p, p]: attention from '=' to position 0 (token a)
  NeuronFrequencies neurons;  // [d_mlp] dominant frequency and FVE
};

// Layer l's arrays, whichever field holds them.
struct SnapshotLayerView {
  const FloatArray& neuron_acts;
  const FloatArray& attention;
  const NeuronFrequencies& neurons;
};

struct Snapshot {
  int epoch = 0;
  int p = 0, n_heads = 0, d_mlp = 0;
  WeightSpectra spectra;
  KeyFrequencies detected;    // this checkpoint's key components (detect_key_components)
  ProgressMeasures measures;  // with the requested key set (detected if none was given); see SnapshotScope
  // The all-pairs forward (compute_pair_forward), pair (a, b) at row a*p + b:
  std::vector<float> logits;       // [p, p, p]: logits of input (a, b), '=' dropped
  FloatArray direct_logits;        // [p, p, p]: the same less the last MLP's part (for the check table)
  FloatArray neuron_acts;          // [p, p, d_mlp]: last layer's MLP output (post-ReLU) at '=' for input (a, b)
  FloatArray attention;            // [n_heads, p, p]: last layer's attention from '=' to position 0 (token a)
  NeuronFrequencies neurons;       // [d_mlp] dominant frequency and FVE
  std::vector<double> neuron_ipr;  // [d_mlp] each last-layer neuron's IPR (mechanism.h); empty without neurons
  // The layers before the last (empty for one layer). W_L, the key frequencies and the check
  // table's projections are the last layer's, as the paper defines them.
  std::vector<SnapshotLayer> earlier_layers;
  SnapshotTimings ms;

  int n_layers() const { return static_cast<int>(earlier_layers.size()) + 1; }
  // Layer l in 0 .. n_layers()-1; the last is neuron_acts, attention and neurons above.
  SnapshotLayerView layer(int l) const {
    if (l + 1 == n_layers()) return {neuron_acts, attention, neurons};
    const SnapshotLayer& e = earlier_layers.at(static_cast<std::size_t>(l));
    return {e.neuron_acts, e.attention, e.neurons};
  }
};

// What a snapshot holds of the progress measures.
enum class SnapshotScope {
  // Every measure (what `analyze` prints).
  all,
  // What the dashboard draws: of the measures only the logits' 2D norms (Fig. 4 right; the Gini
  // and weight-norm fields too). Its loss curves read the measures training stored in the run
  // file, so a scrub skips the losses' ~55 ms on mainline.
  views,
  // The views while the logits' 2D view is out of sight (a dock behind another's tab): `views`
  // without measures.logits_2d_norms (left empty; ~6 ms on mainline), which the caller computes
  // with logits_2d_norms(s.logits.data(), s.p, F) once the view is shown or the user rests.
  views_but_logit_norms,
};

// Thrown between an analysis's stages once its cancel flag is set (compute_snapshot,
// CheckpointAnalyzer::analyze): a prefetch the user has overtaken, a window closing.
struct AnalysisCancelled : std::runtime_error {
  AnalysisCancelled() : std::runtime_error("analysis cancelled") {}
};

// What an earlier analysis of the same checkpoint found, so that a snapshot need not compute it
// again: the key set detect_key_components found when training committed the checkpoint (the run
// file's live measures, RunStore::measure_keys: ~10 ms on mainline; s.detected then holds its
// freqs alone), and the neurons' frequencies, FVEs and IPRs (results_cache.h: ~15 ms). What is
// left empty is computed.
struct SnapshotKnown {
  std::optional<std::vector<int>> detected;
  std::vector<NeuronFrequencies> neurons;  // [n_layers], first layer first; or empty
  std::vector<double> neuron_ipr;          // [d_mlp]; or empty
};

// `key_freqs`: the set the restricted / excluded measures use; nullopt = this checkpoint's detected set.
// `known`: see SnapshotKnown (null: everything computed here).
// Throws AnalysisTooLarge when snapshot_bytes(cfg) exceeds analysis_memory_limit(), and
// AnalysisCancelled between stages once `*cancel` is set.
Snapshot compute_snapshot(const Config& cfg, int epoch, const CheckpointWeights& checkpoint, const Dataset& data,
                          const std::optional<std::vector<int>>& key_freqs, const FourierBasis& F,
                          SnapshotScope scope = SnapshotScope::all, const std::atomic<bool>* cancel = nullptr,
                          const SnapshotKnown* known = nullptr);

// The snapshot's forward pass, for ablation_checks (the check table starts from it).
inline PairForward pair_forward(const Snapshot& s) {
  return {s.logits.data(), s.direct_logits.data(), s.neuron_acts.data()};
}

}  // namespace grok
