// grokking-cli sweep init / run / task / status / summary, and compare: experiments of many runs
// (core/experiments/sweep.h). Exit codes as everywhere: 0 done, 1 a run failed, 2 bad input,
// 130 stopped by Ctrl-C (every run committed a checkpoint; `sweep run` again continues).
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>

#include "cli_args.h"
#include "cli_progress.h"
#include "core/analysis/run_needs.h"
#include "core/experiments/run_summary.h"
#include "core/runner/sweep_runner.h"
#include "core/runtime/compute_thread.h"
#include "core/store/run_store.h"

namespace grok::cli {
namespace {

const char* kSweepUsage =
    "usage: grokking-cli sweep <command> [options]\n"
    "\n"
    "  init SPEC.json --out DIR   create a sweep folder from a spec (docs/sweeps.md); prints the number of runs\n"
    "  run DIR [--jobs N]         train every incomplete run on this machine, N at a time\n"
    "  submit DIR [--slurm ARG]...  train them on a Slurm cluster: one job array\n"
    "  task DIR --index I         train (or resume) one run: what each Slurm array task runs\n"
    "  status DIR                 each run's state, epoch and test accuracy (also while training)\n"
    "  summary DIR [--csv FILE]   memorisation, grokking, phases and final losses per run and over seeds\n"
    "\n"
    "'grokking-cli sweep <command> --help' describes a command's options.\n";

const char* kInitUsage =
    "usage: grokking-cli sweep init SPEC.json --out DIR\n"
    "  Checks every run's config, then creates DIR with the spec, a manifest (run index -> config) and\n"
    "  runs/. An existing DIR is refused unless it holds the same runs (then nothing changes).\n"
    "  SPEC: {\"base\": {\"preset\": NAME | \"config\": FILE, \"set\": {field: value}},\n"
    "         \"grid\": {field: [values]}, \"zip\": [{field: [values], field: [values]}], \"seeds\": [0, 1]}\n";

const char* kRunUsage =
    "usage: grokking-cli sweep run DIR [--jobs N] [--threads N]\n"
    "  --jobs N     runs at once (default: the machine's cores, at most the runs left)\n"
    "  --threads N  intra-op threads of each new run (default: cores / jobs, at least 1); a resumed run\n"
    "               keeps its own count\n"
    "Complete runs are skipped, interrupted ones resumed. Ctrl-C commits a checkpoint of every run and\n"
    "stops; running it again continues. A failing run is reported and the others go on; the exit code\n"
    "is 0 only if every run is complete.\n";

const char* kTaskUsage =
    "usage: grokking-cli sweep task DIR --index I [--threads N]\n"
    "  Trains or resumes run I (a Slurm array task: --index $SLURM_ARRAY_TASK_ID). SIGTERM (scancel,\n"
    "  preemption) commits a checkpoint first, so a requeued task loses at most the epochs since it.\n"
    "  --threads N  intra-op threads of a new run (default: $SLURM_CPUS_PER_TASK, else 2)\n";

const char* kStatusUsage = "usage: grokking-cli sweep status DIR\n";

const char* kThresholdHelp =
    "  --csv FILE          also write one row per run as CSV (- for standard output)\n"
    "  --train-acc X       Liu et al.'s phase thresholds: train accuracy (default 0.9),\n"
    "  --test-acc X        test accuracy (default 0.9)\n"
    "  --gap N             and the comprehension gap t_test - t_train in epochs (default 1000)\n";

LiuThresholds thresholds(const Args& a) {
  LiuThresholds th;
  auto number = [](const std::string& opt, const std::string& text) {
    char* end = nullptr;
    const double x = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || *end || !(x > 0 && x <= 1))
      throw UsageError(opt + ": expected a number in (0, 1], got \"" + text + "\"");
    return x;
  };
  if (auto v = a.get("--train-acc")) th.train_acc = number("--train-acc", *v);
  if (auto v = a.get("--test-acc")) th.test_acc = number("--test-acc", *v);
  if (auto v = a.get("--gap")) th.comprehension_gap = parse_int("--gap", *v, 0, 100000000);
  return th;
}

void write_csv(const std::string& where, const std::vector<RunSummary>& rows) {
  if (where == "-") return write_summary_csv(std::cout, rows);
  std::ofstream out(where);
  write_summary_csv(out, rows);
  out.close();
  if (!out) throw UsageError("--csv: cannot write " + where);
  std::printf("wrote %s (%zu rows)\n", where.c_str(), rows.size());
}

Sweep open_sweep(const Args& a, const char* cmd) {
  if (a.positional.size() != 1) throw UsageError(std::string("sweep ") + cmd + ": expected one sweep folder DIR");
  return Sweep::open(a.positional[0]);
}

int sweep_init(int argc, char** argv) {
  const Args a = parse_args(argc, argv, 3, {"--out"}, {"--help"});
  if (a.has("--help")) return std::printf("%s", kInitUsage), 0;
  if (a.positional.size() != 1) throw UsageError("sweep init: expected one SPEC.json");
  const auto out = a.get("--out");
  if (!out) throw UsageError("sweep init: --out DIR is required");
  const SweepSpec spec = read_sweep_spec_file(a.positional[0]);
  std::vector<Config> configs;
  for (const SweepRun& r : spec.runs) configs.push_back(r.config);
  // The disk all runs will write, before the folder is made; memory only warned of (the runs may
  // train on other machines, a Slurm cluster's).
  if (!Sweep::is_sweep_folder(*out))
    if (const std::string warning = check_sweep_fits(configs, *out); !warning.empty())
      std::fprintf(stderr, "warning: %s\n", warning.c_str());
  bool created = false;
  const Sweep s = Sweep::create(spec, *out, &created);
  std::string varied;
  for (const auto& v : s.varied()) varied += (varied.empty() ? "" : ", ") + v;
  std::printf("%s: %zu run%s%s%s\n", s.dir().c_str(), s.runs().size(), s.runs().size() == 1 ? "" : "s",
              varied.empty() ? "" : ", varying ", varied.c_str());
  if (!created) std::printf("(the folder already holds this sweep; nothing changed)\n");
  return 0;
}

// "run 3 (train_fraction=0.5 seed=1)"
std::string run_name(const Sweep& s, int i) {
  return "run " + std::to_string(i) + " (" + describe_varied(s.runs()[i]) + ")";
}

int sweep_run(int argc, char** argv) {
  const Args a = parse_args(argc, argv, 3, {"--jobs", "--threads"}, {"--help"});
  if (a.has("--help")) return std::printf("%s", kRunUsage), 0;
  const Sweep s = open_sweep(a, "run");
  SweepRunOptions opt;
  if (auto j = a.get("--jobs")) opt.jobs = parse_int("--jobs", *j, 1, 256);
  if (auto t = a.get("--threads")) opt.threads = parse_int("--threads", *t, 1, 256);
  const bool tty = isatty(fileno(stdout));
  bool drawn = false;
  auto end_line = [&] {
    if (drawn) std::printf("\n"), drawn = false;
  };
  auto last_plain = std::chrono::steady_clock::now();
  SweepCallbacks cb;
  cb.on_event = [&](const SweepEvent& e) {
    end_line();
    const char* what = e.kind == SweepEvent::Started     ? "started at"
                       : e.kind == SweepEvent::Completed ? "complete:"
                       : e.kind == SweepEvent::Stopped   ? "stopped:"
                       : e.kind == SweepEvent::Failed    ? "FAILED:"
                                                         : "skipped:";
    std::printf("%s %s %s\n", run_name(s, e.index).c_str(), what, e.message.c_str());
    std::fflush(stdout);
  };
  cb.on_progress = [&](const SweepProgress& p) {
    const auto now = std::chrono::steady_clock::now();
    // A terminal gets a redrawn line; a log a line every 30 s.
    if (!tty && now - last_plain < std::chrono::seconds(30)) return;
    last_plain = now;
    std::printf("%ssweep: %d/%d complete, %d running, %d failed | %.1f epochs/s (%d job%s x %d thread%s) | ETA %s%s%s",
                tty ? "\r" : "", p.complete, p.total, p.running, p.failed, p.epochs_per_second, p.jobs,
                p.jobs > 1 ? "s" : "", p.threads, p.threads > 1 ? "s" : "",
                p.eta_seconds < 0 ? "" : "<= ", format_duration(p.eta_seconds).c_str(), tty ? "   " : "\n");
    drawn = tty;
    std::fflush(stdout);
  };
  const SweepResult r = run_sweep(s, opt, stop_on_signals(), cb);
  end_line();
  std::printf("sweep %s: %d of %d runs complete", s.dir().c_str(), r.complete, r.total);
  if (r.failed) std::printf(", %d failed (see sweep status)", r.failed);
  if (r.skipped) std::printf(", %d skipped (trained by another process)", r.skipped);
  std::printf("\n");
  if (r.stopped || (stop_on_signals().load() && !r.all_complete())) {
    std::printf("stopped: every run committed a checkpoint; continue with: grokking-cli sweep run %s\n",
                s.dir().c_str());
    return 130;
  }
  return r.all_complete() ? 0 : 1;
}

int sweep_task(int argc, char** argv) {
  const Args a = parse_args(argc, argv, 3, {"--index", "--threads"}, {"--help"});
  if (a.has("--help")) return std::printf("%s", kTaskUsage), 0;
  const Sweep s = open_sweep(a, "task");
  const auto idx = a.get("--index");
  if (!idx) throw UsageError("sweep task: --index I is required");
  const int i = parse_int("--index", *idx, 0, static_cast<int>(s.runs().size()) - 1);
  int threads = kIntraOpThreads;
  if (const char* c = std::getenv("SLURM_CPUS_PER_TASK"); c && std::atoi(c) > 0) threads = std::atoi(c);
  if (auto t = a.get("--threads")) threads = parse_int("--threads", *t, 1, 256);
  const SweepEvent e = train_sweep_run(s, i, threads, stop_on_signals(), {}, [&](const SweepEvent& st) {
    std::printf("%s of %s started at %s\n", run_name(s, i).c_str(), s.dir().c_str(), st.message.c_str());
    std::fflush(stdout);
  });
  std::printf("%s: %s%s\n", run_name(s, i).c_str(),
              e.kind == SweepEvent::Completed ? "complete, "
              : e.kind == SweepEvent::Stopped ? "stopped, "
              : e.kind == SweepEvent::Failed  ? "FAILED: "
                                              : "skipped, ",
              e.message.c_str());
  switch (e.kind) {
    case SweepEvent::Completed: return 0;
    case SweepEvent::Stopped: return 130;
    default: return 1;
  }
}

int sweep_status(int argc, char** argv) {
  const Args a = parse_args(argc, argv, 3, {}, {"--help"});
  if (a.has("--help")) return std::printf("%s", kStatusUsage), 0;
  const Sweep s = open_sweep(a, "status");
  std::vector<std::vector<std::string>> t;
  std::vector<std::string> head = {"run"};
  for (const auto& v : s.varied()) head.push_back(v);
  for (const char* h : {"state", "epoch", "test acc", "99% test at"}) head.push_back(h);
  t.push_back(head);
  int counts[4] = {0, 0, 0, 0};
  std::vector<std::string> errors;
  for (const SweepRun& r : s.runs()) {
    const SweepRunStatus st = s.status(r.index);
    counts[static_cast<int>(st.state)]++;
    std::vector<std::string> row = {std::to_string(r.index)};
    for (const auto& kv : r.varied) row.push_back(kv.second);
    row.push_back(to_string(st.state));
    row.push_back(st.epoch < 0 ? "-"
                               : std::to_string(st.epoch) + "/" + std::to_string(r.config.epochs) +
                                     (st.stopped_early >= 0 ? " (stopped early)" : ""));
    char acc[16];
    std::snprintf(acc, sizeof acc, "%.4f", st.test_acc);
    row.push_back(st.test_acc < 0 ? "-" : acc);
    row.push_back(st.grok_epoch < 0 ? "-" : std::to_string(st.grok_epoch));
    t.push_back(row);
    if (st.state == RunState::Failed) errors.push_back("run " + std::to_string(r.index) + ": " + st.error);
  }
  std::vector<std::size_t> w(head.size(), 0);
  for (const auto& row : t)
    for (std::size_t c = 0; c < row.size(); c++) w[c] = std::max(w[c], row[c].size());
  for (const auto& row : t) {
    for (std::size_t c = 0; c < row.size(); c++)
      std::printf("%s%*s", row[c].c_str(), static_cast<int>(w[c] - row[c].size() + 2), "");
    std::printf("\n");
  }
  std::printf("%zu runs: %d complete, %d running, %d pending, %d failed\n", s.runs().size(), counts[2], counts[1],
              counts[0], counts[3]);
  for (const auto& e : errors) std::printf("%s\n", e.c_str());
  return 0;
}

int sweep_summary(int argc, char** argv) {
  const Args a = parse_args(argc, argv, 3, {"--csv", "--train-acc", "--test-acc", "--gap"}, {"--help"});
  if (a.has("--help")) return std::printf("usage: grokking-cli sweep summary DIR [options]\n%s", kThresholdHelp), 0;
  const Sweep s = open_sweep(a, "summary");
  const LiuThresholds th = thresholds(a);
  std::vector<RunSummary> rows;
  int missing = 0;
  for (const SweepRun& r : s.runs()) {
    if (!std::filesystem::exists(s.run_path(r.index)) || s.status(r.index).epoch < 0) {
      missing++;
      continue;
    }
    RunSummary row = summarize_run(RunStore::open(s.run_path(r.index)), th);
    row.varied = r.varied;
    rows.push_back(std::move(row));
  }
  if (a.get("--csv") != std::optional<std::string>("-")) {
    print_summary_table(std::cout, rows);
    if (missing) std::printf("%d run%s not started yet\n", missing, missing > 1 ? "s" : "");
  }
  if (auto csv = a.get("--csv")) write_csv(*csv, rows);
  return 0;
}

}  // namespace

