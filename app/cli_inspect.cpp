// grokking-cli info / analyze / export-csv / bench: reading run files and timing this machine.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli_args.h"
#include "core/analysis/checkpoint_analysis.h"
#include "core/analysis/phases.h"
#include "core/base/task.h"
#include "core/bench/bench.h"
#include "core/bench/busy_processes.h"
#include "core/model/model_family.h"
#include "core/store/metrics_csv.h"
#include "core/store/run_store.h"
#include "core/training/trainer.h"

namespace grok::cli {
namespace {

const char* kAnalyzeUsage =
    "usage: grokking-cli analyze FILE [--epoch E | --all] [--key-freqs live|final|K,K,...] [--json]\n"
    "  --all           compute the progress measures of every checkpoint that lacks them for this\n"
    "                  key-frequency selection and store them in the run file (table measures)\n"
    "  --epoch E       a checkpoint epoch (default: the newest)\n"
    "  --key-freqs S   frequencies the restricted/excluded losses keep or remove: detected at this\n"
    "                  checkpoint (live, default), at the newest one (final), or given, e.g. 14,35,41,42,52\n"
    "  --json          everything as one JSON object, with the Fourier norms and per-neuron FVE (the last\n"
    "                  layer's), and `layers`: every layer's neurons, clusters, FVE and mean attention\n"
    "                  from '=' to a per head\n";

const char* kInfoUsage = "usage: grokking-cli info FILE\n  prints config, progress, checkpoints and key epochs\n";
const char* kCsvUsage =
    "usage: grokking-cli export-csv FILE [--out CSV]\n  writes epoch,train_loss,train_acc,test_loss,test_acc,lr "
    "(stdout without --out)\n";
const char* kBenchUsage =
    "usage: grokking-cli bench [--preset NAME] [--set key=value]... [--threads N] [--repeats N]\n"
    "                          [--throughput [--load N]]\n"
    "       grokking-cli bench --run FILE [--threads N] [--repeats N]\n"
    "  median ms of a training step (the trainer's own), a full test evaluation and the plain\n"
    "  reference step, with GFLOP/s and the step's floor (its FLOPs at the rate of a plain GEMM of the\n"
    "  model family's main shapes, measured in the same run) and the step over the floor; any preset,\n"
    "  task or model family (default: mainline, 30 repeats, the threads a training run starting now\n"
    "  would take); then the analysis: a snapshot for the views, the check table and the measures\n"
    "  training stores, on the initial weights or (--run) the newest checkpoint of FILE with its config.\n"
    "  --threads N   intra-op threads (default: the CPUs other processes leave free, at most 2)\n"
    "  --throughput  only the training step, the test evaluation and the epochs/s they give\n"
    "  --load N      with --throughput: measure alone, then beside N busy processes of its own\n"
    "                (killed afterwards), and print both with their ratio\n";
}  // namespace

int cmd_info(int argc, char** argv) {
  const Args a = parse_args(argc, argv, 2, {}, {"--help"});
  if (a.has("--help")) return std::printf("%s", kInfoUsage), 0;
  if (a.positional.size() != 1) throw UsageError("info: expected one run FILE");
  const RunStore s = RunStore::open(a.positional[0]);
  s.verify();
  verify_checkpoints(s);  // every checkpoint's tensors are the model family's: "is this file all right?"
  const Config c = s.config();
  const auto meta = s.all_meta();
  auto m = [&](const char* k) {
    auto it = meta.find(k);
    return it == meta.end() ? std::string("?") : it->second;
  };
  std::printf("run file      %s (format %d, Grokking Lab %s, LibTorch %s)\n", s.path().c_str(), s.schema_version(),
              m("app_version").c_str(), m("torch_version").c_str());
  std::printf("created       %s, %s threads, BLAS %s\n", m("created_utc").c_str(), m("threads").c_str(),
              m("blas").c_str());
  if (meta.count("kernel_version_history"))  // resumed under another version of the step's arithmetic
    std::printf("kernels       version %s; resumed across versions: %s (trainer.h, kKernelVersion)\n",
                m("kernel_version").c_str(), m("kernel_version_history").c_str());
  else
    std::printf("kernels       version %s\n", meta.count("kernel_version") ? m("kernel_version").c_str() : "1");
  std::printf("task          %s%s, train fraction %.3g, seed %llu\n", Task(c).describe().c_str(),
              Task(c).uses_p() ? "" : " (p unused)", c.train_fraction, static_cast<unsigned long long>(c.seed));
  if (c.model == kDefaultModel)
    std::printf("model         transformer, %d layer(s), d_model %d, %d heads x %d, d_mlp %d, attention rate %g\n",
                c.n_layers, c.d_model, c.n_heads, c.d_head, c.d_mlp, c.attention_rate);
  else {  // a family of its own: its description, and the fields it reads (its size, its activation)
    std::string read;
    for (const std::string& name : model_family(c).fields_read())
      read += ", " + name + " " + config_value_text(c, *find_config_field(name));
    std::printf("model         %s (%s)%s\n", c.model.c_str(), model_family(c).description().c_str(), read.c_str());
  }
  std::printf("training      AdamW lr %g betas (%g, %g), regulariser %s (wd %g, dropout %g, l1 %g), %d epochs\n", c.lr,
              c.beta1, c.beta2, to_string(c.regularizer), c.weight_decay, c.dropout, c.l1, c.epochs);
  if (c.label_noise > 0)
    std::printf("label noise   %g of the training pairs given random labels (docs/tasks.md)\n", c.label_noise);
  std::string unused;  // the fields this run's task and model do not read (the run panel greys them)
  for (const ConfigField& f : config_fields())
    if (const std::string why = unused_field_reason(c, f.name); !why.empty())
      unused += (unused.empty() ? "" : "; ") + std::string(f.name) + " (" + why + ")";
  if (!unused.empty()) std::printf("unused        %s\n", unused.c_str());
  if (const std::string recipes = recipe_summary(c); !recipes.empty())
    std::printf("recipes       %s\n", recipes.c_str());
  if (meta.count("parent"))
    std::printf("forked from   %s at epoch %s (optimizer state: %s)\n", m("parent").c_str(), m("parent_epoch").c_str(),
                m("optimizer_state").c_str());
  if (meta.count("imported_from"))
    std::printf("imported from %s (%s layout; optimizer state: %s)\n", m("imported_from").c_str(),
                m("imported_layout").c_str(), m("optimizer_state").c_str());
  const auto ck = s.checkpoint_epochs();
  const auto metrics = s.metrics();
  if (ck.empty()) {
    std::printf("checkpoints   none\n");
  } else {
    std::printf("checkpoints   %zu, epochs %d..%d, %.2f MB each (weights)\n", ck.size(), ck.front(), ck.back(),
                s.checkpoint_bytes(ck.back()) / 1e6);
  }
  if (const int kept = s.view_results_count(); kept > 0)
    std::printf("view results  %d (check tables and neurons the window kept while it trained the run)\n", kept);
  const auto last = s.last_metrics();
  if (last) {
    const std::string early = s.meta("stopped_early_at");
    std::printf(
        "status        %s at epoch %d of %d%s\n", s.complete() ? "complete" : "resumable", ck.empty() ? 0 : ck.back(),
        c.epochs,
        early.empty() ? "" : (" (stopped early: stop_after_grok " + std::to_string(c.stop_after_grok) + ")").c_str());
    std::printf("last epoch    %d: train loss %.4g acc %.4f", last->epoch, last->train_loss, last->train_acc);
    for (auto it = metrics.rbegin(); it != metrics.rend(); ++it)
      if (!std::isnan(it->test_loss)) {
        std::printf(", test (epoch %d) loss %.4g acc %.4f", it->epoch, it->test_loss, it->test_acc);
        break;
      }
    std::printf("\n");
    auto first = [&](auto pred) {
      for (auto& r : metrics)
        if (pred(r)) return r.epoch;
      return -1;
    };
    const int mem = first([](const EpochMetrics& r) { return r.train_acc >= 0.99; });
    const int grok =
        first([](const EpochMetrics& r) { return !std::isnan(r.test_acc) && r.test_acc >= kGrokAccuracy; });
    std::printf("key epochs    train acc >= 99%%: %s; test acc >= 99%%: %s\n",
                mem < 0 ? "not yet" : std::to_string(mem).c_str(), grok < 0 ? "not yet" : std::to_string(grok).c_str());
    const Phases ph = detect_phases(metrics, sum_sq_weights_series(s));
    auto at = [](int e) { return e < 0 ? std::string("not yet") : std::to_string(e); };
    std::printf(
        "phases        memorisation ends %s (test loss peak %.3g); circuit formation ends %s; cleanup ends %s\n",
        at(ph.memorisation_end).c_str(), ph.peak_test_loss, at(ph.circuit_formation_end).c_str(),
        at(ph.cleanup_end).c_str());
  } else {
    std::printf("status        no epoch logged yet\n");
  }
  return 0;
}

// --key-freqs over the run's group: frequencies, or irreps by index or name; a task without a
// group takes only "live" (its measures are the losses).
KeySelection parse_keys(const std::string& text, const Config& cfg) {
  const Task task(cfg);
  if (!task.has_group()) {
    if (text != "live") throw UsageError("--key-freqs: " + task.describe() + ": " + task.group_reason());
    return KeySelection::live();
  }
  const FourierBasis F(task.group());
  if (F.cyclic()) return KeySelection::parse(text, task.group());
  std::vector<std::string> names;
  for (int k = 1; k <= F.n_freqs(); k++) names.push_back(F.component_name(k));
  return KeySelection::parse(text, names, task.group().name());
}

int cmd_analyze(int argc, char** argv) {
  const Args a = parse_args(argc, argv, 2, {"--epoch", "--key-freqs"}, {"--json", "--all", "--help"});
  if (a.has("--help")) return std::printf("%s", kAnalyzeUsage), 0;
  if (a.positional.size() != 1) throw UsageError("analyze: expected one run FILE");
  if (a.has("--all")) {
    if (a.get("--epoch") || a.has("--json")) throw UsageError("analyze: --all goes without --epoch and --json");
    RunStore w = RunStore::open(a.positional[0], RunStore::Mode::ReadWrite);
    const KeySelection keys = parse_keys(a.get("--key-freqs").value_or("live"), w.config());
    const auto t0 = std::chrono::steady_clock::now();
    // A counter rewritten in place on a terminal; a log (pipe, file) gets the summary line only.
    const bool tty = isatty(fileno(stdout));
    const int n = fill_missing_measures(w, keys, [&](int done, int total) {
      if (!tty) return;
      std::printf("\rmeasures: %d of %d checkpoints", done, total);
      std::fflush(stdout);
    });
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%sstored the progress measures (%s key frequencies) of %d checkpoints in %.1f s\n",
                n && tty ? "\n" : "", keys.describe().c_str(), n, secs);
    return 0;
  }
  const RunStore s = RunStore::open(a.positional[0]);
  verify_checkpoints(s);  // a run with a damaged checkpoint anywhere is refused, as info refuses it
  const auto epochs = s.checkpoint_epochs();
  if (epochs.empty())
    throw RunFileError(RunFileError::Kind::NoCheckpoint, s.path() + ": holds no checkpoint to analyse");
  int epoch = epochs.back();
  if (auto e = a.get("--epoch")) {
    epoch = parse_int("--epoch", *e, 0, 10000000);
    if (std::find(epochs.begin(), epochs.end(), epoch) == epochs.end())
      throw UsageError("--epoch: no checkpoint at epoch " + *e + " (checkpoints: " + std::to_string(epochs.front()) +
                       ".." + std::to_string(epochs.back()) + ", every " +
                       std::to_string(s.config().checkpoint_interval) + ")");
  }
  const KeySelection keys = parse_keys(a.get("--key-freqs").value_or("live"), s.config());
  const CheckpointAnalysis r = analyze_checkpoint(s, epoch, keys);
  if (a.has("--json")) return std::printf("%s\n", to_json(r).dump(1).c_str()), 0;
  const ProgressMeasures& m = r.measures;
  if (!r.undefined_reason.empty()) {
    std::printf("checkpoint    %s at epoch %d\n", s.path().c_str(), r.epoch);
    std::printf("loss (p out)  train %.3g (acc %.4f), test %.3g (acc %.4f)\n", m.train_loss, m.train_acc, m.test_loss,
                m.test_acc);
    std::printf("not defined   %s: the spectra, key irreps, restricted and excluded losses, neurons and checks\n",
                r.undefined_reason.c_str());
    return 0;
  }
  const FourierBasis F(r.group);
  const bool irreps = !F.cyclic();
  auto list = [](const std::vector<int>& v) { return v.empty() ? std::string("none yet") : join_freqs(v); };
  std::printf("checkpoint    %s at epoch %d\n", s.path().c_str(), r.epoch);
  std::printf("basis         %s\n", r.group.basis_description().c_str());
  auto names = [&](const std::vector<int>& v) {
    if (!irreps) return list(v);
    std::string out;
    for (int k : v) out += (out.empty() ? "" : ", ") + F.component_label(k);
    return out.empty() ? std::string("none yet") : out;
  };
  std::printf("key %s   detected: %s; measures use %s: %s\n", irreps ? "irreps" : "freqs ",
              names(r.detected.freqs).c_str(), r.key_selection.c_str(), names(m.key_freqs).c_str());
  if (irreps) {
    std::printf("logits        key irreps explain %.1f %% (logit similarity:", 100 * m.logits_explained);
    for (int k = 1; k <= F.n_freqs(); k++)
      std::printf(" %s %.3f", F.component_name(k).c_str(), m.logit_similarity[k - 1]);
    std::printf(")\n");
  }
  std::printf("Gini          W_E %.3f, W_L %.3f; sum of squared weights %.1f\n", r.spectra.gini_we, r.spectra.gini_wl,
              r.spectra.sum_sq_weights);
  std::printf("loss (p out)  train %.3g (acc %.4f), test %.3g (acc %.4f)\n", m.train_loss, m.train_acc, m.test_loss,
              m.test_acc);
  std::printf("restricted    test %.3g (acc %.4f), all pairs %.3g\n", m.restricted_loss_test, m.restricted_acc_test,
              m.restricted_loss_all);
  const char* what = irreps ? "irrep" : "frequency";
  std::printf("excluded      train %.3g; without one key %s:", m.excluded_loss_train, what);
  for (std::size_t i = 0; i < m.key_freqs.size(); i++)
    std::printf(" %s: %.3g", F.component_name(m.key_freqs[i]).c_str(), m.excluded_loss_per_key[i]);
  std::printf("; worst single %s %s: %.3g\n", what,
              m.max_excluded_freq > 0 ? F.component_name(m.max_excluded_freq).c_str() : "-", m.max_excluded_loss);
  if (m.outside_pairs > 0)
    std::printf(
        "zero operand  %d pairs outside %s (in the losses above, in no Fourier measure): loss %.3g (acc %.4f)\n",
        m.outside_pairs, r.group.name().c_str(), m.outside_loss, m.outside_acc);
  std::printf("neurons       %d of %zu with FVE >= 85%%; clusters", r.neurons.count_above(0.85), r.neurons.freq.size());
  for (auto [k, n] : r.neurons.clusters(0.85)) std::printf(" %s:%d", F.component_name(k).c_str(), n);
  for (std::size_t l = 0; r.layers.size() > 1 && l < r.layers.size(); l++) {
    const LayerAnalysis& y = r.layers[l];
    std::printf("\n  layer %zu     %d with FVE >= 85%%; clusters", l, y.neurons.count_above(0.85));
    for (auto [k, n] : y.neurons.clusters(0.85)) std::printf(" %s:%d", F.component_name(k).c_str(), n);
    std::printf("; mean attention '=' to a by head");
    for (double v : y.attention_to_a) std::printf(" %.2f", v);
  }
  std::printf("\nchecks (the %d x %d pairs of %s, key %s %s)\n", r.group.n, r.group.n, r.group.name().c_str(),
              irreps ? "irreps" : "frequencies", names(r.checks.key_freqs).c_str());
  for (const auto& row : r.checks.rows)
    std::printf("  %-36s loss %10.3g  accuracy %.4f\n", row.check.c_str(), row.loss, row.accuracy);
  std::printf(
      "  logits' FVE by the %s fit: %.2f %%; W_L outside the key directions: %.2f %% of its "
      "norm (%.2f %% of its squared norm)\n",
      irreps ? "chi(a b c^-1)" : "cos(w_k(i+j-k))", 100 * r.checks.logit_fit_fve, 100 * r.checks.wl_norm_outside_key,
      100 * r.checks.wl_norm_outside_key * r.checks.wl_norm_outside_key);
  std::printf("(analysed in %.2f s)\n", r.seconds);
  return 0;
}

