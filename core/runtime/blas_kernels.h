// OpenBLAS kernel selection for CPUs newer than the installed OpenBLAS.
#pragma once

#include <string>

namespace grok {

// OpenBLAS picks its kernels once, when it loads, from the CPU model. Debian 12's 0.3.21 does not
// know recent CPUs (seen: Sapphire Rapids class Xeons with AVX-512 and BF16, Zen 5 EPYCs) and falls
// back to "Prescott", its SSE3 kernels: GEMMs ~3x slower (58 against 168 GFLOP/s on the model's
// shapes) and training ~2x slower. The documented override, OPENBLAS_CORETYPE, is only read at
// load: this returns the kernel family to set there when the fallback is detected on a CPU that
// has AVX2 or AVX-512, and nullptr when OPENBLAS_CORETYPE is already set (the user's choice wins,
// and a re-executed process never loops), when BLAS is not OpenBLAS, or when OpenBLAS chose a real
// core. The process set-up (process_setup.h) sets it and re-executes the program.
const char* openblas_coretype_to_set();

// OpenBLAS's kernel family in this process ("Cooperlake", "Prescott", ...), or "" if BLAS is not
// OpenBLAS.
std::string openblas_core();

}  // namespace grok
