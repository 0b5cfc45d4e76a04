// One row per run: when it memorised, when it grokked, its phases, how it ended. What
// `sweep summary`, `grokking-cli compare` and the window's Compare view show, from the run files
// alone (nothing is recomputed: metrics and the measures training stored).
//
// The phase of Liu et al. (2022, "Towards understanding grokking: an effective theory of
// representation learning", Fig. 6): with t_train / t_test the first epochs at >= 90 % train /
// test accuracy within the epochs the run trained,
//   comprehension  both reached and t_test - t_train < 1 000 epochs
//   grokking       both reached, the gap larger
//   memorisation   train reached, test not
//   confusion      train not reached (whatever the test accuracy did)
// (thresholds are options: LiuThresholds). Seeds are then aggregated per setting: median, min, max.
//
//   RunSummary s = summarize_run(RunStore::open("run.grok"));
//   std::cout << to_string(s.phase) << " at " << s.grok_epoch << "\n";
//   write_summary_csv(std::cout, {"train_fraction"}, rows);
//
// Threading: plain functions over values; a RunStore is used from the calling thread only.
#pragma once

#include <cmath>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "core/base/config.h"
#include "core/base/records.h"

namespace grok {

class RunStore;

enum class LiuPhase { Comprehension, Grokking, Memorisation, Confusion };
const char* to_string(LiuPhase p);  // "comprehension", "grokking", "memorisation", "confusion"

// Doshi et al. 2024's phases of a run with label noise, from its final accuracies (their paper names
// them; their code has no thresholds, these are ours, docs/sweeps.md): with test accuracy >= 0.9,
// coexistence when the corrupted pairs keep >= 0.9 of their given labels, full inversion when they
// get >= 0.9 of their true labels, partial inversion between; with test accuracy below 0.9,
// memorisation when training accuracy on the given labels is >= 0.9, forgetting otherwise.
enum class NoisePhase { None, Coexistence, PartialInversion, FullInversion, Memorisation, Forgetting };
const char* to_string(NoisePhase p);  // "", "coexistence", "partial inversion", ...

struct LiuThresholds {
  double train_acc = 0.9;
  double test_acc = 0.9;
  int comprehension_gap = 1000;  // epochs: t_test - t_train below this is comprehension
};

// Epochs are -1 where a run did not reach them.
struct RunSummary {
  std::string path;
  Config config;
  std::vector<std::pair<std::string, std::string>> varied;  // the fields a table varies, filled by the caller
  bool complete = false;
  int last_epoch = -1;             // newest checkpoint
  int stopped_early = -1;          // where stop_after_grok ended it
  int memorisation_end = -1;       // test-loss peak (core/analysis/phases.h)
  int grok_epoch = -1;             // first epoch at >= 99 % test accuracy
  int test_loss_below_0_1 = -1;    // first epoch with test loss < 0.1
  int circuit_formation_end = -1;  // phases.h
  int cleanup_end = -1;            // phases.h
  int t_train = -1, t_test = -1;   // Liu et al.'s thresholds
  LiuPhase phase = LiuPhase::Confusion;
  double final_train_loss = NAN, final_test_loss = NAN, final_train_acc = NAN, final_test_acc = NAN;
  // Label noise (NaN without): the final training accuracy on the true labels, and on the
  // corrupted pairs against their given and their true labels; the phase they make.
  double final_train_acc_true = NAN, final_corrupted_acc = NAN, final_corrupted_acc_true = NAN;
  NoisePhase noise_phase = NoisePhase::None;
  std::vector<int> key_freqs;                    // the newest checkpoint's (its live measures)
  std::map<std::string, double> final_measures;  // the newest checkpoint's live measures, by stored name
};

// The phase of a noisy run's final accuracies (None without label noise).
NoisePhase classify_noise(const RunSummary& s);

// t_train, t_test and the phase from per-epoch metrics (test fields NaN where not evaluated).
void classify_liu(const std::vector<EpochMetrics>& metrics, const LiuThresholds& th, RunSummary& s);
RunSummary summarize_run(const RunStore& store, const LiuThresholds& th = {});

// Runs with the same varied fields but the seed, and figures over their seeds.
struct SeedAggregate {
  std::vector<std::pair<std::string, std::string>> setting;  // the varied fields but seed
  std::vector<int> runs;                                     // indices into the rows
  struct Stat {
    int n = 0;  // runs that reached it
    double median = NAN, min = NAN, max = NAN;
  };
  std::map<std::string, Stat> stats;  // by column name, for the epoch and final-loss columns
  std::map<LiuPhase, int> phases;     // how many runs ended in each phase
};
std::vector<SeedAggregate> aggregate_seeds(const std::vector<RunSummary>& rows);

// The columns aggregate_seeds fills, in table order, and a row's value of one (NaN if unreached).
const std::vector<std::string>& summary_stat_columns();
double summary_value(const RunSummary& r, const std::string& column);
// Every per-run figure a map can colour by (the Compare view): the stat columns, the final
// accuracies (train_acc_true and the corrupted pairs' with label noise) and the final mechanism
// measures (core/analysis/mechanism.h); summary_value reads each.
const std::vector<std::string>& summary_figure_columns();

// The config fields whose values differ among `configs` (seed last): what `compare` shows.
std::vector<std::string> differing_fields(const std::vector<Config>& configs);

// One CSV row per run (header first): file, the varied fields, seed, then every figure above.
void write_summary_csv(std::ostream& out, const std::vector<RunSummary>& rows);
// A plain-text table of the rows and, if any setting has several seeds, of their aggregates.
void print_summary_table(std::ostream& out, const std::vector<RunSummary>& rows);

}  // namespace grok