int cmd_sweep(int argc, char** argv) {
  if (argc < 3 || std::string(argv[2]) == "--help" || std::string(argv[2]) == "-h")
    return std::printf("%s", kSweepUsage), argc < 3 ? 2 : 0;
  const std::string sub = argv[2];
  if (sub == "init") return sweep_init(argc, argv);
  if (sub == "run") return sweep_run(argc, argv);
  if (sub == "submit") return cmd_sweep_submit(argc, argv);
  if (sub == "task") return sweep_task(argc, argv);
  if (sub == "status") return sweep_status(argc, argv);
  if (sub == "summary") return sweep_summary(argc, argv);
  throw UsageError("sweep: unknown command \"" + sub + "\" (allowed: init, run, submit, task, status, summary)");
}

int cmd_compare(int argc, char** argv) {
  const Args a = parse_args(argc, argv, 2, {"--csv", "--train-acc", "--test-acc", "--gap"}, {"--help"});
  if (a.has("--help"))
    return std::printf(
               "usage: grokking-cli compare RUN.grok|SWEEP_DIR... [options]\n"
               "  The summary rows of any set of run files (a sweep folder stands for its started runs);\n"
               "  the columns show the config fields that differ among them.\n%s",
               kThresholdHelp),
           0;
  if (a.positional.empty()) throw UsageError("compare: expected one or more run files");
  const LiuThresholds th = thresholds(a);
  std::vector<std::string> paths;
  for (const std::string& p : a.positional) {
    if (!Sweep::is_sweep_folder(p)) {
      paths.push_back(p);
      continue;
    }
    const Sweep s = Sweep::open(p);
    for (const SweepRun& r : s.runs())
      if (std::filesystem::exists(s.run_path(r.index))) paths.push_back(s.run_path(r.index));
  }
  std::vector<RunSummary> rows;
  std::vector<Config> configs;
  for (const std::string& p : paths) {
    rows.push_back(summarize_run(RunStore::open(p), th));
    configs.push_back(rows.back().config);
  }
  const std::vector<std::string> fields = differing_fields(configs);
  for (RunSummary& r : rows)
    for (const std::string& f : fields) r.varied.emplace_back(f, config_value_text(r.config, *find_config_field(f)));
  if (a.get("--csv") != std::optional<std::string>("-")) print_summary_table(std::cout, rows);
  if (auto csv = a.get("--csv")) write_csv(*csv, rows);
  return 0;
}

}  // namespace grok::cli
