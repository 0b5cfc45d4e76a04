#include "core/model/anatomy_maps.h"

#include "core/model/internal/checkpoint_weights.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <string>

namespace grok {
namespace {

const NamedArray& find(const std::vector<NamedArray>& ck, const std::string& name) {
  for (const auto& a : ck)
    if (a.name == name) return a;
  throw std::runtime_error("checkpoint: missing tensor " + name);
}

double value(const NamedArray& a, std::size_t i) {
  if (a.dtype == DType::F32) return a.f32()[i];
  if (a.dtype == DType::F64) return a.f64()[i];
  throw std::runtime_error("tensor " + a.name + " is not floating point");
}

// Rows `tokens` of m's transpose: [tokens, m.rows] (m's columns as rows).
Matrix64 columns(const Matrix64& m, const std::vector<int>& tokens) {
  Matrix64 out{static_cast<std::int64_t>(tokens.size()), m.rows, {}};
  out.v.resize(static_cast<std::size_t>(out.rows * out.cols));
  for (std::int64_t t = 0; t < out.rows; t++)
    for (std::int64_t r = 0; r < m.rows; r++) out.row(t)[r] = m(r, tokens[static_cast<std::size_t>(t)]);
  return out;
}

// Rows i0..i1 (at most 4) of a [n, k] times b^T for bt = b^T [k, m]: each output summed over k in
// order, as a dot product would (the stored measures keep their bits), but with k outside and the
// outputs of the rows inside: independent sums the compiler vectorises, where one dot product at a
// time waited on each addition; four rows a pass over bt, which is read from L2 (512 KB on the
// mainline) once per four rows instead of once per row. Compiled for AVX2 too, without FMA: the
// same products and sums either way.
__attribute__((target_clones("avx2", "default"))) void times_transpose_rows(const double* a, std::int64_t rows,
                                                                            const double* bt, std::int64_t K,
                                                                            std::int64_t m, double* o) {
  for (std::int64_t k = 0; k < K; k++) {
    const double* y = bt + k * m;
    for (std::int64_t r = 0; r < rows; r++) {
      const double x = a[r * K + k];
      double* out = o + r * m;
      for (std::int64_t j = 0; j < m; j++) out[j] += x * y[j];
    }
  }
}

// a [n, k] times b^T, b [m, k] -> [n, m], blocks of rows over the intra-op threads (~2 ms each of
// a scrub's three [113, 128] x [128, 512] maps a row at a time on one thread, in the snapshot's
// serial part).
Matrix64 times_transpose(const Matrix64& a, const Matrix64& b) {
  if (a.cols != b.cols) throw std::runtime_error("model anatomy: matrices of different widths");
  const std::int64_t n = a.rows, m = b.rows, K = a.cols;
  std::vector<double> bt(static_cast<std::size_t>(K * m));  // b^T [k, m]
  for (std::int64_t j = 0; j < m; j++)
    for (std::int64_t k = 0; k < K; k++) bt[static_cast<std::size_t>(k * m + j)] = b(j, k);
  Matrix64 out{n, m, std::vector<double>(static_cast<std::size_t>(n * m), 0.0)};
  constexpr std::int64_t kRows = 4;
  at::parallel_for(0, (n + kRows - 1) / kRows, 2, [&](std::int64_t b0, std::int64_t b1) {
    for (std::int64_t blk = b0; blk < b1; blk++) {
      const std::int64_t i = blk * kRows;
      times_transpose_rows(a.v.data() + i * K, std::min(kRows, n - i), bt.data(), K, m, out.row(i));
    }
  });
  return out;
}

Matrix64 transpose(const Matrix64& m) {
  Matrix64 out{m.cols, m.rows, std::vector<double>(m.v.size())};
  for (std::int64_t r = 0; r < m.rows; r++)
    for (std::int64_t c = 0; c < m.cols; c++) out.row(c)[r] = m(r, c);
  return out;
}

}  // namespace

Matrix64 read_view(const std::vector<NamedArray>& ck, const MatrixView& view) {
  const NamedArray& a = find(ck, view.tensor);
  if (a.shape.size() != 2) throw std::runtime_error("tensor " + a.name + " is not a matrix");
  const std::int64_t R = a.shape[0], C = a.shape[1];
  const std::int64_t rows = view.transposed ? C : R, all = view.transposed ? R : C;
  const std::int64_t cols = view.cols < 0 ? all - view.col0 : view.cols;
  if (view.col0 < 0 || view.col0 + cols > all) throw std::runtime_error("tensor " + a.name + " is too narrow");
  Matrix64 m{rows, cols, std::vector<double>(static_cast<std::size_t>(rows * cols))};
  for (std::int64_t r = 0; r < rows; r++)
    for (std::int64_t c = 0; c < cols; c++) {
      const std::int64_t cc = view.col0 + c;
      m.row(r)[c] = value(a, static_cast<std::size_t>(view.transposed ? cc * C + r : r * C + cc));
    }
  return m;
}

Matrix64 operand_embedding(const Config& cfg, const std::vector<NamedArray>& ck, int operand,
                           const std::vector<int>& tokens) {
  const ModelAnatomy an = model_family(cfg).anatomy(cfg);
  const MatrixView& e = operand == 0 ? an.embedding_a : an.embedding_b;
  return e.empty() ? Matrix64{} : columns(read_view(ck, e), tokens);
}

Matrix64 neuron_inputs(const Config& cfg, const std::vector<NamedArray>& ck, int operand,
                       const std::vector<int>& tokens) {
  const ModelAnatomy an = model_family(cfg).anatomy(cfg);
  if (an.neurons == 0) return {};
  const Matrix64 E = operand_embedding(cfg, ck, operand, tokens);  // [tokens, D]
  if (E.empty()) return {};
  const MatrixView& in = operand == 0 ? an.neuron_in_a : an.neuron_in_b;
  return in.empty() ? E : times_transpose(E, read_view(ck, in));  // [tokens, D] x [M, D]^T
}

Matrix64 logit_map(const Config& cfg, const std::vector<NamedArray>& ck, const std::vector<int>& tokens) {
  const ModelAnatomy an = model_family(cfg).anatomy(cfg);
  const Matrix64 U = columns(read_view(ck, an.unembedding), tokens);  // [tokens, R]
  if (an.neuron_out.empty()) return U;
  return times_transpose(U, transpose(read_view(ck, an.neuron_out)));  // [tokens, R] x [R, M]
}

namespace {

Matrix64 rows_of(const Matrix64& all, const std::vector<int>& tokens) {
  Matrix64 out{static_cast<std::int64_t>(tokens.size()), all.cols, {}};
  out.v.reserve(static_cast<std::size_t>(out.rows * out.cols));
  for (int t : tokens) {
    if (t < 0 || t >= all.rows) throw std::runtime_error("model anatomy: token out of range");
    out.v.insert(out.v.end(), all.v.begin() + t * all.cols, all.v.begin() + (t + 1) * all.cols);
  }
  return out;
}

// 0 .. count - 1.
std::vector<int> first_tokens(std::int64_t count) {
  std::vector<int> t(static_cast<std::size_t>(count));
  std::iota(t.begin(), t.end(), 0);
  return t;
}

}  // namespace

Matrix64 logit_map(const CheckpointWeights& w, const std::vector<int>& tokens) {
  CheckpointWeights::Impl& impl = const_cast<CheckpointWeights::Impl&>(w.impl());
  std::call_once(impl.logit_map_once, [&] {
    const ModelAnatomy an = model_family(impl.cfg).anatomy(impl.cfg);
    impl.logit_map = logit_map(impl.cfg, impl.arrays, first_tokens(read_view(impl.arrays, an.unembedding).cols));
  });
  return rows_of(impl.logit_map, tokens);
}

Matrix64 neuron_inputs(const CheckpointWeights& w, int operand, const std::vector<int>& tokens) {
  CheckpointWeights::Impl& impl = const_cast<CheckpointWeights::Impl&>(w.impl());
  const std::size_t o = operand == 0 ? 0 : 1;
  std::call_once(impl.neuron_inputs_once[o], [&] {
    const ModelAnatomy an = model_family(impl.cfg).anatomy(impl.cfg);
    const MatrixView& e = operand == 0 ? an.embedding_a : an.embedding_b;
    if (!e.empty())
      impl.neuron_inputs[o] =
          neuron_inputs(impl.cfg, impl.arrays, operand, first_tokens(read_view(impl.arrays, e).cols));
  });
  return impl.neuron_inputs[o].empty() ? Matrix64{} : rows_of(impl.neuron_inputs[o], tokens);
}

}  // namespace grok
