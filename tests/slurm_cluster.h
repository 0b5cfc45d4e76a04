// A throwaway single-node Slurm cluster in a temporary folder, for tests that submit real job
// arrays (tests/test_slurm.cpp).
//
// Why a real cluster: what `grokking-cli sweep submit` must get right is what only Slurm checks
// (the #SBATCH lines, the array spec, the environment a task sees, what scancel sends). Debian's
// slurmctld, slurmd and munged start in about two seconds as root with everything in one folder:
// their own munge key and socket, random free ports on 127.0.0.1, no cgroups (containers), no
// accounting database, more CPUs declared than the machine has so that cheap tasks run side by side.
//
//   SlurmCluster c(dir);                  // throws std::runtime_error: what failed, a log's last lines
//   QProcess p; p.setProcessEnvironment(c.env());   // SLURM_CONF for grokking-cli and its sbatch
//   c.wait_until_ended(job, 120000);      // polls squeue
//   // ~SlurmCluster: cancels every job, waits for them to end, stops the daemons by PID
//
// Every folder above `dir` must be searchable by all (munged checks its socket's).
// The daemons are this process's children (in the foreground) and get SIGTERM if it dies.
// Threading: one thread; every call blocks while the client command it runs.
#pragma once

#include <QProcess>
#include <QString>
#include <QStringList>
#include <functional>
#include <map>
#include <memory>
#include <vector>

namespace grok::test {

class SlurmCluster {
 public:
  explicit SlurmCluster(const QString& dir);
  ~SlurmCluster();
  SlurmCluster(const SlurmCluster&) = delete;
  SlurmCluster& operator=(const SlurmCluster&) = delete;

  // The system environment plus SLURM_CONF: what grokking-cli and the Slurm clients run with.
  const QProcessEnvironment& env() const { return env_; }

  // Runs a Slurm client ("squeue", "scancel", "scontrol") with env(); its standard output.
  // Throws std::runtime_error with its standard error when it fails.
  QString client(const QString& program, const QStringList& args) const;

  // Array task ("12_3") -> state ("PENDING", "RUNNING", "SUSPENDED", "COMPLETED", "CANCELLED", ...),
  // from squeue -t all -r (there is no accounting database, so no sacct).
  std::map<QString, QString> task_states(const QString& job) const;
  static bool ended(const QString& state);  // not pending, running, suspended, completing or requeued

  // Polls squeue until every task of `job` has ended; false at the deadline.
  bool wait_until_ended(const QString& job, int timeout_ms) const;
  // Polls squeue until task `job_index` ("12_3") is in `state`; false at the deadline.
  bool wait_for_state(const QString& job_index, const QString& state, int timeout_ms) const;

 private:
  struct Daemon {
    QString name, log;
    std::unique_ptr<QProcess> process;
  };
  void start(const QString& name, const QStringList& args, const QString& log);
  void check_alive() const;  // throws naming a daemon that exited, with its log's last lines
  void stop();

  QString dir_;
  QProcessEnvironment env_;
  std::vector<Daemon> daemons_;  // in start order; stopped in reverse
};

// Polls `done` every `interval_ms` until it holds or `timeout_ms` passed; whether it held.
bool poll_until(const std::function<bool()>& done, int timeout_ms, int interval_ms = 100);

}  // namespace grok::test
