#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

#include <atomic>
#include <vector>

#include "core/model/internal/table_mix.h"
#include "core/runtime/blas_kernels.h"

namespace grok {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Every (stream, head) product of the tables, or of their gradients, is its own small GEMM: run
// one per thread, each by BLAS on the calling thread (blas_gemm), with the heads' column blocks
// addressed by stride. at::bmm over the permuted views copied them to contiguous memory first and
// split each [R, 32] x [32, K] product across both threads: half the GEMM rate at this size.
// Row-major X [a, b] with row stride s is column-major X^T with leading dimension s.
template <typename T>
bool tables_forward(const std::vector<at::Tensor>& v, const at::Tensor& A, std::vector<at::Tensor>& out) {
  const std::int64_t J = static_cast<std::int64_t>(v.size()), H = v[0].size(1), Dh = v[0].size(2), K = A.size(0);
  const int ld = static_cast<int>(H * Dh), iK = static_cast<int>(K), iDh = static_cast<int>(Dh);
  std::atomic<bool> ok{true};
  at::parallel_for(0, J * H, 1, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t job = b; job < e && ok; job++) {
      const std::int64_t j = job / H, h = job % H, R = v[j].size(0);
      // table_j[h] [R, K] = v_j[:, h] [R, Dh] A_h^T: column-major table^T = A_h v_j[:, h]^T.
      if (!blas_gemm('T', 'N', iK, static_cast<int>(R), iDh, A.data_ptr<T>() + h * Dh, ld, v[j].data_ptr<T>() + h * Dh,
                     ld, T(0), out[j].data_ptr<T>() + h * R * K, iK))
        ok = false;
    }
  });
  return ok;
}

template <typename T>
bool tables_backward(const std::vector<at::Tensor>& v, const at::Tensor& A, const std::vector<at::Tensor>& d_tables,
                     std::vector<at::Tensor>& d_v, at::Tensor& d_A) {
  const std::int64_t J = static_cast<std::int64_t>(v.size()), H = v[0].size(1), Dh = v[0].size(2), K = A.size(0);
  const int ld = static_cast<int>(H * Dh), iK = static_cast<int>(K), iDh = static_cast<int>(Dh);
  std::atomic<bool> ok{true};
  // Jobs of two kinds: d_v_j[:, h] = d_table_j[h] A_h, one GEMM each, and d_A_h = sum over the
  // streams in order of d_table_j[h]^T v_j[:, h], J GEMMs each (one job sums a head's streams:
  // fixed order). parallel_for hands each thread a contiguous run of jobs, so they are listed
  // interleaved, head h's d_A job after head h's d_v jobs: every run then holds about as many
  // GEMMs as the next. Listed kinds first, the second thread had 10 GEMMs to the first's 6 on the
  // mainline (J = 2, H = 4) and waited for nothing while the first idled.
  std::vector<std::int64_t> order;  // job -> (j * H + h) for d_v, J * H + h for d_A
  for (std::int64_t h = 0; h < H; h++) {
    for (std::int64_t j = 0; j < J; j++) order.push_back(j * H + h);
    order.push_back(J * H + h);
  }
  at::parallel_for(0, J * H + H, 1, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e && ok; i++) {
      const std::int64_t job = order[static_cast<std::size_t>(i)];
      if (job < J * H) {
        const std::int64_t j = job / H, h = job % H, R = v[j].size(0);
        if (!blas_gemm('N', 'N', iDh, static_cast<int>(R), iK, A.data_ptr<T>() + h * Dh, ld,
                       d_tables[j].data_ptr<T>() + h * R * K, iK, T(0), d_v[j].data_ptr<T>() + h * Dh, ld))
          ok = false;
        continue;
      }
      const std::int64_t h = job - J * H;
      for (std::int64_t j = 0; j < J && ok; j++) {
        const std::int64_t R = v[j].size(0);
        if (!blas_gemm('N', 'T', iDh, iK, static_cast<int>(R), v[j].data_ptr<T>() + h * Dh, ld,
                       d_tables[j].data_ptr<T>() + h * R * K, iK, T(j == 0 ? 0 : 1), d_A.data_ptr<T>() + h * Dh, ld))
          ok = false;
      }
    }
  });
  return ok;
}

struct PerHeadTables : torch::autograd::Function<PerHeadTables> {
  static variable_list forward(AutogradContext* ctx, const at::Tensor& A, at::TensorList values) {
    const std::vector<at::Tensor> v(values.begin(), values.end());
    const std::int64_t H = v[0].size(1), K = A.size(0);
    std::vector<at::Tensor> out;
    for (const at::Tensor& x : v) out.push_back(at::empty({H, x.size(0), K}, A.options()));
    bool ok = false;
    AT_DISPATCH_FLOATING_TYPES(A.scalar_type(), "table_mix_tables", [&] { ok = tables_forward<scalar_t>(v, A, out); });
    if (!ok)  // no BLAS in the process: ATen's batched product
      for (std::size_t j = 0; j < v.size(); j++)
        out[j].copy_(at::bmm(v[j].permute({1, 0, 2}), A.view({K, H, -1}).permute({1, 2, 0})));
    variable_list saved = {A};
    saved.insert(saved.end(), v.begin(), v.end());
    ctx->save_for_backward(saved);
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const variable_list s = ctx->get_saved_variables();
    const at::Tensor& A = s[0];
    const std::vector<at::Tensor> v(s.begin() + 1, s.end());
    std::vector<at::Tensor> d_tables, d_v;
    for (std::size_t j = 0; j < v.size(); j++) {
      // A table nobody read gets no gradient: zeros, so that every stream's product runs alike.
      d_tables.push_back(grads[j].defined() ? grads[j].contiguous()
                                            : at::zeros({v[j].size(1), v[j].size(0), A.size(0)}, A.options()));
      d_v.push_back(at::empty_like(v[j]));
    }
    at::Tensor d_A = at::empty_like(A);
    bool ok = false;
    AT_DISPATCH_FLOATING_TYPES(A.scalar_type(), "table_mix_tables_backward",
                               [&] { ok = tables_backward<scalar_t>(v, A, d_tables, d_v, d_A); });
    if (!ok) {
      const std::int64_t H = v[0].size(1), K = A.size(0);
      const at::Tensor Ah = A.view({K, H, -1}).permute({1, 0, 2});  // [H, K, Dh]
      d_A.zero_();
      for (std::size_t j = 0; j < v.size(); j++) {
        d_v[j].copy_(at::bmm(d_tables[j], Ah).permute({1, 0, 2}));
        d_A.view({K, H, -1}).add_(at::bmm(d_tables[j].transpose(1, 2), v[j].permute({1, 0, 2})).permute({1, 0, 2}));
      }
    }
    variable_list out = {d_A};
    out.insert(out.end(), d_v.begin(), d_v.end());
    return out;
  }
};

}  // namespace

std::vector<at::Tensor> table_mix_tables(const std::vector<at::Tensor>& values, const at::Tensor& A) {
  TORCH_CHECK(!values.empty() && A.dim() == 2, "table_mix_tables: values [R_j, H, Dh] and A [K, H * Dh]");
  std::vector<at::Tensor> v;
  for (const at::Tensor& x : values) {
    TORCH_CHECK(x.dim() == 3 && x.size(1) * x.size(2) == A.size(1) && x.size(1) == values[0].size(1),
                "table_mix_tables: values [R_j, H, Dh] must match A [K, H * Dh]");
    v.push_back(x.contiguous());
  }
  return PerHeadTables::apply(A.contiguous(), at::TensorList(v));
}

}  // namespace grok
