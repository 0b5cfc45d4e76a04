#include "core/runtime/malloc_tuning.h"

#include <malloc.h>

namespace grok {

bool tune_malloc_for_tensors() {
  // 32 MiB is the largest threshold glibc accepts (HEAP_MAX_SIZE / 2); a larger value is refused
  // and leaves the default. The mainline's largest activation is [8939, 512] floats, 18 MB.
  const bool mmap_ok = mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1;
  const bool trim_ok = mallopt(M_TRIM_THRESHOLD, 1 << 30) == 1;  // keep freed memory for the next step
  return mmap_ok && trim_ok;
}

}  // namespace grok
