// Fourier views of a checkpoint's weights (paper Fig. 3, Section 5.1), computed from stored
// tensors with no model evaluation: fast enough for every checkpoint of a live run.
//
//   W_E Fourier norms: W_E's columns of the group's tokens in element order (operation_group.h: the
//   tokens themselves for a + b, a - b; g^i for a * b, a / b, token 0 left out), transformed along
//   them, L2 norm over d_model. A family with an embedding per operand (the MLPs) has a spectrum
//   per operand and, as W_E's, that of the two side by side ([n, 2 D]).
//   W_L Fourier norms: W_L = W_U[:, outputs]^T W_out [n, d_mlp] ('=' logit dropped, outputs in
//   element order), transformed along the logit axis, L2 norm over neurons. The last layer's W_out
//   for deeper models, as the paper defines W_L; an MLP's unembedding (anatomy_maps.h: logit_map).
#pragma once

#include <vector>

#include "core/analysis/fourier_basis.h"
#include "core/base/config.h"
#include "core/base/tensor_blob.h"
#include "core/model/checkpoint_weights.h"

namespace grok {

struct WeightSpectra {
  std::vector<double> we_norms;                // [n], basis order of FourierBasis (n: the group's order)
  std::vector<double> we_norms_a, we_norms_b;  // [n] each operand's, when each has its own; else empty
  std::vector<double> wl_norms;                // [n]
  std::vector<double> wl_freq_norms;           // [K]: sqrt(cos k^2 + sin k^2) of wl_norms, k = 1..
  double gini_we = 0, gini_wl = 0;             // Gini of we_norms and wl_norms (all n components)
  double sum_sq_weights = 0;                   // over every parameter
};

WeightSpectra weight_spectra(const Config& cfg, const std::vector<NamedArray>& checkpoint, const FourierBasis& F);
// The same from the checkpoint the analysis holds, its W_L formed once (anatomy_maps.h).
WeightSpectra weight_spectra(const CheckpointWeights& checkpoint, const FourierBasis& F);

// Key frequencies from the W_L spectrum [n] by an n-agnostic rule: take frequencies in decreasing
// order of energy (squared norm) while each holds at least 3 times the uniform share 1/K of the
// non-constant energy, at most K/4 of them. Energy is counted per component: the sign character of
// even n (cos only) counts its squared norm twice. A flat spectrum (nothing passes) is "none yet".
// Mainline: 5 frequencies holding ~99 % of the energy, each ~10x the uniform share.
struct KeyFrequencies {
  std::vector<int> freqs;     // ascending
  std::vector<double> share;  // energy share of every frequency k = 1.., [K]
  bool none_yet() const { return freqs.empty(); }
};
KeyFrequencies detect_key_frequencies(const std::vector<double>& wl_norms);
// The same for any group's basis: per component (irrep), against its uniform share weighted by its
// span's dimension; the cyclic rule above for a cyclic basis.
KeyFrequencies detect_key_frequencies(const std::vector<double>& wl_norms, const FourierBasis& F);

}  // namespace grok
