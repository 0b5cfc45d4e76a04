// Which algorithm a model runs, as the follow-up papers measure it: Zhong, Liu, Tegmark and Andreas
// 2023's three measures that tell the "clock" (the paper's Fourier multiplication) from the "pizza",
// and Doshi et al. 2024's inverse participation ratio of each neuron in the task's Fourier / irrep
// basis. Registered measures (measure_registry.h): computed for every checkpoint, stored, printed by
// `analyze --json`, each null with a reason where its definition does not apply.
//
// The definitions, as Zhong et al.'s evaluation notebook (code/eval-main.ipynb) computes them:
//   gradient_symmetricity: the mean over 100 triples (a, b, c) of the cosine between the gradients
//     of logit c with respect to the two operands' input vectors (their embeddings, before the
//     position embedding). The triples are theirs: every (a, b, c) in a*n^2 + b*n + c order,
//     random.Random(42).shuffle, the first 100 (for n > 128, where the list would outgrow the
//     analysis' memory bound, 100 triples drawn from the same generator). Any task; a model whose
//     operands share one embedding (not the MLPs, whose gradients would live in different spaces).
//   distance_irrelevance: the correct logit over every pair, arranged L[s][d] with s = a + b and
//     d = a - b mod p; the mean over d of the standard deviation over s, over the standard
//     deviation of all of L (population standard deviations). The task add only (a + b mod p).
//   circularity: the token embeddings (rows of W_E^T, tokens 0..p-1) centred, their top 4 principal
//     components; each component v normalised to |v| sqrt(p) = 1, its circularity the largest
//     2 |sum_t v[t i mod p] e^(2 pi i t / p)|^2 over i = 1..p-1, clipped to [0, 1]; the mean of the
//     four. The task add only. An MLP's two embeddings (W_x, W_y; Gromov's fc1 halves): the mean of theirs.
//   mean_ipr: each neuron's inverse participation ratio (r = 2) sum_k a_k^4 / (sum_k a_k^2)^2 of its
//     weights' norms a_k per basis component (the constant one included), averaged over its input
//     map from each operand and its output map (Doshi et al.'s (U + V + W) / 3); the mean over
//     neurons. The input maps are anatomy_maps.h's neuron_inputs: the transformer's W_in W_E over
//     tokens (both operands share it), an MLP's per operand; the output map is the neuron's column of W_L. 1 for a
//     neuron of one component; 1/K spread evenly over K.
//
//   const double gs = gradient_symmetricity(cfg, weights);
//   const std::vector<double> ipr = neuron_iprs(weights, F);  // [d_mlp], for the histogram
//
// Threading: pure functions of their arguments; call from any one thread at a time per weights.
#pragma once

#include <string>
#include <vector>

#include "core/analysis/fourier_basis.h"
#include "core/analysis/measure_registry.h"
#include "core/base/config.h"
#include "core/model/checkpoint_weights.h"

namespace grok {

double gradient_symmetricity(const Config& cfg, const CheckpointWeights& weights);
// `logits`: [n*n, n] every pair's logits in token order (the transformer's '=' dropped); without
// them, computed block by block from the weights (memory bounded as the measures are).
double distance_irrelevance(const Config& cfg, const std::vector<float>& logits);
double distance_irrelevance(const Config& cfg, const CheckpointWeights& weights);
double circularity(const Config& cfg, const CheckpointWeights& weights);
std::vector<double> neuron_iprs(const CheckpointWeights& weights, const FourierBasis& F);

// "" where Zhong et al.'s distance irrelevance and circularity are defined (the task add), else why not.
std::string additive_measure_reason(const Config& cfg);

// The registered forms, in builtin_measures() (measure_registry.cpp).
std::vector<MeasureDef> mechanism_measures();

}  // namespace grok
