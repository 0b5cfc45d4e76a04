// Small independent GEMMs run side by side, each on one thread by BLAS on that thread: the first
// layer's weight products (a few of [626 x 128] x [128 x 128] and smaller) and their gradients.
// At these sizes a product split over two threads spends much of its time at OpenMP barriers; two
// products, one a thread, do not. Each job's bits are BLAS's on one thread, whatever the thread
// count, and whatever jobs run beside it.
//
//   std::vector<GemmJob> jobs;
//   jobs.push_back({flops, [&] { return row_major_gemm<float>('N', 'T', m, n, k, A, lda, B, ldb, 0.f, C, ldc); }});
//   if (!run_gemm_jobs(jobs)) ...;   // false: no BLAS in the process (blas_kernels.h)
//
// Threading: the calling thread's intra-op pool; jobs go to threads longest first, each to the
// least loaded (a job list keeps its order on its thread, so a job that sums into a buffer in
// steps is one job).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "core/runtime/blas_kernels.h"

namespace grok {

struct GemmJob {
  double flops;               // its cost, for the balance
  std::function<bool()> run;  // false when BLAS is missing
};

bool run_gemm_jobs(const std::vector<GemmJob>& jobs);

// Row-major C [M, N] = op(A) op(B) + beta C, op 'N' (as stored) or 'T' (transposed), through the
// column-major BLAS: C^T = op(B)^T op(A)^T. lda, ldb, ldc: the row strides as stored.
template <typename T>
bool row_major_gemm(char ta, char tb, std::int64_t M, std::int64_t N, std::int64_t K, const T* A, std::int64_t lda,
                    const T* B, std::int64_t ldb, T beta, T* C, std::int64_t ldc) {
  return blas_gemm(tb, ta, static_cast<int>(N), static_cast<int>(M), static_cast<int>(K), B, static_cast<int>(ldb), A,
                   static_cast<int>(lda), beta, C, static_cast<int>(ldc));
}

}  // namespace grok
