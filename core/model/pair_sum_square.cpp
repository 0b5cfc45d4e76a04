#include "core/model/internal/pair_sum_square.h"

#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>

namespace grok {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

template <typename S>
void square_rows(const S* T, std::int64_t M, const std::int64_t* ia, const std::int64_t* ib, std::int64_t N, S* h) {
  at::parallel_for(0, N, 64, [&](std::int64_t i0, std::int64_t i1) {
    for (std::int64_t i = i0; i < i1; i++) {
      const S *x = T + ia[i] * M, *y = T + ib[i] * M;
      S* o = h + i * M;
      for (std::int64_t m = 0; m < M; m++) {
        const S s = x[m] + y[m];
        o[m] = s * s;
      }
    }
  });
}

// ga, gb [R, M] zeroed: the gradient's rows added in pair order, each thread its own columns.
template <typename S>
void spread_rows(const S* T, std::int64_t M, const std::int64_t* ia, const std::int64_t* ib, std::int64_t N,
                 const S* dh, S* ga, S* gb) {
  constexpr std::int64_t kCols = 64;
  at::parallel_for(0, (M + kCols - 1) / kCols, 1, [&](std::int64_t c0, std::int64_t c1) {
    const std::int64_t m0 = c0 * kCols, m1 = std::min(M, c1 * kCols);
    for (std::int64_t i = 0; i < N; i++) {
      const S *x = T + ia[i] * M, *y = T + ib[i] * M, *g = dh + i * M;
      S *pa = ga + ia[i] * M, *pb = gb + ib[i] * M;
      for (std::int64_t m = m0; m < m1; m++) {
        const S t = g[m] * (x[m] + y[m]);
        const S d = t + t;  // the square's two products, as autograd sums them
        pa[m] += d;
        pb[m] += d;
      }
    }
  });
}

struct PairSumSquare : torch::autograd::Function<PairSumSquare> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& T, const at::Tensor& ia, const at::Tensor& ib) {
    at::Tensor h = at::empty({ia.size(0), T.size(1)}, T.options());
    AT_DISPATCH_FLOATING_TYPES(T.scalar_type(), "pair_sum_square", [&] {
      square_rows<scalar_t>(T.data_ptr<scalar_t>(), T.size(1), ia.data_ptr<std::int64_t>(), ib.data_ptr<std::int64_t>(),
                            ia.size(0), h.data_ptr<scalar_t>());
    });
    ctx->save_for_backward({T, ia, ib});
    return h;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const variable_list s = ctx->get_saved_variables();
    const at::Tensor &T = s[0], &ia = s[1], &ib = s[2];
    const at::Tensor dh = grads[0].contiguous();
    at::Tensor ga = at::zeros_like(T), gb = at::zeros_like(T);
    AT_DISPATCH_FLOATING_TYPES(T.scalar_type(), "pair_sum_square_backward", [&] {
      spread_rows<scalar_t>(T.data_ptr<scalar_t>(), T.size(1), ia.data_ptr<std::int64_t>(), ib.data_ptr<std::int64_t>(),
                            ia.size(0), dh.data_ptr<scalar_t>(), ga.data_ptr<scalar_t>(), gb.data_ptr<scalar_t>());
    });
    return {ga.add_(gb), at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor pair_sum_square(const at::Tensor& T, const at::Tensor& ia, const at::Tensor& ib) {
  TORCH_CHECK(T.dim() == 2 && ia.dim() == 1 && ib.dim() == 1 && ia.size(0) == ib.size(0),
              "pair_sum_square: T [R, M], ia and ib [N]");
  const at::Tensor a = ia.to(at::kLong).contiguous(), b = ib.to(at::kLong).contiguous();
  // One plain pass over the indices (every training step): four ATen reductions did the same.
  const std::int64_t R = T.size(0), N = a.numel();
  const std::int64_t *ap = a.data_ptr<std::int64_t>(), *bp = b.data_ptr<std::int64_t>();
  bool inside = true;
  for (std::int64_t i = 0; i < N; i++) inside &= ap[i] >= 0 && ap[i] < R && bp[i] >= 0 && bp[i] < R;
  TORCH_CHECK(inside, "pair_sum_square: row indices outside T");
  return PairSumSquare::apply(T.contiguous(), a, b);
}

}  // namespace grok
