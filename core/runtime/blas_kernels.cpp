#include "core/runtime/blas_kernels.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace grok {

std::string openblas_core() {
  // Looked up, not linked: LibTorch reaches BLAS through libblas.so.3, which may be the reference
  // BLAS (no such symbol) or OpenBLAS.
  using CoreName = char* (*)();
  auto f = reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  const char* name = f ? f() : nullptr;
  return name ? std::string(name) : std::string();
}

namespace {

// The best OpenBLAS 0.3.21 kernel family for float GEMMs that this CPU can run, or nullptr.
const char* supported_core() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
                      __builtin_cpu_supports("avx512cd");
  // Not "Cooperlake" even where BF16 exists: 0.3.21's OPENBLAS_CORETYPE parser does not know the
  // name ("Core not found"), and its float kernels are SkylakeX's.
  if (avx512) return "SkylakeX";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
#endif
  return nullptr;
}

}  // namespace

void reexec_if_openblas_fell_back(char** argv) {
  if (std::getenv("OPENBLAS_CORETYPE")) return;
  const std::string core = openblas_core();
  if (core.empty() || strcasecmp(core.c_str(), "Prescott") != 0) return;
  const char* better = supported_core();
  if (!better) return;
  setenv("OPENBLAS_CORETYPE", better, 1);
  // The resolved path, not /proc/self/exe itself: the process keeps its name ("exe" otherwise in
  // ps, top and the window manager).
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return;
  self[n] = '\0';
  execv(self, argv);
  // Only reached if exec failed: go on with the slow kernels rather than not at all.
}

}  // namespace grok
