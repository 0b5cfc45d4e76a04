#include "core/bench/busy_processes.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace grok {
namespace {

[[noreturn]] void spin(pid_t parent) {
  // Dies with the parent's thread; if the parent is gone already, the signal will never come.
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(0);
  volatile unsigned long counter = 0;
  while (true) counter = counter + 1;
}

}  // namespace

BusyProcesses::BusyProcesses(int count) {
  const pid_t self = getpid();
  for (int i = 0; i < count; i++) {
    const pid_t pid = fork();
    if (pid == 0) spin(self);
    if (pid < 0) {
      const int err = errno;
      stop();
      throw std::runtime_error(std::string("cannot start a busy process: ") + std::strerror(err));
    }
    pids_.push_back(pid);
  }
}

BusyProcesses::~BusyProcesses() { stop(); }

void BusyProcesses::stop() {
  for (const pid_t pid : pids_) kill(pid, SIGKILL);
  for (const pid_t pid : pids_)
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  pids_.clear();
}

}  // namespace grok
