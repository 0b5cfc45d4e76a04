#include "core/analysis/checkpoint_analysis.h"

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>

#include "core/analysis/layer_checks.h"
#include "core/base/task.h"
#include "core/model/model_family.h"

namespace grok {

namespace {

// Analysis reads tensors a damaged file may hold wrongly; report it as the file's problem.
template <typename F>
auto as_run_file_error(const RunStore& store, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const RunFileError&) {
    throw;
  } catch (const ConfigError&) {  // AnalysisTooLarge: the config's size, not the file
    throw;
  } catch (const std::runtime_error& e) {
    throw RunFileError(RunFileError::Kind::Damaged, store.path() + ": damaged run file (" + e.what() + ")");
  }
}

// A stored checkpoint as the analyzer's weights: held to the run's model family first
// (CheckpointWeights), a mismatch reported as the file's, naming the checkpoint.
CheckpointWeights stored_weights(const RunStore& store, const CheckpointAnalyzer& an, int epoch) {
  std::vector<NamedArray> ck = store.load_checkpoint(epoch);
  try {
    return an.weights(std::move(ck));
  } catch (const std::runtime_error& e) {
    std::string m = e.what();
    if (m.rfind("checkpoint: ", 0) == 0) m = m.substr(12);
    throw RunFileError(RunFileError::Kind::Damaged,
                       store.path() + ": damaged run file (checkpoint " + std::to_string(epoch) + ": " + m + ")");
  }
}

nlohmann::json neurons_json(const NeuronFrequencies& n) {
  nlohmann::json clusters = nlohmann::json::object();
  for (auto [k, count] : n.clusters(0.85)) clusters[std::to_string(k)] = count;
  return {{"neurons_fve_above_85", n.count_above(0.85)},
          {"neurons", n.freq.size()},
          {"neuron_clusters", clusters},
          {"neuron_freq", n.freq},
          {"neuron_fve", n.fve}};
}

}  // namespace

CheckpointAnalysis analyze_checkpoint(const RunStore& store, int epoch, const KeySelection& keys) {
  const auto t0 = std::chrono::steady_clock::now();
  const CheckpointAnalyzer an(store.config());
  CheckpointAnalysis a = as_run_file_error(store, [&] {
    const CheckpointWeights w = stored_weights(store, an, epoch);
    std::optional<std::vector<int>> use;  // live: the snapshot's own detected set
    if (keys.kind == KeySelection::Given) use = keys.freqs;
    if (keys.kind == KeySelection::Final)
      use = an.detect_keys(stored_weights(store, an, store.checkpoint_epochs().back()));
    return an.analyze(epoch, w, use, keys.describe());
  });
  a.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return a;
}

int fill_missing_measures(RunStore& store, const KeySelection& keys, const std::function<void(int, int)>& progress,
                          const std::atomic<bool>* cancel) {
  const CheckpointAnalyzer an(store.config());
  const std::vector<int> epochs = store.checkpoint_epochs();
  std::vector<int> fixed = keys.freqs;
  if (keys.kind == KeySelection::Final && !epochs.empty())
    fixed = as_run_file_error(store, [&] { return an.detect_keys(stored_weights(store, an, epochs.back())); });
  const KeySetTag fixed_tag{keys.kind, fixed};
  std::vector<int> have;
  for (const auto& r : store.load_measures(keys.kind))
    if (keys.kind == KeySelection::Live || r.keys == fixed_tag) have.push_back(r.epoch);
  std::vector<int> todo;
  for (int e : epochs)
    if (std::find(have.begin(), have.end(), e) == have.end()) todo.push_back(e);
  std::vector<MeasureRecord> batch;
  int done = 0;
  for (int e : todo) {
    if (cancel && cancel->load()) break;
    as_run_file_error(store, [&] {
      const CheckpointWeights w = stored_weights(store, an, e);
      std::optional<std::vector<int>> use = fixed;
      if (keys.kind == KeySelection::Live) use = std::nullopt;  // each checkpoint's own
      batch.push_back(to_record(e, keys.kind, an.measures(w, use)));
    });
    if (batch.size() == 20) store.store_measures(batch), batch.clear();  // commit as we go
    ++done;
    if (progress) progress(done, static_cast<int>(todo.size()));
  }
  store.store_measures(batch);
  return done;
}

