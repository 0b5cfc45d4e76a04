// Each MLP neuron's dominant frequency and the fraction of its variance that frequency explains
// (paper Fig. 5 and Table 1; REFERENCE.md s.5, the authors' `calculate_key_freqs` +
// `extract_freq_2d`): centre the neuron's activation over the group's pairs (i, j) (operation_group.h:
// (a, b) itself for a + b; the discrete logs for a * b, the pairs with a zero operand left out),
// transform it in the group's 2D Fourier basis, and for each k sum the squares of the 3 x 3 block
// {const, cos k, sin k}^2; the FVE is that sum over the total. The block holds the i-only, j-only and
// (i, j) terms of frequency k. The paper's mainline: 433 of 512 neurons above 85 %.
//
// The activations come from the analysis's all-pairs forward (pair_forward.h; a Snapshot holds
// them) and are read block by block (internal/pair_blocks.h), so the transform's temporaries stay
// within a block's bytes. Threading: uses the intra-op threads; results do not depend on them.
//
//   NeuronFrequencies nf = neuron_frequencies_of(snapshot.neuron_acts.data(), cfg.d_mlp, F);
#pragma once

#include <map>
#include <optional>
#include <vector>

#include "core/analysis/fourier_basis.h"

namespace grok {

struct NeuronFrequencies {
  std::vector<int> freq;    // [M] dominant frequency k (1..K of the group); 0 for a dead (constant) neuron
  std::vector<double> fve;  // [M] its fraction of variance explained, 0..1
  // Neurons with FVE >= threshold, counted by frequency.
  std::map<int, int> clusters(double threshold = 0.85) const;
  int count_above(double threshold = 0.85) const;
  // Up to `count` neurons worth showing, never a dead one. With `only_freq`: that frequency's
  // neurons, best FVE first. Without: the best neuron of each frequency (most populous frequency
  // first), so a small grid shows every cluster; then the best remaining neurons.
  std::vector<int> representatives(int count, std::optional<int> only_freq = std::nullopt) const;
};

// From activations [p*p, M] row-major over token pairs (a*p + b), float32: what snapshots hold.
// One pass over the activations (sums by i, j, i o j and, cyclic, i - j), then [n, n] x [n, M]
// transforms: ~5 ms on mainline where the transform below takes ~20.
NeuronFrequencies neuron_frequencies_of(const float* acts, int M, const FourierBasis& F);
// The same by the definition: the 2D transform Y = B X B^T itself (float32 products), and for
// other groups the irrep sums by index_add. The plain path the one above is tested against
// (tests/test_fourier); they agree to float rounding.
NeuronFrequencies neuron_frequencies_reference(const float* acts, int M, const FourierBasis& F);
// From activations [p*p, M] row-major over pairs (a*p + b), float64 (made float32 first).
NeuronFrequencies neuron_frequencies_from_activations(const std::vector<double>& acts, int M, const FourierBasis& F);

}  // namespace grok
