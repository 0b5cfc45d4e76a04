#include "core/model/internal/gemm_jobs.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
#include <numeric>

namespace grok {

bool run_gemm_jobs(const std::vector<GemmJob>& jobs) {
  const std::int64_t threads = std::max<std::int64_t>(1, std::min<std::int64_t>(at::get_num_threads(), jobs.size()));
  // Longest first, each to the least loaded thread; a thread runs its jobs in list order.
  std::vector<std::size_t> by_cost(jobs.size());
  std::iota(by_cost.begin(), by_cost.end(), 0);
  std::stable_sort(by_cost.begin(), by_cost.end(),
                   [&](std::size_t a, std::size_t b) { return jobs[a].flops > jobs[b].flops; });
  std::vector<double> load(static_cast<std::size_t>(threads), 0);
  std::vector<std::vector<std::size_t>> mine(static_cast<std::size_t>(threads));
  for (std::size_t j : by_cost) {
    const auto t = static_cast<std::size_t>(std::min_element(load.begin(), load.end()) - load.begin());
    load[t] += jobs[j].flops;
    mine[t].push_back(j);
  }
  for (auto& m : mine) std::sort(m.begin(), m.end());
  std::atomic<bool> ok{true};
  at::parallel_for(0, threads, 1, [&](std::int64_t t0, std::int64_t t1) {
    for (std::int64_t t = t0; t < t1; t++)
      for (std::size_t j : mine[static_cast<std::size_t>(t)])
        if (ok && !jobs[j].run()) ok = false;
  });
  return ok;
}

}  // namespace grok
