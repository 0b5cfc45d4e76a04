// A sweep on a Slurm cluster: job arrays over the runs that are not complete, array task i running
// `grokking-cli sweep task DIR --index R` for the i-th of them (what `grokking-cli sweep submit` does).
//
// Why a job array and no wrapper: Slurm is what most university clusters run, and an array is
// one job to watch, cancel or limit (`%M` tasks at once) however many runs the sweep has. Each task
// is the same binary on the same folder (a shared filesystem), so nothing but grokking-cli and the
// sweep folder has to exist on the cluster: no Python, no helper script. A task trains or resumes
// its run (sweep_runner.h); SIGTERM (scancel, preemption, the time limit) commits a checkpoint
// first, so a requeued or resubmitted task loses at most the epochs since it.
//
// Array indices are not run indices: a cluster takes indices below its MaxArraySize only (1001 by
// default), so runs 1001 and up could never be submitted. Task i trains the i-th run still to do,
// as the script lists them, and more runs than MaxArraySize go in several arrays.
//
// The batch script (written to DIR/slurm/submit-N.sbatch, kept for the record):
//   #!/bin/sh
//   #SBATCH --job-name=grok-fractions
//   #SBATCH --array=0-4%2                   one task a run still to do; %M only with max_parallel
//   #SBATCH --ntasks=1
//   #SBATCH --cpus-per-task=2               the task's SLURM_CPUS_PER_TASK = its run's threads
//   #SBATCH --output=/abs/fractions/slurm/%A_%a.out
//   #SBATCH --open-mode=append              a requeued task adds to its earlier output
//   #SBATCH --requeue                       preempted or failed nodes: the task runs again
//   set -- 0 1 2 3 7                        the runs of tasks 0, 1, ...
//   shift "$SLURM_ARRAY_TASK_ID"
//   exec '/abs/grokking-cli' sweep task '/abs/fractions' --index "$1"
//
//   SlurmPlan p = plan_slurm_submission(Sweep::open("fractions"), {.binary = self, .max_parallel = 2});
//   for (SlurmSubmission& s : p.arrays) submit_to_slurm(s);  // throws SlurmError; s.job_id = "1234"
//
// Threading: plain functions; submit_to_slurm blocks the caller while sbatch runs.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "core/experiments/sweep.h"

namespace grok {

struct SlurmOptions {
  std::string binary;                    // absolute path of the grokking-cli each task runs
  std::vector<std::string> sbatch_args;  // passed to sbatch before the script (--partition=gpu, --time=2:00:00)
  int max_parallel = 0;                  // array tasks at once (0: as many as Slurm allows)
  int cpus_per_task = 2;                 // CPUs of each task, which its run takes as intra-op threads
  int max_array_size = 0;                // tasks per array (0: the cluster's MaxArraySize, 1001 if unknown)
};

struct SlurmSubmission {
  std::vector<int> indices;          // the runs of tasks 0, 1, ...: not complete, not training elsewhere
  std::string array;                 // "0-4%2"
  std::string script_path;           // DIR/slurm/submit-N.sbatch (absolute)
  std::string script;                // its text
  std::vector<std::string> command;  // sbatch --parsable [sbatch_args] script_path
  std::string job_id;                // set by submit_to_slurm
};

// sbatch missing (NotInstalled) or refusing the job (Refused): one line, with sbatch's own message.
class SlurmError : public std::runtime_error {
 public:
  enum class Kind { NotInstalled, Refused };
  SlurmError(Kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

struct SlurmPlan {
  std::vector<SlurmSubmission> arrays;  // at most max_array_size runs each; none if nothing is to do
  std::vector<int> training;            // runs left out: another process holds their lock now
  int max_array_size = 0;               // what the arrays were cut to
};

// "0-3,7" (consecutive indices as ranges), then "%M" when max_parallel > 0. Indices ascending.
std::string slurm_array_spec(const std::vector<int>& indices, int max_parallel);

// The cluster's MaxArraySize (`scontrol show config`), or 1001, Slurm's default, if it cannot tell.
int slurm_max_array_size();

// What would be submitted; reads the runs' states, writes nothing. Throws ConfigError when the
// folder's path cannot go into an #SBATCH line (a double quote, a backslash, a newline).
SlurmPlan plan_slurm_submission(const Sweep& sweep, const SlurmOptions& opt);

// Writes the script, runs sbatch and sets s.job_id; appends "TIME job ID array A script" to
// DIR/slurm/submissions.log. On any SlurmError nothing is left behind (no script, no new folder).
void submit_to_slurm(SlurmSubmission& s);

// Where `program` is on PATH (empty: not found).
std::string find_on_path(const std::string& program);

// A child process's exit code (128 + signal if killed) and everything it wrote.
struct ProcessOutput {
  int exit_code = -1;
  std::string out, err;
};
// Runs argv[0] (looked up on PATH) with this process's environment; blocks until it exits.
// Throws std::runtime_error if it cannot be started.
ProcessOutput run_process(const std::vector<std::string>& argv);

}  // namespace grok
