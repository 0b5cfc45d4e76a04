// grokking-cli train / resume / fork: training in the terminal with a progress line; Ctrl-C commits a
// checkpoint and exits 130.
#include <atomic>
#include <chrono>
#include <cstdio>

#include "cli_args.h"
#include "cli_progress.h"
#include "core/base/task.h"
#include "core/store/run_store.h"
#include "core/training/trainer.h"

namespace grok::cli {
namespace {

const char* kTrainUsage =
    "usage: grokking-cli train [--preset NAME] [--config FILE.json] [--set key=value]... --out FILE\n"
    "                          [--force] [--threads N]\n"
    "  --preset NAME     start from a built-in preset (default: mainline; see 'grokking-cli presets')\n"
    "  --config FILE     start from a JSON config file instead\n"
    "  --set key=value   override one config field, e.g. --set weight_decay=0.3 --set p=97\n"
    "  --out FILE        the run file to create (.grok); refused if it exists\n"
    "  --force           overwrite an existing run file\n"
    "  --threads N       intra-op threads (default: the CPUs other processes leave free, at most 2,\n"
    "                    chosen at the start and kept for the run); results are bit-identical per count\n"
    "Ctrl-C commits a checkpoint at the current epoch and stops; 'resume' continues.\n";

const char* kResumeUsage =
    "usage: grokking-cli resume FILE [--epochs N] [--threads N]\n"
    "  --epochs N   train to epoch N (default: the run's configured epochs)\n"
    "  --threads N  intra-op threads (default: the run's own count, for bit-identical results)\n";

const char* kForkUsage =
    "usage: grokking-cli fork RUN --epoch E [--set key=value]... --out NEW [--force] [--threads N] [--no-train]\n"
    "  a new run from RUN's checkpoint at epoch E, with changed settings, trained to its epochs:\n"
    "  its epochs continue RUN's axis; the model, task and split stay RUN's (p, operation, sizes,\n"
    "  seed, init_scale cannot change); stop_after_grok starts at 0 unless set.\n"
    "  --epoch E        a checkpoint of RUN ('grokking-cli info RUN' lists them); the newest carries\n"
    "                   the optimizer's moments over, an older one starts them fresh (recorded)\n"
    "  --set key=value  change a setting, e.g. --set train_fraction=0.1 --set weight_decay=0\n"
    "                   --set grad_filter=ema --set epochs=20000 (default: RUN's epochs)\n"
    "  --out NEW        the run file to create; --force overwrites it (never RUN itself)\n"
    "  --threads N      intra-op threads (default: RUN's own count)\n"
    "  --no-train       only write NEW's first checkpoint; 'grokking-cli resume NEW' trains it\n";

}  // namespace

namespace {

int run_training(Trainer& t) {
  std::printf("run file %s: epoch %d of %d (%s, %d layer%s), %d thread%s\n", t.path().c_str(), t.epoch(),
              t.target_epochs(), Task(t.config()).describe().c_str(), t.config().n_layers,
              t.config().n_layers > 1 ? "s" : "", t.threads(), t.threads() > 1 ? "s" : "");
  std::fflush(stdout);
  ProgressPrinter progress(stdout);
  const auto t0 = std::chrono::steady_clock::now();
  t.run(stop_on_signals(), {[&](const TrainProgress& p) { progress.update(p); }});
  progress.finish();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!t.finished()) {
    std::printf("stopped: checkpoint committed at epoch %d after %s; continue with: grokking-cli resume %s\n",
                t.epoch(), format_duration(secs).c_str(), t.path().c_str());
    return 130;
  }
  if (t.epoch() < t.target_epochs())
    std::printf(
        "done: stopped at epoch %d, %d epochs after 99 %% test accuracy (stop_after_grok), in %s, run file %s\n",
        t.epoch(), t.config().stop_after_grok, format_duration(secs).c_str(), t.path().c_str());
  else
    std::printf("done: %d epochs in %s, run file %s\n", t.target_epochs(), format_duration(secs).c_str(),
                t.path().c_str());
  return 0;
}

}  // namespace

int cmd_train(int argc, char** argv) {
  const Args a =
      parse_args(argc, argv, 2, {"--preset", "--config", "--set", "--out", "--threads"}, {"--force", "--help"});
  if (a.has("--help")) return std::printf("%s", kTrainUsage), 0;
  if (!a.positional.empty()) throw UsageError("train: unexpected argument " + a.positional.front());
  const auto out = a.get("--out");
  if (!out) throw UsageError("train: --out FILE is required");
  if (a.get("--preset") && a.get("--config")) throw UsageError("train: give --preset or --config, not both");
  const Config cfg = config_from_args(a);
  TrainOptions opt;
  if (auto th = a.get("--threads")) opt.threads = parse_int("--threads", *th, 1, 256);
  Trainer t = Trainer::start(cfg, *out, a.has("--force"), opt);
  return run_training(t);
}

int cmd_resume(int argc, char** argv) {
  const Args a = parse_args(argc, argv, 2, {"--epochs", "--threads"}, {"--help"});
  if (a.has("--help")) return std::printf("%s", kResumeUsage), 0;
  if (a.positional.size() != 1) throw UsageError("resume: expected one run FILE");
  std::optional<int> epochs;
  if (auto e = a.get("--epochs")) epochs = parse_int("--epochs", *e, 1, 10000000);
  TrainOptions opt;
  if (auto th = a.get("--threads")) opt.threads = parse_int("--threads", *th, 1, 256);
  Trainer t = Trainer::resume(a.positional[0], epochs, opt);
  if (t.finished()) {
    std::printf("%s is complete at epoch %d; pass --epochs N to train further\n", t.path().c_str(), t.target_epochs());
    return 0;
  }
  return run_training(t);
}

int cmd_fork(int argc, char** argv) {
  const Args a =
      parse_args(argc, argv, 2, {"--epoch", "--set", "--out", "--threads"}, {"--force", "--no-train", "--help"});
  if (a.has("--help")) return std::printf("%s", kForkUsage), 0;
  if (a.positional.size() != 1) throw UsageError("fork: expected one parent run FILE");
  const auto epoch = a.get("--epoch");
  if (!epoch) throw UsageError("fork: --epoch E is required (a checkpoint of the parent)");
  const auto out = a.get("--out");
  if (!out) throw UsageError("fork: --out FILE is required");
  std::vector<std::string> changes;
  for (const auto& [k, v] : a.options)
    if (k == "--set") changes.push_back(v);
  TrainOptions opt;
  if (auto th = a.get("--threads")) opt.threads = parse_int("--threads", *th, 1, 256);
  const int e = parse_int("--epoch", *epoch, 0, 10000000);
  Trainer t = Trainer::fork(a.positional[0], e, changes, *out, a.has("--force"), opt);
  const bool carried = RunStore::open(*out).meta("optimizer_state") == "parent";
  std::printf("fork of %s at epoch %d: optimizer moments %s\n", a.positional[0].c_str(), e,
              carried ? "carried over" : "fresh (not the parent's newest checkpoint)");
  if (a.has("--no-train")) {
    std::printf("wrote %s (checkpoint %d); train it with: grokking-cli resume %s\n", out->c_str(), e, out->c_str());
    return 0;
  }
  return run_training(t);
}

}  // namespace grok::cli
