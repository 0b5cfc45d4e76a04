// Threads for work that uses LibTorch's intra-op threads beside other such work (the app's
// training and its views' analysis).
//
// Why: libgomp (the OpenMP runtime behind LibTorch's at::parallel_for and OpenBLAS) keeps a pool
// of worker threads for every thread that ever ran a parallel region, for as long as that thread
// lives. Once a process holds more pool threads than CPUs, every pool's idle workers stop
// spinning between parallel regions and sleep in the kernel instead; training runs hundreds of
// short regions an epoch and lost ~25 % of its speed on 2 cores when the GUI's analysis thread
// kept a second pool alive (measured with `grokking --bench-training`). A pool ends with its
// thread, so work beside training runs on threads that end with it. A new thread is not free,
// though: its first GEMMs fault in fresh OpenBLAS buffers, which made a mainline snapshot ~40 ms
// slower (~120 instead of ~80 ms). ComputeThread keeps one thread while nothing trains.
//
// Every such thread sets its intra-op thread count explicitly (set_intra_op_threads): OpenBLAS
// (OpenMP build) frees and reallocates its per-thread buffers whenever two threads call it with
// different counts.
#pragma once

#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

namespace grok {

// Intra-op threads of training and of the app's analysis alike: the CLI's default too, so a run
// trained in the window matches one trained by `grokking-cli` bit for bit.
constexpr int kIntraOpThreads = 2;

// The intra-op threads of the calling thread's parallel regions (LibTorch's and OpenBLAS's): a
// per-thread setting (OpenMP's nthreads-var of this thread), unlike at::set_num_threads, which
// also changes the count every thread starts with (process_setup.h sets that once). Threads
// started later are not affected.
void set_intra_op_threads(int threads);

// set_intra_op_threads(threads) for a scope: the calling thread's count before comes back at its
// end, exceptions included.
class ScopedIntraOpThreads {
 public:
  explicit ScopedIntraOpThreads(int threads);
  ~ScopedIntraOpThreads();
  ScopedIntraOpThreads(const ScopedIntraOpThreads&) = delete;
  ScopedIntraOpThreads& operator=(const ScopedIntraOpThreads&) = delete;

 private:
  int before_;
};

// One worker thread that runs jobs for a caller and is kept between jobs (warm) or ended after
// each (its OpenMP pool with it), as set_keep_alive says.
class ComputeThread {
 public:
  explicit ComputeThread(int threads) : threads_(threads) {}
  ~ComputeThread();
  ComputeThread(const ComputeThread&) = delete;
  ComputeThread& operator=(const ComputeThread&) = delete;

  // fn() on the worker thread (started if need be); waits, rethrows fn's exception here. One
  // caller at a time.
  void run(const std::function<void()>& fn);
  // false: the thread ends after the current job, or now if idle; true (the default): it stays.
  void set_keep_alive(bool keep);

 private:
  void loop();
  const int threads_;
  std::mutex m_;
  std::condition_variable cv_;
  std::thread thread_;
  bool alive_ = false, keep_ = true, quit_ = false, done_ = false;
  const std::function<void()>* job_ = nullptr;
  std::exception_ptr error_;
};

}  // namespace grok
