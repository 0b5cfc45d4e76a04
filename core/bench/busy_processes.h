// Busy processes of the benchmark's own, for `grokking-cli bench --throughput --load N`: the
// machine a user trains on is never idle (a browser, an IDE, a build), and the throughput beside
// one busy process is a figure anyone should be able to reproduce with one command.
//
//   {
//     BusyProcesses busy(1);   // one child spinning on a core from here
//     ... measure ...
//   }                          // killed and reaped here
//
// Each child is a fork that spins on a volatile counter and does nothing else (no allocation, no
// library call: a fork of a threaded process may only run async-signal-safe code). Children die
// with the thread that made them (PR_SET_PDEATHSIG, SIGKILL), so a killed or crashed benchmark
// leaves none behind; the destructor kills and reaps them.
//
// Threading: create and destroy on the same thread, and keep that thread alive meanwhile (the
// children die with it).
#pragma once

#include <sys/types.h>

#include <vector>

namespace grok {

class BusyProcesses {
 public:
  // Throws std::runtime_error if a child cannot be started (those already started are stopped).
  explicit BusyProcesses(int count);
  ~BusyProcesses();
  BusyProcesses(const BusyProcesses&) = delete;
  BusyProcesses& operator=(const BusyProcesses&) = delete;

  const std::vector<pid_t>& pids() const { return pids_; }

 private:
  void stop();
  std::vector<pid_t> pids_;
};

}  // namespace grok
