#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

#include <vector>

#include "core/model/internal/gemm_jobs.h"
#include "core/model/internal/table_mix.h"

namespace grok {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Every (stream, head) product of the tables, or of their gradients, is its own small GEMM: run
// one per thread, each by BLAS on the calling thread (gemm_jobs.h), with the heads' column blocks
// addressed by stride. at::bmm over the permuted views copied them to contiguous memory first and
// split each [R, 32] x [32, K] product across both threads: half the GEMM rate at this size.
// Row-major X [a, b] with row stride s is column-major X^T with leading dimension s.
template <typename T>
void forward_jobs(const std::vector<at::Tensor>& v, const at::Tensor& A, std::vector<at::Tensor>& out,
                  std::vector<GemmJob>& jobs) {
  const std::int64_t J = static_cast<std::int64_t>(v.size()), H = v[0].size(1), Dh = v[0].size(2), K = A.size(0);
  const std::int64_t ld = H * Dh;
  const T* a = A.data_ptr<T>();
  for (std::int64_t j = 0; j < J; j++)
    for (std::int64_t h = 0; h < H; h++) {
      const std::int64_t R = v[j].size(0);
      const T* vj = v[j].data_ptr<T>();
      T* o = out[j].data_ptr<T>() + h * R * K;
      // table_j[h] [R, K] = v_j[:, h] [R, Dh] A_h^T
      jobs.push_back({2.0 * R * Dh * K, [=] {
                        return row_major_gemm<T>('N', 'T', R, K, Dh, vj + h * Dh, ld, a + h * Dh, ld, T(0), o, K);
                      }});
    }
}

// Jobs of two kinds: d_v_j[:, h] = d_table_j[h] A_h, one GEMM each, and d_A_h = sum over the
// streams in order of d_table_j[h]^T v_j[:, h], J GEMMs in one job (fixed order).
template <typename T>
void backward_jobs(const std::vector<at::Tensor>& v, const at::Tensor& A, const std::vector<at::Tensor>& d_tables,
                   std::vector<at::Tensor>& d_v, at::Tensor& d_A, std::vector<GemmJob>& jobs) {
  const std::int64_t J = static_cast<std::int64_t>(v.size()), H = v[0].size(1), Dh = v[0].size(2), K = A.size(0);
  const std::int64_t ld = H * Dh;
  const T* a = A.data_ptr<T>();
  T* da = d_A.data_ptr<T>();
  for (std::int64_t h = 0; h < H; h++) {
    for (std::int64_t j = 0; j < J; j++) {
      const std::int64_t R = v[j].size(0);
      const T* g = d_tables[j].data_ptr<T>() + h * R * K;
      T* dv = d_v[j].data_ptr<T>() + h * Dh;
      jobs.push_back({2.0 * R * Dh * K,
                      [=] { return row_major_gemm<T>('N', 'N', R, Dh, K, g, K, a + h * Dh, ld, T(0), dv, ld); }});
    }
    double flops = 0;
    for (std::int64_t j = 0; j < J; j++) flops += 2.0 * v[j].size(0) * Dh * K;
    std::vector<const T*> vs, gs;
    std::vector<std::int64_t> Rs;
    for (std::int64_t j = 0; j < J; j++)
      vs.push_back(v[j].data_ptr<T>() + h * Dh), Rs.push_back(v[j].size(0)),
          gs.push_back(d_tables[j].data_ptr<T>() + h * v[j].size(0) * K);
    jobs.push_back(
        {flops, [=] {
           for (std::int64_t j = 0; j < J; j++)  // d_A_h [K, Dh] (+)= d_table_j[h]^T v_j[:, h]
             if (!row_major_gemm<T>('T', 'N', K, Dh, Rs[j], gs[j], K, vs[j], ld, T(j == 0 ? 0 : 1), da + h * Dh, ld))
               return false;
           return true;
         }});
  }
}

}  // namespace

std::vector<GemmJob> table_mix_tables_jobs(const std::vector<at::Tensor>& values, const at::Tensor& A,
                                           std::vector<at::Tensor>& out) {
  std::vector<GemmJob> jobs;
  AT_DISPATCH_FLOATING_TYPES(A.scalar_type(), "table_mix_tables_jobs",
                             [&] { forward_jobs<scalar_t>(values, A, out, jobs); });
  return jobs;
}

std::vector<GemmJob> table_mix_tables_backward_jobs(const std::vector<at::Tensor>& values, const at::Tensor& A,
                                                    const std::vector<at::Tensor>& d_tables,
                                                    std::vector<at::Tensor>& d_values, at::Tensor& d_A) {
  std::vector<GemmJob> jobs;
  AT_DISPATCH_FLOATING_TYPES(A.scalar_type(), "table_mix_tables_backward_jobs",
                             [&] { backward_jobs<scalar_t>(values, A, d_tables, d_values, d_A, jobs); });
  return jobs;
}

namespace {

struct PerHeadTables : torch::autograd::Function<PerHeadTables> {
  static variable_list forward(AutogradContext* ctx, const at::Tensor& A, at::TensorList values) {
    const std::vector<at::Tensor> v(values.begin(), values.end());
    const std::int64_t H = v[0].size(1), K = A.size(0);
    std::vector<at::Tensor> out;
    for (const at::Tensor& x : v) out.push_back(at::empty({H, x.size(0), K}, A.options()));
    if (!run_gemm_jobs(table_mix_tables_jobs(v, A, out)))  // no BLAS in the process: ATen's batched product
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
    if (!run_gemm_jobs(table_mix_tables_backward_jobs(v, A, d_tables, d_v, d_A))) {
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
