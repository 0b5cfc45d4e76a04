#include "core/analysis/mechanism.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <map>
#include <mutex>
#include <numeric>

#include "core/analysis/internal/pair_blocks.h"
#include "core/analysis/pair_forward.h"
#include "core/analysis/weight_spectra.h"
#include "core/base/task.h"
#include "core/data/python_random.h"
#include "core/model/anatomy_maps.h"
#include "core/model/internal/checkpoint_weights.h"
#include "core/model/internal/model_family_impl.h"

namespace grok {

namespace {

constexpr int kTriples = 100;   // Zhong et al.'s sample of (a, b, c)
constexpr int kComponents = 4;  // their first_k principal components

// Their triples for n outputs: every (a, b, c) as a*n^2 + b*n + c, random.Random(42).shuffle, the
// first 100. The shuffle runs over all n^3 (205 379 at their p = 59, 1.4 M at 113: ~20 ms), so it is
// kept per n. Above kShuffleMax (n > 128) the list would outgrow the analysis' memory bound (8 MB
// here; 37.6 MB at n = 211, 4.3 GB at 1021), so the triples are drawn one by one from the same
// generator instead, randrange(n) per coordinate: the same distribution.
constexpr std::int64_t kShuffleMax = std::int64_t{1} << 21;

const std::vector<std::int64_t>& zhong_triples(int n) {
  static std::mutex mutex;
  static std::map<int, std::vector<std::int64_t>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(n);
  if (it != cache.end()) return it->second;
  const std::int64_t cube = std::int64_t{n} * n * n;
  PythonRandom rng(42);
  std::vector<std::int64_t> out;
  if (cube <= kShuffleMax) {
    std::vector<std::uint32_t> all(static_cast<std::size_t>(cube));
    std::iota(all.begin(), all.end(), std::uint32_t{0});
    rng.shuffle(all);
    out.assign(all.begin(), all.begin() + std::min<std::ptrdiff_t>(kTriples, static_cast<std::ptrdiff_t>(all.size())));
  } else {
    for (int t = 0; t < kTriples; t++) {  // a, b, c each below n <= 1024: three draws, one triple
      const std::int64_t a = rng.randbelow(static_cast<std::uint32_t>(n)),
                         b = rng.randbelow(static_cast<std::uint32_t>(n));
      out.push_back((a * n + b) * n + rng.randbelow(static_cast<std::uint32_t>(n)));
    }
  }
  return cache.emplace(n, std::move(out)).first->second;
}

double population_sd(const std::vector<double>& x) {
  const double mean = std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size());
  double sq = 0;
  for (double v : x) sq += (v - mean) * (v - mean);
  return std::sqrt(sq / static_cast<double>(x.size()));
}

// sum_k a_k^4 / (sum_k a_k^2)^2 over the basis components of x (element order, length n).
double ipr_of(const FourierBasis& F, const std::vector<double>& coefficients, std::size_t stride, std::size_t col) {
  auto row = [&](int r) { return coefficients[static_cast<std::size_t>(r) * stride + col]; };
  std::vector<double> energy = {row(0) * row(0)};  // the constant (trivial) component
  for (int k = 1; k <= F.n_freqs(); k++) {
    double e = 0;
    for (int r = F.component_first_row(k); r < F.component_first_row(k) + F.component_rows(k); r++)
      e += row(r) * row(r);
    energy.push_back(e);
  }
  const double total = std::accumulate(energy.begin(), energy.end(), 0.0);
  if (total <= 0) return 0;
  double fourth = 0;
  for (double e : energy) fourth += e * e;
  return fourth / (total * total);
}

}  // namespace

std::string additive_measure_reason(const Config& cfg) {
  if (cfg.task == "add") return {};
  return "defined for the task add (Zhong et al. 2023 arrange its correct logit by a + b and a - b mod p, and its "
         "embedding's circles), not for " +
         Task(cfg).describe();
}