void verify_checkpoints(const RunStore& store) {
  const Config cfg = store.config();
  for (const auto& [epoch, headers] : store.checkpoint_headers())
    if (const std::string m = checkpoint_mismatch(cfg, headers); !m.empty())
      throw RunFileError(RunFileError::Kind::Damaged,
                         store.path() + ": damaged run file (checkpoint " + std::to_string(epoch) + ": " + m + ")");
}

MeasureRecord commit_checkpoint(RunStore& store, const CheckpointAnalyzer& analyzer, int epoch,
                                const CheckpointWeights& weights, const std::vector<EpochMetrics>& metrics,
                                const ResumeState& resume, const std::vector<NumericsRecord>& numerics,
                                const std::vector<float>* logits, double* measures_ms) {
  const auto t0 = std::chrono::steady_clock::now();
  MeasureRecord m = to_record(epoch, KeySelection::Live, analyzer.measures(weights, std::nullopt, logits));
  if (measures_ms)
    *measures_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  store.commit_checkpoint(epoch, weights.arrays(), metrics, resume, {m}, numerics);
  return m;
}

namespace {

// Per irrep (the trivial one first): its dimension and type, the squared norms of W_E's and W_L's
// rows in its span and their shares of the whole, its logit similarity (Chughtai et al.).
nlohmann::json irrep_spectra(const CheckpointAnalysis& a, const FourierBasis& F) {
  const WeightSpectra& s = a.spectra;
  auto energy = [&](const std::vector<double>& norms, int first, int rows) {
    double e = 0;
    for (int r = first; r < first + rows && r < static_cast<int>(norms.size()); r++) e += norms[r] * norms[r];
    return e;
  };
  double we_total = energy(s.we_norms, 0, F.n()), wl_total = energy(s.wl_norms, 0, F.n());
  nlohmann::json out = nlohmann::json::array();
  for (int k = 0; k <= F.n_freqs(); k++) {
    const int first = k ? F.component_first_row(k) : 0, rows = k ? F.component_rows(k) : 1;
    const double we = energy(s.we_norms, first, rows), wl = energy(s.wl_norms, first, rows);
    nlohmann::json o = {{"name", k ? F.component_name(k) : "trivial"},
                        {"index", k},
                        {"dim", k ? F.component_dim(k) : 1},
                        {"span_dim", rows},
                        {"we_energy", we},
                        {"we_share", we_total > 0 ? we / we_total : 0.0},
                        {"wl_energy", wl},
                        {"wl_share", wl_total > 0 ? wl / wl_total : 0.0}};
    if (const GroupIrreps* R = F.irreps()) o["type"] = R->irreps[static_cast<std::size_t>(k)].type_name();
    o["logit_similarity"] = k && k <= static_cast<int>(a.measures.logit_similarity.size())
                                ? nlohmann::json(a.measures.logit_similarity[k - 1])
                                : nlohmann::json();
    out.push_back(o);
  }
  return out;
}

}  // namespace

