#include "core/runtime/blas_kernels.h"

#include <dlfcn.h>
#include <strings.h>

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

template <typename T>
using Gemm = void (*)(const char*, const char*, const int*, const int*, const int*, const T*, const T*, const int*,
                      const T*, const int*, const T*, T*, const int*);

template <typename T>
bool gemm(const char* symbol, char transa, char transb, int m, int n, int k, const T* a, int lda, const T* b, int ldb,
          T beta, T* c, int ldc) {
  static const auto f = reinterpret_cast<Gemm<T>>(dlsym(RTLD_DEFAULT, symbol));
  if (!f) return false;
  const T one = 1;
  f(&transa, &transb, &m, &n, &k, &one, a, &lda, b, &ldb, &beta, c, &ldc);
  return true;
}

}  // namespace

bool blas_gemm(char transa, char transb, int m, int n, int k, const float* a, int lda, const float* b, int ldb,
               float beta, float* c, int ldc) {
  return gemm<float>("sgemm_", transa, transb, m, n, k, a, lda, b, ldb, beta, c, ldc);
}

bool blas_gemm(char transa, char transb, int m, int n, int k, const double* a, int lda, const double* b, int ldb,
               double beta, double* c, int ldc) {
  return gemm<double>("dgemm_", transa, transb, m, n, k, a, lda, b, ldb, beta, c, ldc);
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

const char* openblas_coretype_to_set() {
  if (std::getenv("OPENBLAS_CORETYPE")) return nullptr;
  const std::string core = openblas_core();
  if (core.empty() || strcasecmp(core.c_str(), "Prescott") != 0) return nullptr;
  return supported_core();
}

}  // namespace grok
