// OpenBLAS kernel selection for CPUs newer than the installed OpenBLAS, and the BLAS's gemm for
// kernels that call it on blocks of their own rows.
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

// C = op(A) op(B) + beta C in BLAS's column-major convention (transa / transb 'N' or 'T'), through
// the BLAS LibTorch itself calls (libblas.so.3, looked up at run time like openblas_get_corename).
// Why not at::mm: a kernel that splits its rows across threads multiplies one block per thread,
// into strided rows of its own buffer. Inside an OpenMP parallel region OpenBLAS (OpenMP build)
// runs the product on the calling thread alone. False, writing nothing, when no BLAS is loaded.
//   blas_gemm('T', 'N', M, rows, V, W, V, g, V, 0.f, out, ldc);   // out rows = g rows W^T, W [M, V]
bool blas_gemm(char transa, char transb, int m, int n, int k, const float* a, int lda, const float* b, int ldb,
               float beta, float* c, int ldc);
bool blas_gemm(char transa, char transb, int m, int n, int k, const double* a, int lda, const double* b, int ldb,
               double beta, double* c, int ldc);

}  // namespace grok
