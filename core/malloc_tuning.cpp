#include "core/malloc_tuning.h"

#include <malloc.h>

namespace grok {

void tune_malloc_for_training() {
  mallopt(M_MMAP_THRESHOLD, 1 << 30);  // allocations below 1 GiB come from the heap
  mallopt(M_TRIM_THRESHOLD, 1 << 30);  // and freed heap memory is kept for the next step
}

}  // namespace grok
