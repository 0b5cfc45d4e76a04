#include "core/runtime/simd_kernels.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <initializer_list>

namespace grok {
namespace {

bool env_forces_portable() {
  const char* v = std::getenv("GROK_PORTABLE_KERNELS");
  if (!v) return false;
  for (const char* yes : {"1", "true", "yes", "on", "TRUE", "YES", "ON"})
    if (std::strcmp(v, yes) == 0) return true;
  return false;
}

// Function-local statics: safe to call during static initialisation of another file.
std::atomic<bool>& forced() {
  static std::atomic<bool> f{env_forces_portable()};
  return f;
}

}  // namespace

bool cpu_has_avx2_fma() {
#if GROK_X86_KERNELS
  static const bool have = [] {
    __builtin_cpu_init();  // needed when this runs before the library's own initialisers
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }();
  return have;
#else
  return false;
#endif
}

bool use_avx2_kernels() { return cpu_has_avx2_fma() && !forced().load(std::memory_order_relaxed); }

void set_portable_kernels(bool f) { forced().store(f, std::memory_order_relaxed); }

bool portable_kernels_forced() { return forced().load(std::memory_order_relaxed); }

}  // namespace grok