int cmd_export_csv(int argc, char** argv) {
  const Args a = parse_args(argc, argv, 2, {"--out"}, {"--help"});
  if (a.has("--help")) return std::printf("%s", kCsvUsage), 0;
  if (a.positional.size() != 1) throw UsageError("export-csv: expected one run FILE");
  const RunStore s = RunStore::open(a.positional[0]);
  // The window's "metrics as CSV" writes through the same checked writer: one format, one error.
  if (auto out = a.get("--out")) {
    write_metrics_csv_file(s, *out);
  } else {
    write_metrics_csv(s, std::cout);
  }
  return 0;
}

int cmd_bench(int argc, char** argv) {
  const Args a = parse_args(argc, argv, 2, {"--preset", "--set", "--threads", "--repeats", "--run", "--load"},
                            {"--help", "--throughput"});
  if (a.has("--help")) return std::printf("%s", kBenchUsage), 0;
  if (!a.positional.empty()) throw UsageError("bench: unexpected argument " + a.positional.front());
  const int threads = a.get("--threads") ? parse_int("--threads", *a.get("--threads"), 1, 256) : kAutoThreads;
  const int repeats = a.get("--repeats") ? parse_int("--repeats", *a.get("--repeats"), 1, 100000) : 30;
  if (const auto run = a.get("--run")) {
    if (a.get("--preset") || a.get("--set"))
      throw UsageError("bench: --run takes the run's config; drop --preset/--set");
    if (a.has("--throughput")) throw UsageError("bench: --throughput times training; drop --run");
    if (a.get("--load")) throw UsageError("bench: --load goes with --throughput; drop --run");
    const RunStore store = RunStore::open(*run);
    const std::vector<int> epochs = store.checkpoint_epochs();
    if (epochs.empty()) throw RunFileError(RunFileError::Kind::NoCheckpoint, *run + ": no checkpoint to analyse");
    const std::string label = *run + " epoch " + std::to_string(epochs.back());
    std::printf("%s", format_benchmark(
                          run_benchmark(store.config(), threads, repeats, store.load_checkpoint(epochs.back()), label))
                          .c_str());
    return 0;
  }
  const Config cfg = config_from_args(a);
  if (const auto load = a.get("--load")) {
    if (!a.has("--throughput")) throw UsageError("bench: --load measures training throughput; add --throughput");
    const int n = parse_int("--load", *load, 1, 64);
    const BenchResult alone = run_benchmark(cfg, threads, repeats, {}, "", true);
    BenchResult beside;
    {
      BusyProcesses busy(n);
      std::string pids;
      for (const pid_t pid : busy.pids()) pids += " " + std::to_string(pid);
      std::printf("busy processes started (pid%s)\n", pids.c_str());
      std::fflush(stdout);
      beside = run_benchmark(cfg, threads, repeats, {}, "", true);
    }
    std::printf("busy processes stopped\n%s", format_throughput_under_load(alone, beside, n).c_str());
    return 0;
  }
  std::printf("%s", format_benchmark(run_benchmark(cfg, threads, repeats, {}, "", a.has("--throughput"))).c_str());
  return 0;
}

}  // namespace grok::cli
