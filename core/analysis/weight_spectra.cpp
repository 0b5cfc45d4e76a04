#include "core/analysis/weight_spectra.h"
#include "core/base/task.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "core/model/anatomy_maps.h"

namespace grok {
namespace {

// Row norms of coefficients c [p, cols] -> [p]: L2 over the second axis.
std::vector<double> row_norms(const std::vector<double>& c, int p, int cols) {
  std::vector<double> n(p, 0.0);
  for (int i = 0; i < p; i++) {
    double s = 0;
    for (int j = 0; j < cols; j++)
      s += c[static_cast<std::size_t>(i) * cols + j] * c[static_cast<std::size_t>(i) * cols + j];
    n[i] = std::sqrt(s);
  }
  return n;
}

double sum_of_squares(const NamedArray& a) {
  double s = 0;
  if (a.dtype == DType::F32)
    for (std::int64_t i = 0; i < a.numel(); i++) s += static_cast<double>(a.f32()[i]) * a.f32()[i];
  else if (a.dtype == DType::F64)
    for (std::int64_t i = 0; i < a.numel(); i++) s += a.f64()[i] * a.f64()[i];
  else
    throw std::runtime_error("tensor " + a.name + " is not floating point");
  return s;
}

// `wl`: W_L's rows of the group's tokens in element order (logit_map).
WeightSpectra spectra_with(const Config& cfg, const std::vector<NamedArray>& ck, const FourierBasis& F,
                           const Matrix64& wl) {
  const int n = F.n();
  const std::vector<int>& token = F.group().token;  // element -> token: the spectra run over the group
  const ModelAnatomy an = model_family(cfg).anatomy(cfg);
  WeightSpectra s;
  // The embeddings' columns of the group's tokens as [n, D] rows in element order, transformed
  // along them. (For a - b and a / b, b's element is minus a's: the norms are the same either way.)
  const Matrix64 ea = operand_embedding(cfg, ck, 0, token);
  if (!ea.empty()) {
    s.we_norms = row_norms(F.transform_cols(ea.v, static_cast<int>(ea.cols)), n, static_cast<int>(ea.cols));
    if (!an.shared_embedding()) {
      const Matrix64 eb = operand_embedding(cfg, ck, 1, token);
      s.we_norms_a = s.we_norms;
      s.we_norms_b = row_norms(F.transform_cols(eb.v, static_cast<int>(eb.cols)), n, static_cast<int>(eb.cols));
      for (int r = 0; r < n; r++) s.we_norms[r] = std::hypot(s.we_norms_a[r], s.we_norms_b[r]);
    }
  }
  const int M = static_cast<int>(wl.cols);
  s.wl_norms = row_norms(F.transform_cols(wl.v, M), n, M);
  for (int k = 1; k <= F.n_freqs(); k++) {
    const int r0 = F.component_first_row(k), m = F.component_rows(k);
    double sq = 0;
    for (int r = r0; r < r0 + m; r++) sq += s.wl_norms[r] * s.wl_norms[r];
    s.wl_freq_norms.push_back(m == 2 ? std::hypot(s.wl_norms[r0], s.wl_norms[r0 + 1]) : std::sqrt(sq));
  }
  s.gini_we = gini(s.we_norms);
  s.gini_wl = gini(s.wl_norms);
  for (const auto& a : ck) s.sum_sq_weights += sum_of_squares(a);
  return s;
}

const std::vector<int>& group_tokens(const Config& cfg, const FourierBasis& F) {
  if (F.group().p != Task(cfg).p() || F.group().task != cfg.task)
    throw std::invalid_argument("weight_spectra: basis for another operation or p");
  return F.group().token;
}

}  // namespace

WeightSpectra weight_spectra(const Config& cfg, const std::vector<NamedArray>& ck, const FourierBasis& F) {
  return spectra_with(cfg, ck, F, logit_map(cfg, ck, group_tokens(cfg, F)));
}

WeightSpectra weight_spectra(const CheckpointWeights& w, const FourierBasis& F) {
  return spectra_with(w.config(), w.arrays(), F, logit_map(w, group_tokens(w.config(), F)));
}

KeyFrequencies detect_key_frequencies(const std::vector<double>& wl_norms) {
  const int n = static_cast<int>(wl_norms.size()), K = n / 2;  // n even: K = n/2 is the sign character
  KeyFrequencies out;
  std::vector<double> energy(K);
  // Energy per component: the sign character of even n has one component (no sine), so its energy
  // counts twice, as a frequency with the same amplitude on both would hold. (Trained a * b and
  // a / b models use it: ~9 % of W_L's energy, just under the threshold when counted once.)
  for (int k = 1; k <= K; k++)
    energy[k - 1] = 2 * k < n ? wl_norms[2 * k - 1] * wl_norms[2 * k - 1] + wl_norms[2 * k] * wl_norms[2 * k]
                              : 2 * wl_norms[2 * k - 1] * wl_norms[2 * k - 1];
  const double total = std::accumulate(energy.begin(), energy.end(), 0.0);
  out.share.assign(K, 0.0);
  if (total <= 0) return out;
  for (int k = 0; k < K; k++) out.share[k] = energy[k] / total;
  std::vector<int> order(K);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) { return energy[a] > energy[b]; });
  const double threshold = 3.0 / K;
  const int most = std::max(1, K / 4);
  for (int i = 0; i < most && out.share[order[i]] >= threshold; i++) out.freqs.push_back(order[i] + 1);
  std::sort(out.freqs.begin(), out.freqs.end());
  return out;
}

}  // namespace grok

namespace grok {

KeyFrequencies detect_key_frequencies(const std::vector<double>& wl_norms, const FourierBasis& F) {
  if (F.cyclic()) return detect_key_frequencies(wl_norms);
  // Energy per irrep against its uniform share, which is weighted by the span's dimension d^2 / e:
  // the same rule as the cyclic one (where the sign character's one row counts twice).
  const int K = F.n_freqs();
  KeyFrequencies out;
  std::vector<double> energy(K), ratio(K);
  double total = 0, dims = 0;
  for (int k = 1; k <= K; k++) {
    for (int r = 0; r < F.component_rows(k); r++)
      energy[k - 1] += wl_norms[F.component_first_row(k) + r] * wl_norms[F.component_first_row(k) + r];
    total += energy[k - 1], dims += F.component_rows(k);
  }
  out.share.assign(K, 0.0);
  if (total <= 0) return out;
  for (int k = 0; k < K; k++)
    out.share[k] = energy[k] / total, ratio[k] = out.share[k] * dims / F.component_rows(k + 1);
  std::vector<int> order(K);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) { return ratio[a] > ratio[b]; });
  const int most = std::max(3, K / 4);  // Chughtai et al.'s S5 models use two or three of seven
  for (int i = 0; i < most && ratio[order[i]] >= 3.0; i++) out.freqs.push_back(order[i] + 1);
  std::sort(out.freqs.begin(), out.freqs.end());
  return out;
}

}  // namespace grok
