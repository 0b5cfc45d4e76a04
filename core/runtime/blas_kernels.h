// OpenBLAS kernel selection for CPUs newer than the installed OpenBLAS.
#pragma once

#include <string>

namespace grok {

// OpenBLAS picks its kernels once, when it loads, from the CPU model. Debian 12's 0.3.21 does not
// know recent Intel Xeons (seen: Sapphire Rapids class with AVX-512 and BF16) and falls back to
// "Prescott", its SSE3 kernels: GEMMs ~3x slower (58 against 168 GFLOP/s on the model's shapes) and
// training ~2x slower. The documented override, OPENBLAS_CORETYPE, is only read at load, so when
// the fallback is detected on a CPU that has AVX2 or AVX-512, this sets it to the kernel family
// the CPU supports and re-executes the program (this executable, same arguments); call it first in
// main(). It does nothing when OPENBLAS_CORETYPE is already set (the user's choice wins, and the
// re-executed process never loops), when BLAS is not OpenBLAS, or when OpenBLAS chose a real core.
void reexec_if_openblas_fell_back(char** argv);

// OpenBLAS's kernel family in this process ("Cooperlake", "Prescott", ...), or "" if BLAS is not
// OpenBLAS.
std::string openblas_core();

}  // namespace grok
