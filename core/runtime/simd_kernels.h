// Which version of the hand-written kernels runs: the AVX2+FMA ones (core/model/table_mix.cpp,
// core/analysis/row_losses.cpp) or their portable C++ fallbacks.
//
// Why: the x86 kernels carry the fast path (the default x86-64 target has neither AVX2 nor FMA, so
// they are compiled with target attributes and chosen at run time), but the core must also build
// and run on arm64 (Debian ships the same packages there), where only the fallbacks exist. The
// fallbacks are tested on x86 too: forcing them (GROK_PORTABLE_KERNELS=1, or
// set_portable_kernels(true) in a test) runs exactly the code an arm64 build runs.
//
// Precision: a fallback is the same computation in plain C++. Where the x86 kernel sums in another
// order, uses FMA or a float exp polynomial, results differ by float rounding, ~1e-6 relative
// (tests/test_kernels.cpp states each tolerance).
//
//   if (use_avx2_kernels()) combine_avx2(...); else combine_generic(...);
//
// Threading: process-wide state. The environment variable is read once, at the first call of any
// of these functions; set_portable_kernels may be called from any thread (an atomic flag), but a
// kernel already running keeps the version it started with.
#pragma once

// 1 where this translation unit may contain the AVX2+FMA kernels: x86-64 with GCC or Clang (target
// attributes, __builtin_cpu_supports). GROK_FORCE_PORTABLE_BUILD pretends otherwise, so that the
// build can check on x86 that the portable branch compiles (core/CMakeLists.txt).
#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__)) && \
    !defined(GROK_FORCE_PORTABLE_BUILD)
#define GROK_X86_KERNELS 1
#else
#define GROK_X86_KERNELS 0
#endif

namespace grok {

// This CPU runs the x86 kernels (AVX2 and FMA), and this build has them.
bool cpu_has_avx2_fma();
// The x86 kernels are to be used: the CPU has them and the fallbacks are not forced.
bool use_avx2_kernels();
// Forces the portable fallbacks (true) or lets the CPU decide (false). The initial value comes
// from GROK_PORTABLE_KERNELS (1 / true / yes / on: forced).
void set_portable_kernels(bool forced);
bool portable_kernels_forced();

}  // namespace grok
