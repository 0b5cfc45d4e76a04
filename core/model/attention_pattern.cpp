#include "core/model/internal/attention_pattern.h"

#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>
#include <cmath>

#include "core/model/internal/table_mix_passes.h"

namespace grok {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

template <typename T>
void pattern_forward(const std::vector<at::Tensor>& scores, const std::vector<at::Tensor>& idx, T scale, T rate,
                     at::Tensor& p, at::Tensor& alpha) {
  const std::int64_t N = p.size(0), J = p.size(1), H = p.size(2);
  std::vector<const T*> s;
  std::vector<const std::int64_t*> ix;
  for (std::int64_t j = 0; j < J; j++)
    s.push_back(scores[j].data_ptr<T>()), ix.push_back(idx[j].data_ptr<std::int64_t>());
  T* pp = p.data_ptr<T>();
  T* ap = alpha.data_ptr<T>();
  at::parallel_for(0, N, 512, [&](std::int64_t n0, std::int64_t n1) {
    for (std::int64_t n = n0; n < n1; n++) {
      T* pn = pp + n * J * H;
      for (std::int64_t h = 0; h < H; h++) {
        T mx = -INFINITY;
        for (std::int64_t j = 0; j < J; j++) mx = std::max(mx, pn[j * H + h] = scale * s[j][ix[j][n] * H + h]);
        T sum = 0;
        for (std::int64_t j = 0; j < J; j++) sum += pn[j * H + h] = std::exp(pn[j * H + h] - mx);
        for (std::int64_t j = 0; j < J; j++) pn[j * H + h] /= sum;
      }
      if (ap != pp)
        for (std::int64_t c = 0; c < J * H; c++) ap[n * J * H + c] = rate * pn[c] + (1 - rate);
    }
  });
}

template <typename T>
void pattern_backward(const at::Tensor& p, const at::Tensor& grad, const std::vector<at::Tensor>& idx, T scale, T rate,
                      std::vector<at::Tensor>& d_scores) {
  const std::int64_t N = p.size(0), J = p.size(1), H = p.size(2);
  const T* pp = p.data_ptr<T>();
  const T* g = grad.data_ptr<T>();
  // dx[n, j, h] = scale * p_j (d_j - sum_k p_k d_k), d = rate * grad: the softmax's backward.
  at::Tensor dx = at::empty_like(p);
  T* d = dx.data_ptr<T>();
  at::parallel_for(0, N, 512, [&](std::int64_t n0, std::int64_t n1) {
    for (std::int64_t n = n0; n < n1; n++)
      for (std::int64_t h = 0; h < H; h++) {
        T dot = 0;
        for (std::int64_t j = 0; j < J; j++) dot += pp[(n * J + j) * H + h] * (rate * g[(n * J + j) * H + h]);
        for (std::int64_t j = 0; j < J; j++) {
          const std::int64_t c = (n * J + j) * H + h;
          d[c] = scale * (pp[c] * (rate * g[c] - dot));
        }
      }
  });
  // Each score row sums its pairs in ascending order.
  for (std::int64_t j = 0; j < J; j++) {
    const std::int64_t R = d_scores[j].size(0);
    const table_mix_passes::Groups gr = table_mix_passes::group_by_row(idx[j], R);
    T* ds = d_scores[j].data_ptr<T>();
    at::parallel_for(0, R, 16, [&](std::int64_t r0, std::int64_t r1) {
      for (std::int64_t r = r0; r < r1; r++)
        for (std::int64_t h = 0; h < H; h++) {
          T acc = 0;
          for (std::int64_t q = gr.offsets[r]; q < gr.offsets[r + 1]; q++) acc += d[(gr.order[q] * J + j) * H + h];
          ds[r * H + h] = acc;
        }
    });
  }
}

struct AttentionPattern : torch::autograd::Function<AttentionPattern> {
  static at::Tensor forward(AutogradContext* ctx, at::TensorList scores, at::TensorList idx, double scale,
                            double rate) {
    const std::vector<at::Tensor> s(scores.begin(), scores.end()), ix(idx.begin(), idx.end());
    const std::int64_t N = ix[0].size(0), J = static_cast<std::int64_t>(s.size()), H = s[0].size(1);
    at::Tensor p = at::empty({N, J, H}, s[0].options());
    at::Tensor alpha = rate == 1.0 ? p : at::empty_like(p);
    AT_DISPATCH_FLOATING_TYPES(p.scalar_type(), "attention_pattern", [&] {
      pattern_forward<scalar_t>(s, ix, static_cast<scalar_t>(scale), static_cast<scalar_t>(rate), p, alpha);
    });
    variable_list saved = {p};
    saved.insert(saved.end(), ix.begin(), ix.end());
    ctx->save_for_backward(saved);
    ctx->saved_data["scale"] = scale;
    ctx->saved_data["rate"] = rate;
    std::vector<std::int64_t> rows;
    for (const at::Tensor& t : s) rows.push_back(t.size(0));
    ctx->saved_data["rows"] = rows;
    return alpha;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const variable_list saved = ctx->get_saved_variables();
    const at::Tensor& p = saved[0];
    const std::vector<at::Tensor> ix(saved.begin() + 1, saved.end());
    const std::vector<std::int64_t> rows = ctx->saved_data["rows"].toIntVector();
    const at::Tensor g = grads[0].contiguous();
    std::vector<at::Tensor> d_scores;
    for (std::int64_t R : rows) d_scores.push_back(at::empty({R, p.size(2)}, p.options()));
    AT_DISPATCH_FLOATING_TYPES(p.scalar_type(), "attention_pattern_backward", [&] {
      pattern_backward<scalar_t>(p, g, ix, static_cast<scalar_t>(ctx->saved_data["scale"].toDouble()),
                                 static_cast<scalar_t>(ctx->saved_data["rate"].toDouble()), d_scores);
    });
    variable_list out(d_scores.begin(), d_scores.end());
    for (std::size_t j = 0; j < ix.size(); j++) out.emplace_back();  // idx
    out.emplace_back();                                              // scale
    out.emplace_back();                                              // rate
    return out;
  }
};

}  // namespace

at::Tensor attention_pattern(const std::vector<at::Tensor>& scores, const std::vector<at::Tensor>& idx, double scale,
                             double rate) {
  TORCH_CHECK(!scores.empty() && scores.size() == idx.size(), "attention_pattern: one index vector per score table");
  std::vector<at::Tensor> s, ix;
  for (std::size_t j = 0; j < scores.size(); j++) {
    TORCH_CHECK(scores[j].dim() == 2 && scores[j].size(1) == scores[0].size(1) && idx[j].size(0) == idx[0].size(0),
                "attention_pattern: scores [R_j, H] and indices [N]");
    s.push_back(scores[j].contiguous());
    ix.push_back(idx[j].contiguous());
  }
  return AttentionPattern::apply(at::TensorList(s), at::TensorList(ix), scale, rate);
}

}  // namespace grok
