// A transformer built by hand to run the paper's Fourier multiplication algorithm at chosen
// frequencies, in the group of any operation (core/base/operation_group.h): the analysis must find
// exactly what was planted. Built from stored-tensor arrays, so no LibTorch header is needed.
//
// Residual dims 4i..4i+3 belong to key frequency i: cos, sin of the input element and cos, sin of
// the output; dims 4K, 4K+1, 4K+2 mark the positions 0, 1, 2.
//  - W_E puts cos(w e(t)), sin(w e(t)) of token t's element e(t) in the input dims (0 for a token
//    outside the group); W_pos puts the position markers.
//  - Head 0 attends from '=' to position 0 (a), head 1 to position 1 (b): W_Q reads the '=' marker,
//    W_K the position's, with scores ~35 (the rest ~1e-15). Head 1's W_O multiplies the sine by
//    invert_b (-1), so the residual at '=' holds cos(wi) + cos(wj), sin(wi) + sin(wj) with j = -e(b) when inverted.
//    Heads 2.. attend uniformly and write nothing.
//  - Neuron (i, n) with phase f = 2 pi n / per: ReLU(cos(wi + f) + cos(wj + f)).
//  - W_out, W_U give W_L[c, neuron] = scale cos(w e(c) + 2f); summed over the phases the logits are
//    proportional to |cos(w(i-j)/2)| cos(w(i+j-k)), largest at the right answer.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "core/base/config.h"
#include "core/base/operation_group.h"
#include "core/base/task.h"
#include "core/base/tensor_blob.h"

namespace grok::test {

inline NamedArray zeros(const std::string& name, std::vector<std::int64_t> shape) {
  NamedArray a;
  a.name = name;
  a.shape = std::move(shape);
  a.bytes.assign(static_cast<std::size_t>(a.numel()) * 4, 0);
  return a;
}
inline float& at(NamedArray& a, std::int64_t i) { return reinterpret_cast<float*>(a.bytes.data())[i]; }

inline Config planted_config(std::string op = std::string("add")) {
  Config c;
  c.task = op;
  c.p = 31;
  c.d_model = 32;
  c.n_heads = 4;
  c.d_head = 8;
  c.d_mlp = 120;  // 40 neurons per key frequency
  return c;
}

// A one-layer transformer's tensors, zero but for the routing every planted model shares: W_pos
// marks positions 0, 1, 2 in residual dims P0..P0+2, and head h (0, 1) attends from '=' to position
// h with a score of 100 / sqrt(d_head) (the others' weights ~1e-15 for d_head <= 32).
struct PlantedTransformer {
  NamedArray WE, Wpos, WK, WQ, WV, WO, Win, bin, Wout, bout, WU;
  std::vector<NamedArray> arrays() const { return {WK, WO, WQ, WV, Win, Wout, bin, bout, WE, Wpos, WU}; }
};
inline PlantedTransformer planted_routing(const Config& c, int V, int P0) {
  const int D = c.d_model, H = c.n_heads, Dh = c.d_head, M = c.d_mlp;
  PlantedTransformer t{zeros("embed.W_E", {D, V}),
                       zeros("pos_embed.W_pos", {3, D}),
                       zeros("blocks.0.attn.W_K", {H, Dh, D}),
                       zeros("blocks.0.attn.W_Q", {H, Dh, D}),
                       zeros("blocks.0.attn.W_V", {H, Dh, D}),
                       zeros("blocks.0.attn.W_O", {D, H * Dh}),
                       zeros("blocks.0.mlp.W_in", {M, D}),
                       zeros("blocks.0.mlp.b_in", {M}),
                       zeros("blocks.0.mlp.W_out", {D, M}),
                       zeros("blocks.0.mlp.b_out", {D}),
                       zeros("unembed.W_U", {D, V})};
  for (int pos = 0; pos < 3; pos++) at(t.Wpos, pos * D + P0 + pos) = 1;
  for (int h = 0; h < 2; h++) {
    at(t.WQ, (h * Dh + 0) * D + P0 + 2) = 10;
    at(t.WK, (h * Dh + 0) * D + P0 + h) = 10;
  }
  return t;
}

inline std::vector<NamedArray> planted_checkpoint(const Config& c, const std::vector<int>& key, float scale) {
  const OperationGroup g = Task(c).group();
  const int p = c.p, V = p + 1, D = c.d_model, H = c.n_heads, Dh = c.d_head, M = c.d_mlp;
  const int K = static_cast<int>(key.size()), per = M / K, P0 = 4 * K;
  PlantedTransformer t = planted_routing(c, V, P0);
  NamedArray &WE = t.WE, &WV = t.WV, &WO = t.WO, &Win = t.Win, &Wout = t.Wout, &WU = t.WU;
  for (int i = 0; i < K; i++) {
    const double w = 2 * M_PI * key[i] / g.n;
    const int d = 4 * i;
    for (int t = 0; t < p; t++) {
      const int e = g.element[t];
      if (e < 0) continue;  // outside the group: embeds and unembeds to 0
      at(WE, (d + 0) * V + t) = static_cast<float>(std::cos(w * e));
      at(WE, (d + 1) * V + t) = static_cast<float>(std::sin(w * e));
      at(WU, (d + 2) * V + t) = scale * static_cast<float>(std::cos(w * e));
      at(WU, (d + 3) * V + t) = scale * static_cast<float>(std::sin(w * e));
    }
    for (int h = 0; h < 2; h++)
      for (int u = 0; u < 2; u++) {
        at(WV, (h * Dh + 2 * i + u) * D + d + u) = 1;
        at(WO, (d + u) * H * Dh + h * Dh + 2 * i + u) = (h == 1 && u == 1) ? (g.invert_b ? -1.f : 1.f) : 1.f;
      }
    for (int n = 0; n < per; n++) {
      const int j = i * per + n;
      const double f = 2 * M_PI * n / per;
      at(Win, j * D + d + 0) = static_cast<float>(std::cos(f));
      at(Win, j * D + d + 1) = static_cast<float>(-std::sin(f));
      at(Wout, (d + 2) * M + j) = static_cast<float>(std::cos(2 * f));
      at(Wout, (d + 3) * M + j) = static_cast<float>(-std::sin(2 * f));
    }
  }
  return t.arrays();
}

}  // namespace grok::test
