// How much of the machine other processes use right now, and the intra-op thread count a run
// starting now should take from it.
//
// Why: training runs hundreds of short OpenMP parallel regions an epoch, each ending at a barrier.
// When another busy process holds one of the cores, one of two training threads is descheduled for
// a time slice at a time and the other waits for it at every barrier. Measured on 2 cores with
// `grokking-cli bench --throughput` (issue 11): 47.2 epochs/s alone; beside one busy process 11.8
// on two threads (25 %) but 28.9 on one (61 %). Alone, two threads are ~1.7x as fast as one. So a
// run takes as many threads as there are CPUs left free, at most kIntraOpThreads: two on a quiet
// machine (nothing lost), one beside a busy process.
//
// The count is chosen once, when a run starts, and kept: LibTorch's and OpenBLAS's reductions split
// differently on 1 and 2 threads (the loss differs from epoch 0 on, in the 9th digit), so the count is
// part of what makes a run reproducible (same config, seed and thread count -> the same bits). The
// run file records it (meta `threads`), resume continues with it, and `--threads N` fixes it. Load
// that arrives after the start is not followed (a run never changes its count by itself); two
// runs started at the same instant each see the other idle.
//
//   const MachineLoad l = measure_machine_load();  // 0.5 s
//   set_intra_op_threads(threads_for_load(l, kIntraOpThreads));  // compute_thread.h
//
// Reads /proc/stat and /proc/self/stat (Linux); where they cannot be read the load reads as zero.
// Threading: any thread; nothing is shared.
#pragma once

#include <string>

namespace grok {

struct MachineLoad {
  int cpus = 1;                  // CPUs this process may run on
  double others = 0;             // CPUs' worth of time other processes (and the hypervisor: steal) took
  double seconds = 0;            // the window measured
  std::string describe() const;  // "1.0 of 2 CPUs busy elsewhere"
};

// Samples the CPU time of the whole machine and of this process over `seconds`.
MachineLoad measure_machine_load(double seconds = 0.5);

// The CPUs left free, rounded (another process using half a core or more takes it), at least 1,
// at most `max_threads`.
int threads_for_load(const MachineLoad& load, int max_threads);

}  // namespace grok
