#include "core/experiments/run_summary.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/analysis/phases.h"
#include "core/base/key_selection.h"
#include "core/store/run_store.h"

namespace grok {
namespace {

// The varied fields of a row but the seed, which every table shows in a column of its own.
std::vector<std::pair<std::string, std::string>> setting_of(const RunSummary& r) {
  std::vector<std::pair<std::string, std::string>> s;
  for (const auto& kv : r.varied)
    if (kv.first != "seed") s.push_back(kv);
  return s;
}

std::string epoch_text(int e) { return e < 0 ? "-" : std::to_string(e); }

std::string number_text(double x, const char* fmt = "%.4g") {
  if (std::isnan(x)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, fmt, x);
  return buf;
}

// CSV quoting for the few fields that may hold a comma (file names).
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

}  // namespace

const char* to_string(LiuPhase p) {
  switch (p) {
    case LiuPhase::Comprehension: return "comprehension";
    case LiuPhase::Grokking: return "grokking";
    case LiuPhase::Memorisation: return "memorisation";
    case LiuPhase::Confusion: return "confusion";
  }
  return "?";
}

void classify_liu(const std::vector<EpochMetrics>& metrics, const LiuThresholds& th, RunSummary& s) {
  s.t_train = s.t_test = -1;
  for (const EpochMetrics& m : metrics) {
    if (s.t_train < 0 && m.train_acc >= th.train_acc) s.t_train = m.epoch;
    if (s.t_test < 0 && !std::isnan(m.test_acc) && m.test_acc >= th.test_acc) s.t_test = m.epoch;
  }
  if (s.t_train < 0)
    s.phase = LiuPhase::Confusion;
  else if (s.t_test < 0)
    s.phase = LiuPhase::Memorisation;
  else
    s.phase = s.t_test - s.t_train < th.comprehension_gap ? LiuPhase::Comprehension : LiuPhase::Grokking;
}

RunSummary summarize_run(const RunStore& store, const LiuThresholds& th) {
  RunSummary s;
  s.path = store.path();
  s.config = store.config();
  s.complete = store.complete();
  const std::vector<int> ck = store.checkpoint_epochs();
  if (!ck.empty()) s.last_epoch = ck.back();
  const std::string early = store.meta("stopped_early_at");
  if (!early.empty()) s.stopped_early = std::atoi(early.c_str());
  // Only what the newest checkpoint covers: a running trainer's later rows are not committed yet.
  const std::vector<EpochMetrics> metrics = store.metrics(0, s.last_epoch < 0 ? -1 : s.last_epoch);
  for (const EpochMetrics& m : metrics) {
    s.final_train_loss = m.train_loss, s.final_train_acc = m.train_acc;
    s.final_train_acc_true = m.train_acc_true, s.final_corrupted_acc = m.corrupted_acc;
    s.final_corrupted_acc_true = m.corrupted_acc_true;
    if (std::isnan(m.test_loss)) continue;
    s.final_test_loss = m.test_loss, s.final_test_acc = m.test_acc;
    if (s.grok_epoch < 0 && m.test_acc >= kGrokAccuracy) s.grok_epoch = m.epoch;
    if (s.test_loss_below_0_1 < 0 && m.test_loss < 0.1) s.test_loss_below_0_1 = m.epoch;
  }
  classify_liu(metrics, th, s);
  const Phases ph = detect_phases(metrics, sum_sq_weights_series(store));
  s.memorisation_end = ph.memorisation_end;
  s.circuit_formation_end = ph.circuit_formation_end;
  s.cleanup_end = ph.cleanup_end;
  for (const MeasureRecord& m : store.load_measures(KeySelection::Live))
    if (m.epoch == s.last_epoch) s.key_freqs = m.keys.freqs, s.final_measures = m.values;
  s.noise_phase = classify_noise(s);
  return s;
}

const std::vector<std::string>& summary_stat_columns() {
  static const std::vector<std::string> cols = {
      "memorisation_end", "grok_epoch", "test_loss_below_0.1", "circuit_formation_end", "cleanup_end",
      "t_train",          "t_test",     "final_train_loss",    "final_test_loss",
  };
  return cols;
}

NoisePhase classify_noise(const RunSummary& s) {
  if (std::isnan(s.final_train_acc_true) || std::isnan(s.final_test_acc)) return NoisePhase::None;
  if (s.final_test_acc >= 0.9) {
    if (s.final_corrupted_acc >= 0.9) return NoisePhase::Coexistence;
    return s.final_corrupted_acc_true >= 0.9 ? NoisePhase::FullInversion : NoisePhase::PartialInversion;
  }
  return s.final_train_acc >= 0.9 ? NoisePhase::Memorisation : NoisePhase::Forgetting;
}

const char* to_string(NoisePhase p) {
  switch (p) {
    case NoisePhase::Coexistence: return "coexistence";
    case NoisePhase::PartialInversion: return "partial inversion";
    case NoisePhase::FullInversion: return "full inversion";
    case NoisePhase::Memorisation: return "memorisation";
    case NoisePhase::Forgetting: return "forgetting";
    case NoisePhase::None: break;
  }
  return "";
}

const std::vector<std::string>& summary_figure_columns() {
  static const std::vector<std::string> cols = [] {
    std::vector<std::string> c = summary_stat_columns();
    for (const char* x :
         {"final_train_acc", "final_test_acc", "final_train_acc_true", "final_corrupted_acc",
          "final_corrupted_acc_true", "gradient_symmetricity", "distance_irrelevance", "circularity", "mean_ipr"})
      c.push_back(x);
    return c;
  }();
  return cols;
}

double summary_value(const RunSummary& r, const std::string& c) {
  auto e = [](int x) { return x < 0 ? NAN : double(x); };
  if (c == "memorisation_end") return e(r.memorisation_end);
  if (c == "grok_epoch") return e(r.grok_epoch);
  if (c == "test_loss_below_0.1") return e(r.test_loss_below_0_1);
  if (c == "circuit_formation_end") return e(r.circuit_formation_end);
  if (c == "cleanup_end") return e(r.cleanup_end);
  if (c == "t_train") return e(r.t_train);
  if (c == "t_test") return e(r.t_test);
  if (c == "final_train_loss") return r.final_train_loss;
  if (c == "final_test_loss") return r.final_test_loss;
  if (c == "final_train_acc") return r.final_train_acc;
  if (c == "final_test_acc") return r.final_test_acc;
  if (c == "final_train_acc_true")
    return std::isnan(r.final_train_acc_true) ? r.final_train_acc : r.final_train_acc_true;
  if (c == "final_corrupted_acc") return r.final_corrupted_acc;
  if (c == "final_corrupted_acc_true") return r.final_corrupted_acc_true;
  if (const auto it = r.final_measures.find(c); it != r.final_measures.end()) return it->second;
  return NAN;
}

std::vector<SeedAggregate> aggregate_seeds(const std::vector<RunSummary>& rows) {
  std::vector<SeedAggregate> out;
  for (std::size_t i = 0; i < rows.size(); i++) {
    const auto setting = setting_of(rows[i]);
    auto it = std::find_if(out.begin(), out.end(), [&](const SeedAggregate& a) { return a.setting == setting; });
    if (it == out.end()) it = out.insert(out.end(), SeedAggregate{setting, {}, {}, {}});
    it->runs.push_back(static_cast<int>(i));
    it->phases[rows[i].phase]++;
  }
  for (SeedAggregate& a : out)
    for (const std::string& c : summary_stat_columns()) {
      std::vector<double> v;
      for (int i : a.runs)
        if (const double x = summary_value(rows[i], c); !std::isnan(x)) v.push_back(x);
      SeedAggregate::Stat& st = a.stats[c];
      st.n = static_cast<int>(v.size());
      if (v.empty()) continue;
      std::sort(v.begin(), v.end());
      st.min = v.front(), st.max = v.back();
      st.median = v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
    }
  return out;
}

std::vector<std::string> differing_fields(const std::vector<Config>& configs) {
  std::vector<std::string> out;
  if (configs.empty()) return out;
  for (const ConfigField& f : config_fields()) {
    if (std::string(f.name) == "seed") continue;
    const std::string first = config_value_text(configs.front(), f);
    for (const Config& c : configs)
      if (config_value_text(c, f) != first) {
        out.push_back(f.name);
        break;
      }
  }
  out.push_back("seed");
  return out;
}

void write_summary_csv(std::ostream& out, const std::vector<RunSummary>& rows) {
  std::vector<std::string> fields;
  if (!rows.empty())
    for (const auto& kv : setting_of(rows.front())) fields.push_back(kv.first);
  out << "file";
  for (const auto& f : fields) out << "," << f;
  out << ",seed,complete,last_epoch,stopped_early_at,phase,key_freqs,final_train_acc,final_test_acc";
  for (const auto& c : summary_stat_columns()) out << "," << c;
  out << "\n";
  for (const RunSummary& r : rows) {
    out << csv_field(r.path);
    for (const auto& kv : setting_of(r)) out << "," << csv_field(kv.second);
    out << "," << r.config.seed << "," << (r.complete ? 1 : 0) << "," << r.last_epoch << ","
        << (r.stopped_early < 0 ? "" : std::to_string(r.stopped_early)) << "," << to_string(r.phase) << ","
        << csv_field(join_freqs(r.key_freqs)) << "," << number_text(r.final_train_acc, "%.6g") << ","
        << number_text(r.final_test_acc, "%.6g");
    for (const auto& c : summary_stat_columns()) {
      const double v = summary_value(r, c);
      out << "," << (std::isnan(v) ? "" : number_text(v, "%.8g"));
    }
    out << "\n";
  }
}

void print_summary_table(std::ostream& out, const std::vector<RunSummary>& rows) {
  std::vector<std::vector<std::string>> t;
  std::vector<std::string> head = {"run"};
  if (!rows.empty())
    for (const auto& kv : setting_of(rows.front())) head.push_back(kv.first);
  for (const char* h : {"seed", "epoch", "mem end", "99% test", "loss<0.1", "circuit", "cleanup", "phase", "train loss",
                        "test loss", "keys"})
    head.push_back(h);
  t.push_back(head);
  for (const RunSummary& r : rows) {
    std::vector<std::string> row = {std::filesystem::path(r.path).stem().string()};
    for (const auto& kv : setting_of(r)) row.push_back(kv.second);
    std::string epoch = epoch_text(r.last_epoch) + (r.stopped_early >= 0 ? " (stop)" : r.complete ? "" : " (open)");
    for (const std::string& s :
         {std::to_string(r.config.seed), epoch, epoch_text(r.memorisation_end), epoch_text(r.grok_epoch),
          epoch_text(r.test_loss_below_0_1), epoch_text(r.circuit_formation_end), epoch_text(r.cleanup_end),
          std::string(to_string(r.phase)), number_text(r.final_train_loss, "%.2e"),
          number_text(r.final_test_loss, "%.2e"), r.key_freqs.empty() ? "-" : join_freqs(r.key_freqs)})
      row.push_back(s);
    t.push_back(row);
  }
  auto print = [&](const std::vector<std::vector<std::string>>& table) {
    std::vector<std::size_t> w(table.front().size(), 0);
    for (const auto& row : table)
      for (std::size_t c = 0; c < row.size(); c++) w[c] = std::max(w[c], row[c].size());
    for (const auto& row : table) {
      for (std::size_t c = 0; c < row.size(); c++)
        out << row[c] << std::string(w[c] - row[c].size() + (c + 1 < row.size() ? 2 : 0), ' ');
      out << "\n";
    }
  };
  print(t);
  const std::vector<SeedAggregate> agg = aggregate_seeds(rows);
  const bool seeds = std::any_of(agg.begin(), agg.end(), [](const SeedAggregate& a) { return a.runs.size() > 1; });
  if (!seeds) return;
  out << "\nover seeds: median [min, max] (n = runs that reached it)\n";
  std::vector<std::vector<std::string>> a;
  std::vector<std::string> ah;
  for (const auto& kv : agg.front().setting) ah.push_back(kv.first);
  for (const char* h : {"runs", "mem end", "99% test", "loss<0.1", "cleanup", "phases"}) ah.push_back(h);
  a.push_back(ah);
  for (const SeedAggregate& g : agg) {
    std::vector<std::string> row;
    for (const auto& kv : g.setting) row.push_back(kv.second);
    row.push_back(std::to_string(g.runs.size()));
    for (const char* c : {"memorisation_end", "grok_epoch", "test_loss_below_0.1", "cleanup_end"}) {
      const SeedAggregate::Stat& s = g.stats.at(c);
      row.push_back(s.n == 0 ? "-"
                             : number_text(s.median, "%.0f") + " [" + number_text(s.min, "%.0f") + ", " +
                                   number_text(s.max, "%.0f") + "] n=" + std::to_string(s.n));
    }
    std::string ph;
    for (const auto& [p, n] : g.phases)
      ph += (ph.empty() ? "" : ", ") + std::string(to_string(p)) + " " + std::to_string(n);
    row.push_back(ph);
    a.push_back(row);
  }
  print(a);
}

}  // namespace grok
