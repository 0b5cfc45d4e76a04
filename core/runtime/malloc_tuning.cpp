#include "core/runtime/malloc_tuning.h"

#include <malloc.h>

namespace grok {

bool tune_malloc_for_tensors() {
  // 32 MiB is the largest threshold glibc accepts (HEAP_MAX_SIZE / 2); a larger value is refused
  // and leaves the default. The mainline's largest activation is [8939, 512] floats, 18 MB.
  const bool mmap_ok = mallopt(M_MMAP_THRESHOLD, static_cast<int>(kLargestHeapAllocation)) == 1;
  const bool trim_ok = mallopt(M_TRIM_THRESHOLD, 1 << 30) == 1;  // keep freed memory for the next step
  // One arena, the main one, for every thread: a thread's own arena grows by heaps of its own and
  // unmaps each heap once it is all free, so the snapshot service's thread page-faulted a
  // snapshot's temporaries in afresh every time (the S5 forward 35 -> 30 ms in the window; training
  // from the window and grokking-cli bench unchanged, docs/performance.md).
  const bool arena_ok = mallopt(M_ARENA_MAX, 1) == 1;
  return mmap_ok && trim_ok && arena_ok;
}

}  // namespace grok
