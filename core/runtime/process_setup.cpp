#include "core/runtime/process_setup.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>

#include "core/runtime/blas_kernels.h"
#include "core/runtime/compute_thread.h"
#include "core/runtime/malloc_tuning.h"

namespace grok {
namespace {

std::atomic<bool> g_set_up{false};

// Sets what the libraries read only when they load; true if anything had to be set.
bool set_load_time_environment() {
  bool changed = false;
  if (const char* core = openblas_coretype_to_set()) {
    setenv("OPENBLAS_CORETYPE", core, 1);
    changed = true;
  }
  // OpenMP's waiting: libgomp's default (spin ~3 ms at a barrier, then sleep) is kept, see the header.
  return changed;
}

void reexec(char** argv) {
  // The resolved path, not /proc/self/exe itself: the process keeps its name ("exe" otherwise in
  // ps, top and the window manager).
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return;
  self[n] = '\0';
  execv(self, argv);
  // Only reached if exec failed: go on with the libraries as they loaded rather than not at all.
}

}  // namespace

void set_up_process(char** argv) {
  if (g_set_up.exchange(true)) return;
  if (argv && set_load_time_environment()) reexec(argv);
  tune_malloc_for_tensors();
  // Once memorised, the wrong classes' probabilities underflow and their gradients become
  // subnormal floats, which x86 computes ~100x slower: flush them to zero (results change far below
  // any printed digit; runs stay deterministic). The setting is this thread's (MXCSR) and every
  // thread started from it afterwards inherits it: OpenMP's workers, Qt's threads, ours.
  at::globalContext().setFlushDenormal(true);
  // The count each thread's LibTorch and OpenBLAS work starts with; compute threads set their own.
  at::set_num_threads(kIntraOpThreads);
}

bool process_is_set_up() { return g_set_up.load(); }

}  // namespace grok
