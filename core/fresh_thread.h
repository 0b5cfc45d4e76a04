// Runs work that uses LibTorch's intra-op threads on a new thread, and waits for it.
//
// Why: libgomp (the OpenMP runtime behind LibTorch's at::parallel_for and OpenBLAS) keeps a pool
// of worker threads for every thread that ever ran a parallel region, for as long as that thread
// lives. Once a process holds more pool threads than CPUs, every pool's idle workers stop
// spinning between parallel regions and sleep in the kernel instead; training runs hundreds of
// short regions an epoch and lost ~25 % of its speed on 2 cores when the GUI's analysis thread
// kept a second pool alive (measured with `grokking --bench-training`). A pool ends with its
// thread, so work beside training runs on short-lived threads: the cost is one thread start
// (~0.1 ms) per job.
//
// Every such thread sets its intra-op thread count explicitly: LibTorch's default on this
// 2-vCPU machine is 1 while OpenBLAS's is 2, and OpenBLAS (OpenMP build) frees and reallocates
// its per-thread buffers whenever two threads call it with different counts.
#pragma once

#include <functional>

namespace grok {

// fn() on a new thread that uses `threads` intra-op threads; rethrows fn's exception here.
void run_on_fresh_thread(int threads, const std::function<void()>& fn);

}  // namespace grok
