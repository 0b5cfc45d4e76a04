#include "core/runtime/machine_load.h"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

namespace grok {
namespace {

struct CpuTimes {
  long long busy = 0;  // clock ticks, summed over the CPUs counted
  long long own = 0;   // clock ticks of this process
  bool ok = false;
};

// Busy ticks of the CPUs in `allowed` (others may belong to another container's share of the host).
CpuTimes read_cpu_times(const cpu_set_t& allowed) {
  CpuTimes t;
  std::ifstream stat("/proc/stat");
  std::string line;
  while (std::getline(stat, line)) {
    if (line.rfind("cpu", 0) != 0) break;  // the cpu lines come first
    int n = -1;
    if (std::sscanf(line.c_str(), "cpu%d", &n) != 1 || n < 0 || n >= CPU_SETSIZE || !CPU_ISSET(n, &allowed))
      continue;  // the "cpu" total line, or a CPU this process may not use
    // user nice system idle iowait irq softirq steal; guest time is inside user already
    long long v[8] = {};
    std::istringstream fields(line.substr(line.find(' ')));
    for (long long& x : v)
      if (!(fields >> x)) return t;
    t.busy += v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
  }
  // /proc/self/stat: the command (field 2) may hold spaces; utime and stime are fields 14 and 15.
  std::ifstream self("/proc/self/stat");
  if (!std::getline(self, line)) return t;
  const auto close = line.rfind(')');
  if (close == std::string::npos) return t;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 13; i++) rest >> field;
  long long utime = 0, stime = 0;
  if (!(rest >> utime >> stime)) return t;
  t.own = utime + stime;
  t.ok = true;
  return t;
}

cpu_set_t allowed_cpus() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) != 0) {
    CPU_ZERO(&set);
    for (unsigned i = 0; i < std::max(1u, std::thread::hardware_concurrency()) && i < CPU_SETSIZE; i++)
      CPU_SET(i, &set);
  }
  return set;
}

}  // namespace

std::string MachineLoad::describe() const {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%.1f of %d CPUs busy elsewhere", others, cpus);
  return buf;
}

MachineLoad measure_machine_load(double seconds) {
  MachineLoad load;
  const cpu_set_t cpus = allowed_cpus();
  load.cpus = std::max(1, CPU_COUNT(&cpus));
  const auto t0 = std::chrono::steady_clock::now();
  const CpuTimes a = read_cpu_times(cpus);
  if (!a.ok) return load;
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));  // the window sampled, not a wait for an event
  const CpuTimes b = read_cpu_times(cpus);
  load.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!b.ok || load.seconds <= 0) return load;
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double others = ((b.busy - a.busy) - (b.own - a.own)) / tick / load.seconds;
  load.others = std::clamp(others, 0.0, static_cast<double>(load.cpus));
  return load;
}

int threads_for_load(const MachineLoad& load, int max_threads) {
  const int free_cpus = static_cast<int>(std::lround(load.cpus - load.others));
  return std::clamp(free_cpus, 1, std::max(1, max_threads));
}

}  // namespace grok
