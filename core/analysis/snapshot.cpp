#include "core/analysis/snapshot.h"
#include "core/base/task.h"

#include <chrono>

#include "core/analysis/measure_registry.h"
#include "core/analysis/mechanism.h"
#include "core/analysis/pair_forward.h"
#include "core/model/model_family.h"

namespace grok {
namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

}  // namespace

Snapshot compute_snapshot(const Config& cfg, int epoch, const CheckpointWeights& ck, const Dataset& data,
                          const std::optional<std::vector<int>>& key_freqs, const FourierBasis& F, SnapshotScope scope,
                          const std::atomic<bool>* cancel, const SnapshotKnown* known) {
  auto stage = [&] {
    if (cancel && cancel->load()) throw AnalysisCancelled();
  };
  check_snapshot_fits(cfg);  // before the spectra: refuse at once
  const auto t_start = Clock::now();
  const int p = Task(cfg).p();
  Snapshot s;
  s.epoch = epoch;
  s.p = p;
  const ModelAnatomy an = model_family(cfg).anatomy(cfg);
  s.n_heads = an.heads;
  s.d_mlp = an.neurons;

  auto t0 = Clock::now();
  s.spectra = weight_spectra(ck, F);
  s.ms.spectra = ms_since(t0);
  stage();

  t0 = Clock::now();
  AllPairForward f = compute_pair_forward(ck, cancel);
  s.logits = std::move(f.logits);
  s.direct_logits = std::move(f.direct_logits);
  s.neuron_acts = std::move(f.neuron_acts);
  s.attention = std::move(f.attention);
  for (LayerForward& l : f.earlier_layers)
    s.earlier_layers.push_back({std::move(l.neuron_acts), std::move(l.attention), {}});
  s.ms.forward = ms_since(t0);
  stage();

  t0 = Clock::now();
  if (known && known->detected)
    s.detected.freqs = *known->detected;
  else
    s.detected = detect_key_components(cfg, s.logits, F, s.spectra.wl_norms);
  const std::vector<int>& keys = key_freqs ? *key_freqs : s.detected.freqs;
  if (scope == SnapshotScope::all) {
    s.measures = measures_from_logits(cfg, s.logits, data, keys, F);
    s.measures.registered = compute_registered_measures({cfg, F, ck, s.spectra, &s.logits, keys});
  } else {
    s.measures.key_freqs = keys;
  }
  if (scope != SnapshotScope::views_but_logit_norms)
    s.measures.logits_2d_norms = logits_2d_norms(s.logits.data(), p, F);
  s.measures.gini_we = s.spectra.gini_we;
  s.measures.gini_wl = s.spectra.gini_wl;
  s.measures.sum_sq_weights = s.spectra.sum_sq_weights;
  s.ms.measures = ms_since(t0);
  stage();

  t0 = Clock::now();
  if (s.d_mlp > 0) {
    if (known && known->neurons.size() == static_cast<std::size_t>(s.n_layers())) {
      s.neurons = known->neurons.back();
      for (std::size_t l = 0; l < s.earlier_layers.size(); l++) s.earlier_layers[l].neurons = known->neurons[l];
    } else {
      s.neurons = neuron_frequencies_of(s.neuron_acts.data(), s.d_mlp, F);
      for (SnapshotLayer& l : s.earlier_layers) l.neurons = neuron_frequencies_of(l.neuron_acts.data(), s.d_mlp, F);
      stage();  // a prefetch the user has overtaken stops before the IPRs too
    }
    const bool ipr_known = known && known->neuron_ipr.size() == static_cast<std::size_t>(s.d_mlp);
    s.neuron_ipr = ipr_known ? known->neuron_ipr : neuron_iprs(ck, F);
  }
  s.ms.neurons = ms_since(t0);
  s.ms.total = ms_since(t_start);
  return s;
}

}  // namespace grok
