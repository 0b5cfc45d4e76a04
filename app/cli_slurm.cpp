// grokking-cli sweep submit: a sweep's incomplete runs as Slurm job arrays
// (core/experiments/slurm.h). Exit codes: 0 submitted or nothing to submit, 1 sbatch refused the
// job, 2 sbatch missing or bad input; nothing is written unless sbatch accepts the job.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "cli_args.h"
#include "core/experiments/slurm.h"
#include "core/runtime/compute_thread.h"

namespace grok::cli {
namespace {

const char* kSubmitUsage =
    "usage: grokking-cli sweep submit DIR [--slurm ARG]... [--max-parallel M] [--cpus-per-task C] [--dry-run]\n"
    "  Submits a Slurm job array over the runs that are not complete (a run another process trains now\n"
    "  is left to it). Task I runs this grokking-cli: 'sweep task DIR --index R' for the I-th of those runs\n"
    "  (the script lists them), which trains or resumes run R; more runs than the cluster's MaxArraySize go\n"
    "  in several arrays. Each batch script goes to DIR/slurm/submit-N.sbatch, task I's output to\n"
    "  DIR/slurm/JOB_I.out.\n"
    "  --slurm ARG         passed to sbatch as it is, repeatable: --slurm --partition=cpu --slurm --time=4:00:00\n"
    "  --max-parallel M    at most M tasks at once (--array=...%M)\n"
    "  --cpus-per-task C   CPUs of each task, which its run takes as intra-op threads (default 2)\n"
    "  --dry-run           print the batch script and the sbatch command; submit nothing\n"
    "  The binary and DIR must be on a filesystem every node sees. After scancel, preemption or a time\n"
    "  limit (each task commits a checkpoint on SIGTERM), submit again: incomplete runs resume.\n"
    "  Exit: 0 submitted (or nothing to submit), 1 sbatch refused the job, 2 sbatch not found or bad input.\n";

// A word as a shell would need it, for showing the command line.
std::string shown(const std::string& w) {
  if (!w.empty() && w.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                                        "_-+=.,:/@%") == std::string::npos)
    return w;
  std::string q = "'";
  for (char c : w) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string runs_text(const std::vector<int>& idx) {
  std::string t;
  for (int i : idx) t += (t.empty() ? "" : ", ") + std::to_string(i);
  return t;
}

std::string this_binary() {
  std::error_code ec;
  const std::filesystem::path p = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec)
    throw std::runtime_error("sweep submit: cannot find this binary's path (/proc/self/exe: " + ec.message() + ")");
  return p.string();
}

}  // namespace

int cmd_sweep_submit(int argc, char** argv) {
  const Args a = parse_args(argc, argv, 3, {"--slurm", "--max-parallel", "--cpus-per-task"}, {"--help", "--dry-run"});
  if (a.has("--help")) return std::printf("%s", kSubmitUsage), 0;
  if (a.positional.size() != 1) throw UsageError("sweep submit: expected one sweep folder DIR");
  const Sweep sweep = Sweep::open(a.positional[0]);
  SlurmOptions opt;
  opt.binary = this_binary();
  opt.cpus_per_task = kIntraOpThreads;
  for (const auto& [k, v] : a.options)
    if (k == "--slurm") opt.sbatch_args.push_back(v);
  if (auto m = a.get("--max-parallel")) opt.max_parallel = parse_int("--max-parallel", *m, 1, 100000);
  if (auto c = a.get("--cpus-per-task")) opt.cpus_per_task = parse_int("--cpus-per-task", *c, 1, 1024);

  SlurmPlan plan = plan_slurm_submission(sweep, opt);
  const std::string training = plan.training.empty()
                                   ? ""
                                   : "left out: run" + std::string(plan.training.size() > 1 ? "s " : " ") +
                                         runs_text(plan.training) + " (another process is training " +
                                         (plan.training.size() > 1 ? "them" : "it") + " now)\n";
  if (plan.arrays.empty()) {
    std::printf("nothing to submit: %s\n%s",
                plan.training.empty() ? "every run of the sweep is complete" : "every other run is complete",
                training.c_str());
    return 0;
  }
  const std::string split = plan.arrays.size() < 2
                                ? ""
                                : std::to_string(plan.arrays.size()) + " job arrays: the cluster's MaxArraySize is " +
                                      std::to_string(plan.max_array_size) +
                                      (opt.max_parallel > 0 ? " (each after the one before, for --max-parallel)" : "") +
                                      "\n";
  if (a.has("--dry-run")) {
    for (const SlurmSubmission& s : plan.arrays) {
      std::string command;
      for (const std::string& w : s.command) command += (command.empty() ? "" : " ") + shown(w);
      std::printf("# dry run: would write %s:\n%s# and run:\n%s\n", s.script_path.c_str(), s.script.c_str(),
                  command.c_str());
    }
    std::printf("%s%s", split.c_str(), training.c_str());
    return 0;
  }
  std::string queued;  // the arrays already submitted, for a failure's message
  for (std::size_t k = 0; k < plan.arrays.size(); ++k) {
    SlurmSubmission& s = plan.arrays[k];
    // %M bounds one array: with several, each waits for the one before, so that at most M run at once.
    if (k > 0 && opt.max_parallel > 0)
      s.command.insert(s.command.end() - 1, "--dependency=afterany:" + plan.arrays[k - 1].job_id);
    try {
      submit_to_slurm(s);
    } catch (const SlurmError& e) {
      const std::string already = queued.empty() ? "" : " (already queued: job " + queued + "; scancel or keep it)";
      std::fprintf(stderr, "error: sweep submit: %s%s\n", e.what(), already.c_str());
      return e.kind() == SlurmError::Kind::NotInstalled ? 2 : 1;
    }
    queued += (queued.empty() ? "" : ", ") + s.job_id;
    const std::string slurm_dir = std::filesystem::path(s.script_path).parent_path().string();
    std::printf("submitted job %s: array %s, %zu run%s of %s (runs %s)\n", s.job_id.c_str(), s.array.c_str(),
                s.indices.size(), s.indices.size() > 1 ? "s" : "", sweep.dir().c_str(),
                slurm_array_spec(s.indices, 0).c_str());
    std::printf("  script  %s\n  output  %s/%s_<task>.out (task i: the i-th of those runs)\n", s.script_path.c_str(),
                slurm_dir.c_str(), s.job_id.c_str());
  }
  std::printf("%s%sfollow with: grokking-cli sweep status %s\n", split.c_str(), training.c_str(), sweep.dir().c_str());
  return 0;
}

}  // namespace grok::cli