double gradient_symmetricity(const Config& cfg, const CheckpointWeights& weights) {
  const int n = Task(cfg).p();
  const std::vector<std::int64_t>& triples = zhong_triples(n);
  const auto count = static_cast<std::int64_t>(triples.size());
  const at::Tensor t = at::tensor(triples, at::kLong);
  const std::int64_t nn = static_cast<std::int64_t>(n) * n;
  Batch x{t.div(nn, "floor"), t.remainder(nn).div(n, "floor"), t.remainder(n), {}, 0};
  const ModelFamilyImpl& family = model_impl(cfg);
  const Weights& w = tensors(weights);
  at::AutoGradMode grad(true);  // the analysis runs without gradients elsewhere
  auto [a, b] = family.input_vectors(cfg, w, x);
  ForwardOptions o;
  o.input_a = a.detach().clone().requires_grad_(true);
  o.input_b = b.detach().clone().requires_grad_(true);
  const at::Tensor logits = family.forward_reference(cfg, w, x, o, nullptr);  // [N, V]
  // Rows are independent: one backward of the summed picked logits gives each row's own gradients.
  logits.gather(1, x.labels.unsqueeze(1)).sum().backward();
  const at::Tensor ga = o.input_a.grad().to(at::kDouble), gb = o.input_b.grad().to(at::kDouble);
  const at::Tensor cos = (ga * gb).sum(1) / (ga.norm(2, 1) * gb.norm(2, 1));
  return cos.sum().item<double>() / static_cast<double>(count);
}

namespace {

// From the correct logit of every pair [p*p] (token row a*p + b): L[s][d] = correct(a, b), s = a + b,
// d = a - b mod p.
double distance_irrelevance_of(int p, const std::vector<double>& correct) {
  std::vector<double> L(static_cast<std::size_t>(p) * p);  // [s][d]
  for (int a = 0; a < p; a++)
    for (int b = 0; b < p; b++) {
      const int s = (a + b) % p, d = ((a - b) % p + p) % p;
      L[static_cast<std::size_t>(s) * p + d] = correct[static_cast<std::size_t>(a) * p + b];
    }
  double spread = 0;
  std::vector<double> column(static_cast<std::size_t>(p));
  for (int d = 0; d < p; d++) {
    for (int s = 0; s < p; s++) column[static_cast<std::size_t>(s)] = L[static_cast<std::size_t>(s) * p + d];
    spread += population_sd(column);
  }
  const double all = population_sd(L);
  return all > 0 ? spread / p / all : 0.0;
}

}  // namespace

double distance_irrelevance(const Config& cfg, const std::vector<float>& logits) {
  const int p = Task(cfg).p();
  std::vector<double> correct(static_cast<std::size_t>(p) * p);
  for (int a = 0; a < p; a++)
    for (int b = 0; b < p; b++)
      correct[static_cast<std::size_t>(a) * p + b] = logits[(static_cast<std::size_t>(a) * p + b) * p + (a + b) % p];
  return distance_irrelevance_of(p, correct);
}

double distance_irrelevance(const Config& cfg, const CheckpointWeights& weights) {
  // Block by block (pair_blocks.h): only the p^2 correct logits are kept, so memory stays the
  // measures' bound, not the p^3 of an all-pairs forward.
  const int p = Task(cfg).p();
  const std::unique_ptr<PairSource> src = computed_pairs(cfg, weights, /*all=*/false);
  std::vector<double> correct(static_cast<std::size_t>(p) * p);
  for (std::size_t i = 0; i < src->size(); i++) {
    const ForwardBlock b = src->block(i);
    for (std::int64_t k = 0; k < b.pairs; k++) {
      const std::int64_t pair = b.first + k;
      const auto row = static_cast<std::size_t>(src->pairs().token_row[static_cast<std::size_t>(pair)]);
      correct[row] = b.data.logits[k * p + src->pairs().label[static_cast<std::size_t>(pair)]];
    }
  }
  return distance_irrelevance_of(p, correct);
}

namespace {

// Zhong et al.'s circularity of one embedding E [p, D] (token order).
double circularity_of(at::Tensor E) {
  const std::int64_t p = E.size(0);
  E = E - E.mean(0, true);
  const auto usv = at::linalg_svd(E, false);
  const at::Tensor scores = std::get<0>(usv) * std::get<1>(usv);  // [p, min(p, D)]: PCA's fit_transform
  const int k = static_cast<int>(std::min<std::int64_t>(kComponents, scores.size(1)));
  std::vector<std::complex<double>> root(static_cast<std::size_t>(p));  // e^(2 pi i t / p)
  for (std::int64_t t = 0; t < p; t++) root[static_cast<std::size_t>(t)] = std::polar(1.0, 2 * M_PI * t / p);
  double total = 0;
  for (int c = 0; c < k; c++) {
    const at::Tensor v = scores.select(1, c).contiguous();
    const double norm = v.norm().item<double>() * std::sqrt(static_cast<double>(p));
    const double* vs = v.data_ptr<double>();
    double best = 0;
    for (std::int64_t i = 1; i < p; i++) {
      std::complex<double> sum = 0;
      for (std::int64_t t = 0; t < p; t++) sum += vs[(t * i) % p] / norm * root[static_cast<std::size_t>(t)];
      best = std::max(best, 2 * std::norm(sum));
    }
    total += std::clamp(best, 0.0, 1.0);
  }
  return k > 0 ? total / k : 0.0;
}

at::Tensor as_tensor(Matrix64 m) {  // [rows, cols] float64, owning
  return at::tensor(m.v, at::kDouble).reshape({m.rows, m.cols});
}

}  // namespace

