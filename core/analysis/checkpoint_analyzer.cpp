#include "core/analysis/checkpoint_analyzer.h"

#include <chrono>
#include <numeric>

#include "core/analysis/layer_checks.h"
#include "core/analysis/measure_registry.h"
#include "core/analysis/pruning_checks.h"

namespace grok {

namespace {

std::atomic<std::uint64_t> g_builds{0};

LayerAnalysis layer_analysis(const Snapshot& s, int l) {
  const SnapshotLayerView v = s.layer(l);
  LayerAnalysis out{v.neurons, {}};
  const std::size_t pairs = static_cast<std::size_t>(s.p) * s.p;
  for (int h = 0; h < s.n_heads; h++) {
    const auto head = v.attention.begin() + static_cast<std::ptrdiff_t>(h * pairs);
    out.attention_to_a.push_back(std::accumulate(head, head + static_cast<std::ptrdiff_t>(pairs), 0.0) /
                                 static_cast<double>(pairs));
  }
  return out;
}

}  // namespace

CheckpointAnalyzer::CheckpointAnalyzer(const Config& cfg)
    : cfg_(cfg), task_(cfg), data_(make_dataset(task_, cfg.seed, cfg.train_fraction, cfg.label_noise)) {
  if (task_.has_group()) basis_ = std::make_unique<FourierBasis>(task_.group());
  g_builds.fetch_add(1);
}

const FourierBasis& CheckpointAnalyzer::basis() const {
  if (!basis_) throw std::logic_error("task " + task_.describe() + ": " + task_.group_reason());
  return *basis_;
}

std::uint64_t CheckpointAnalyzer::builds() { return g_builds.load(); }

std::vector<int> CheckpointAnalyzer::detect_keys(const CheckpointWeights& w) const {
  if (!basis_) return {};
  return detect_key_components(cfg_, w, *basis_, weight_spectra(w, *basis_).wl_norms).freqs;
}

Snapshot CheckpointAnalyzer::snapshot(int epoch, const CheckpointWeights& w,
                                      const std::optional<std::vector<int>>& keys, SnapshotScope scope,
                                      const std::atomic<bool>* cancel, const SnapshotKnown* known) const {
  if (!basis_)
    throw ConfigError("task " + task_.describe() + ": " + task_.group_reason() +
                      ", so its views (spectra, neurons, progress measures) are not defined");
  return compute_snapshot(cfg_, epoch, w, data_, keys, *basis_, scope, cancel, known);
}

AblationChecks CheckpointAnalyzer::checks(const CheckpointWeights& w, const Snapshot& s,
                                          const std::atomic<bool>* cancel, const std::function<void()>& between) const {
  auto stage = [&] {
    if (cancel && cancel->load()) throw AnalysisCancelled();
    if (between) between();
  };
  AblationChecks c = ablation_checks(cfg_, w, s.measures.key_freqs, basis(), pair_forward(s), stage);
  stage();
  append_layer_checks(c, cfg_, w, data_, s);
  stage();
  for (CheckRow& r : pruning_checks(cfg_, w, data_, s, stage)) c.rows.push_back(std::move(r));
  return c;
}

ProgressMeasures CheckpointAnalyzer::measures(const CheckpointWeights& w, const std::optional<std::vector<int>>& keys,
                                              const std::vector<float>* logits) const {
  if (!basis_) return domain_measures(cfg_, w, data_, task_.group_reason(), logits);
  return compute_progress_measures(cfg_, w, data_, keys, *basis_, logits);
}

CheckpointAnalysis CheckpointAnalyzer::analyze(int epoch, const CheckpointWeights& w,
                                               const std::optional<std::vector<int>>& keys,
                                               const std::string& key_selection,
                                               const std::atomic<bool>* cancel) const {
  const auto t0 = std::chrono::steady_clock::now();
  auto stage = [&] {
    if (cancel && cancel->load()) throw AnalysisCancelled();
  };
  CheckpointAnalysis a;
  a.epoch = epoch;
  a.key_selection = key_selection;
  if (!basis_) {  // no group: the losses alone
    a.undefined_reason = task_.group_reason();
    for (const MeasureDef& d : registered_measures()) a.undefined_measures[d.name] = a.undefined_reason;
    a.measures = measures(w, std::nullopt);
    a.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return a;
  }
  a.group = basis_->group();
  a.undefined_measures = undefined_measures(cfg_);
  stage();
  Snapshot s = snapshot(epoch, w, keys, SnapshotScope::all);
  stage();
  a.checks = checks(w, s);
  for (int l = 0; l < s.n_layers(); l++) a.layers.push_back(layer_analysis(s, l));
  a.spectra = std::move(s.spectra);
  a.detected = std::move(s.detected);
  a.measures = std::move(s.measures);
  a.neurons = std::move(s.neurons);
  a.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return a;
}

}  // namespace grok
