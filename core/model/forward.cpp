// What forward.h declares for every model family: batches, dropout, a held MLP layer, the loss
// and the accuracy.
#include "core/model/internal/forward.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <vector>

#include "core/model/internal/row_kernels.h"

namespace grok {

Batch make_batch(const Split& s) {
  auto column = [](const std::vector<int>& v) {
    return at::tensor(std::vector<std::int64_t>(v.begin(), v.end()), at::kLong);
  };
  Batch out{column(s.a), column(s.b), column(s.c), {}, s.corrupted};
  if (!s.c_true.empty()) out.true_labels = column(s.c_true);
  return out;
}

Batch all_pairs(int p) {
  const at::Tensor ab = at::arange(p * p, at::kLong);
  return {ab.div(p, "floor"), ab.remainder(p), at::Tensor(), {}, 0};
}

at::Tensor apply_dropout(const at::Tensor& x, const ForwardOptions& opt) {
  if (opt.dropout <= 0) return x;
  return x * at::empty_like(x).bernoulli_(1.0 - opt.dropout, *opt.rng) / (1.0 - opt.dropout);
}

at::Tensor held_or(const at::Tensor& post, const ForwardOptions& opt, int layer) {
  if (!opt.final_mlp || opt.final_mlp->layer != layer) return post;
  return opt.final_mlp->post.to(post.scalar_type()).unsqueeze(0).expand({post.size(0), -1});
}

at::Tensor cross_entropy_f64(const at::Tensor& logits, const at::Tensor& labels) {
  const at::Tensor logp = at::log_softmax(logits.to(at::kDouble), -1);  // [N, V]
  return -logp.gather(1, labels.unsqueeze(1)).mean();
}

namespace {

// Row r's argmax over its first n entries as ATen's argmax defines it (row_kernels::argmax),
// == labels[r], counted. One pass over contiguous rows: ATen's argmax over the narrowed, strided
// logits cost ~1 ms a training step on mainline.
template <typename T>
std::int64_t count_argmax_hits(const T* x, std::int64_t rows, std::int64_t stride, std::int64_t n,
                               const std::int64_t* labels) {
  std::vector<std::int64_t> part(static_cast<std::size_t>((rows + 255) / 256), 0);
  const bool x86 = use_avx2_kernels();
  at::parallel_for(0, static_cast<std::int64_t>(part.size()), 1, [&](std::int64_t c0, std::int64_t c1) {
    for (std::int64_t c = c0; c < c1; c++)
      for (std::int64_t r = c * 256; r < std::min(rows, (c + 1) * 256); r++) {
        part[static_cast<std::size_t>(c)] += row_kernels::argmax<T>(x86, x + r * stride, n) == labels[r];
      }
  });
  std::int64_t hits = 0;
  for (std::int64_t h : part) hits += h;
  return hits;
}

}  // namespace

std::int64_t count_correct(const at::Tensor& logits, const at::Tensor& labels, std::int64_t n) {
  const at::Tensor x = logits.detach().stride(1) == 1 ? logits.detach() : logits.detach().contiguous();
  const at::Tensor y = labels.to(at::kLong).contiguous();
  std::int64_t hits = 0;
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "count_correct", [&] {
    hits = count_argmax_hits<scalar_t>(x.data_ptr<scalar_t>(), x.size(0), x.stride(0), n, y.data_ptr<std::int64_t>());
  });
  return hits;
}

}  // namespace grok