double circularity(const Config& cfg, const CheckpointWeights& weights) {
  const int p = Task(cfg).p();
  std::vector<int> tokens(static_cast<std::size_t>(p));
  std::iota(tokens.begin(), tokens.end(), 0);
  // One embedding, or the mean over the operands' own (an MLP's W_x and W_y).
  const bool shared = model_family(cfg).anatomy(cfg).shared_embedding();
  double sum = 0;
  for (int o = 0; o < (shared ? 1 : 2); o++)
    sum += circularity_of(as_tensor(operand_embedding(cfg, weights.arrays(), o, tokens)));
  return shared ? sum : sum / 2;
}

std::vector<double> neuron_iprs(const CheckpointWeights& weights, const FourierBasis& F) {
  const std::vector<int>& token = F.group().token;  // element order
  // The maps' products run over the threads (times_transpose); their transforms, independent, one
  // a thread (FFTW runs each on one: the scrub waited on three one after another).
  Matrix64 maps[3];  // a's input map, b's, the output map: [n, M]
  maps[0] = neuron_inputs(weights, 0, token);
  if (maps[0].empty()) return {};  // no neurons
  maps[1] = neuron_inputs(weights, 1, token), maps[2] = logit_map(weights, token);
  const int M = static_cast<int>(maps[0].cols);
  std::vector<double> c[3];  // each transformed over n
  at::parallel_for(0, 3, 1, [&](std::int64_t i0, std::int64_t i1) {
    for (std::int64_t i = i0; i < i1; i++) c[i] = F.transform_cols(maps[i].v, static_cast<int>(maps[i].cols));
  });
  const std::vector<double>&a_c = c[0], &b_c = c[1], &out_c = c[2];
  std::vector<double> out(static_cast<std::size_t>(M));
  for (int m = 0; m < M; m++)  // Doshi et al.'s (U + V + W) / 3: each operand's input map, the output map
    out[static_cast<std::size_t>(m)] = (ipr_of(F, a_c, M, m) + ipr_of(F, b_c, M, m) + ipr_of(F, out_c, M, m)) / 3;
  return out;
}

std::vector<MeasureDef> mechanism_measures() {
  auto needs_neurons = [](const Config& c) -> std::string {
    const ModelAnatomy an = model_family(c).anatomy(c);
    return an.neurons > 0 && !an.embedding_a.empty() ? "" : "the model has no MLP neurons";
  };
  return {
      {"gradient_symmetricity", [](const MeasureInputs& in) { return gradient_symmetricity(in.cfg, in.weights); },
       [](const Config& c) -> std::string {
         return model_family(c).anatomy(c).shared_embedding()
                    ? ""
                    : "the operands have embeddings of their own: the two gradients live in different spaces";
       }},
      {"distance_irrelevance",
       [](const MeasureInputs& in) {
         return in.logits ? distance_irrelevance(in.cfg, *in.logits) : distance_irrelevance(in.cfg, in.weights);
       },
       additive_measure_reason},
      {"circularity", [](const MeasureInputs& in) { return circularity(in.cfg, in.weights); },
       [](const Config& c) -> std::string {
         if (std::string why = additive_measure_reason(c); !why.empty()) return why;
         return model_family(c).anatomy(c).embedding_a.empty() ? "the model has no token embedding" : "";
       }},
      {"mean_ipr",
       [](const MeasureInputs& in) {
         const std::vector<double> ipr = neuron_iprs(in.weights, in.basis);
         return std::accumulate(ipr.begin(), ipr.end(), 0.0) / static_cast<double>(ipr.size());
       },
       needs_neurons},
  };
}

}  // namespace grok
