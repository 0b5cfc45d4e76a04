#include "core/model/internal/paired_mm.h"

#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>
#include <vector>

#include "core/model/internal/gemm_jobs.h"

namespace grok {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// A matrix operand as BLAS reads it: row-major storage with leading dimension ld, used as stored or
// transposed. A weight's transposed view (W.t()) is read in place, without a copy.
template <typename T>
struct Operand {
  const T* p;
  std::int64_t ld;
  bool transposed;  // the stored row-major matrix is the operand's transpose
};

template <typename T>
Operand<T> operand(const at::Tensor& X) {
  if (X.stride(1) == 1 && X.stride(0) >= X.size(1)) return {X.data_ptr<T>(), X.stride(0), false};
  return {X.data_ptr<T>(), X.stride(1), true};  // column-major: X^T is row-major
}

bool readable(const at::Tensor& X) {
  return (X.stride(1) == 1 && X.stride(0) >= std::max<std::int64_t>(X.size(1), 1)) ||
         (X.stride(0) == 1 && X.stride(1) >= std::max<std::int64_t>(X.size(0), 1));
}

struct PairedMm : torch::autograd::Function<PairedMm> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& A, const at::Tensor& B) {
    ctx->save_for_backward({A, B});
    return at::mm(A, B);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const variable_list s = ctx->get_saved_variables();
    const at::Tensor &A = s[0], &B = s[1];
    const at::Tensor g = grads[0].contiguous();
    const std::int64_t m = A.size(0), k = A.size(1), n = B.size(1);
    at::Tensor dA = at::empty({m, k}, A.options()), dB = at::empty({k, n}, B.options());
    std::vector<GemmJob> jobs;
    AT_DISPATCH_FLOATING_TYPES(A.scalar_type(), "paired_mm_backward", [&] {
      const Operand<scalar_t> a = operand<scalar_t>(A), b = operand<scalar_t>(B);
      const scalar_t* gp = g.data_ptr<scalar_t>();
      scalar_t *da = dA.data_ptr<scalar_t>(), *db = dB.data_ptr<scalar_t>();
      const double flops = 2.0 * m * k * n;
      jobs.push_back({flops, [=] {  // dA = g B^T
                        return row_major_gemm<scalar_t>('N', b.transposed ? 'N' : 'T', m, k, n, gp, n, b.p, b.ld,
                                                        scalar_t(0), da, k);
                      }});
      jobs.push_back({flops, [=] {  // dB = A^T g
                        return row_major_gemm<scalar_t>(a.transposed ? 'N' : 'T', 'N', k, n, m, a.p, a.ld, gp, n,
                                                        scalar_t(0), db, n);
                      }});
    });
    const bool ok = run_gemm_jobs(jobs);
    if (!ok) {  // no BLAS in the process: ATen's products
      dA = at::mm(g, B.t());
      dB = at::mm(A.t(), g);
    }
    return {dA, dB};
  }
};

}  // namespace

at::Tensor paired_mm(const at::Tensor& A, const at::Tensor& B) {
  TORCH_CHECK(A.dim() == 2 && B.dim() == 2 && A.size(1) == B.size(0), "paired_mm: A [m, k] and B [k, n]");
  return PairedMm::apply(readable(A) ? A : A.contiguous(), readable(B) ? B : B.contiguous());
}

}  // namespace grok