nlohmann::json to_json(const CheckpointAnalysis& a) {
  const ProgressMeasures& m = a.measures;
  if (!a.undefined_reason.empty()) {  // no group: the losses, and every other field null with its reason
    nlohmann::json j = {{"epoch", a.epoch},           {"key_selection", a.key_selection},  {"seconds", a.seconds},
                        {"train_loss", m.train_loss}, {"test_loss", m.test_loss},          {"train_acc", m.train_acc},
                        {"test_acc", m.test_acc},     {"sum_sq_weights", m.sum_sq_weights}};
    for (const char* f : {"basis",
                          "checks",
                          "logit_fit_fve",
                          "wl_norm_outside_key",
                          "detected_key_freqs",
                          "key_freqs_used",
                          "key_irreps",
                          "logits_explained",
                          "irrep_spectra",
                          "we_fourier_norms",
                          "wl_fourier_norms",
                          "excluded_loss_per_key",
                          "cos_abc_coefficients",
                          "logits_2d_fourier_norms",
                          "restricted_loss_test",
                          "restricted_loss_all",
                          "restricted_acc_test",
                          "excluded_loss_train",
                          "max_excluded_loss",
                          "max_excluded_freq",
                          "gini_we",
                          "gini_wl",
                          "neurons_fve_above_85",
                          "neuron_clusters",
                          "layers"}) {
      j[f] = nullptr;
      j[std::string(f) + "_reason"] = a.undefined_reason + ": the measures of a group's irreps are not defined";
    }
    for (const auto& [name, why] : a.undefined_measures) j[name] = nullptr, j[name + "_reason"] = why;
    return j;
  }
  nlohmann::json checks = nlohmann::json::array();
  for (const auto& r : a.checks.rows)
    checks.push_back({{"check", r.check}, {"loss", r.loss}, {"accuracy", r.accuracy}});
  const OperationGroup& g = a.group;
  const FourierBasis F(g);
  // The basis every Fourier field is in (operation_group.h); the generator of Z_p under + is 1.
  const nlohmann::json basis = {{"group", g.name()},
                                {"order", g.n},
                                {"generator", g.multiplicative() ? g.generator : 1},
                                {"coordinate", g.coordinate()},
                                {"operation", g.task},
                                {"task", g.task},
                                {"layout", F.cyclic() ? "frequencies" : "irreps"},
                                {"outside_pairs", m.outside_pairs}};
  nlohmann::json key_irreps = nlohmann::json::array();
  for (int k : m.key_freqs) key_irreps.push_back(F.component_name(k));
  nlohmann::json j = {{"epoch", a.epoch},
                      {"basis", basis},
                      {"checks", checks},
                      {"logit_fit_fve", a.checks.logit_fit_fve},
                      {"wl_norm_outside_key", a.checks.wl_norm_outside_key},
                      {"key_selection", a.key_selection},
                      {"detected_key_freqs", a.detected.freqs},
                      {"key_freqs_used", m.key_freqs},
                      {"key_irreps", key_irreps},
                      {"logits_explained", m.logits_explained},
                      {"logit_similarity", m.logit_similarity},
                      {"irrep_spectra", irrep_spectra(a, F)},
                      {"we_fourier_norms", a.spectra.we_norms},
                      {"wl_fourier_norms", a.spectra.wl_norms},
                      {"excluded_loss_per_key", m.excluded_loss_per_key},
                      {"cos_abc_coefficients", m.cos_abc_coefficients},
                      {"logits_2d_fourier_norms", m.logits_2d_norms},
                      {"seconds", a.seconds}};
  j.update(neurons_json(a.neurons));  // the last layer's, at the top level as before
  nlohmann::json layers = nlohmann::json::array();
  for (std::size_t l = 0; l < a.layers.size(); l++) {
    nlohmann::json o = {{"layer", l}, {"attention_to_a_mean", a.layers[l].attention_to_a}};
    o.update(neurons_json(a.layers[l].neurons));
    layers.push_back(o);
  }
  j["layers"] = layers;
  // The scalar measures under the names the run file stores them by (train_loss, gini_wl, ...); the
  // record's key set tag is not used (key_selection above says it).
  for (const auto& [name, value] : to_record(a.epoch, KeySelection::Live, m).values)
    if (name.rfind("excluded_loss_k", 0) != 0) j[name] = value;
  for (const auto& [name, why] : a.undefined_measures) j[name] = nullptr, j[name + "_reason"] = why;
  return j;
}

}  // namespace grok
