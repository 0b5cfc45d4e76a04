// The paper's transformer in the two layouts Python researchers load it in, and the run file's.
//
// The run file stores the authors' state_dict (progress-measures-paper transformers.py), which is
// also the `authors` export. TransformerLens's HookedTransformer names and orients the same
// weights differently; with D = d_model, V = p+1, H = n_heads, Dh = d_head, M = d_mlp:
//
//   authors (run file)                        transformer-lens
//   embed.W_E           [D, V]                embed.W_E             [V, D]        (transposed)
//   pos_embed.W_pos     [3, D]                pos_embed.W_pos       [3, D]
//   blocks.l.attn.W_Q   [H, Dh, D]  (K, V)    blocks.l.attn.W_Q     [H, D, Dh]    (each head transposed)
//   blocks.l.attn.W_O   [D, H*Dh]             blocks.l.attn.W_O     [H, Dh, D]    (out[h,k,d] = W_O[d, h*Dh+k])
//                                             blocks.l.attn.b_Q|b_K|b_V [H, Dh], b_O [D]: zero
//   blocks.l.attn.mask  [3, 3] float tril     blocks.l.attn.mask [3, 3] bool tril, IGNORE [] -inf
//   blocks.l.mlp.W_in   [M, D]                blocks.l.mlp.W_in     [D, M]        (transposed)
//   blocks.l.mlp.b_in   [M], b_out [D]        same
//   blocks.l.mlp.W_out  [D, M]                blocks.l.mlp.W_out    [M, D]        (transposed)
//   unembed.W_U         [D, V]                unembed.W_U [D, V] (or [D, p] from TL-trained models), b_U [V]
//
// Both give the same logits: TransformerLens computes x @ W, the authors W @ x.
//
// The MLP families store their authors' state_dicts as they are (core/model/mlp_families.cpp), the
// `authors` layout and no other: Chughtai et al.'s OneLayerMLP W_x, W_y [n, D], W [2 D, M],
// W_U [M, n]; Gromov's fcn fc1.weight [M, 2 n], fc2.weight [n, M]. to_run_layout recognises them
// by their names.
//
//   ModelShape s;
//   std::vector<NamedArray> run = to_run_layout(file_tensors, "ckpt.pt", &s);  // either layout in
//   std::vector<PtTensor> tl = from_run_layout(run, s, PtLayout::TransformerLens);
//
// Threading: functions of their arguments.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/base/tensor_blob.h"
#include "core/interchange/pickle.h"

namespace grok {

enum class PtLayout { Authors, TransformerLens };
const char* to_string(PtLayout l);  // "authors", "transformer-lens"

struct ModelShape {
  std::string model = "transformer";  // the family (model_names.h) the tensors are
  int p = 0, n_layers = 0, d_model = 0, n_heads = 0, d_head = 0, d_mlp = 0;  // p: the tokens
};

// A tensor to write: the export's buffers are bool (TransformerLens's mask) as well as float.
struct PtTensor {
  std::string name;
  StorageType type = StorageType::F32;
  std::vector<std::int64_t> shape;
  std::vector<unsigned char> bytes;
};

// Recognises either layout, checks every tensor's name and shape against the shape it infers, and
// returns the run file's tensors (authors' names, float32, in the run file's order). A 113-wide
// (p-wide) W_U gets a zero column for '='. Throws RunFileError (Foreign) naming the first tensor
// that does not fit: a missing or misshapen one, an unknown one (LayerNorm weights), a non-zero
// bias (the authors' model has none), more than 3 positions.
std::vector<NamedArray> to_run_layout(const std::vector<NamedArray>& tensors, const std::string& file,
                                      ModelShape* shape, PtLayout* layout = nullptr);

// The run file's tensors of a model of `shape` as the target's state_dict: every parameter and the
// buffers strict loading needs, in the target's names and shapes.
std::vector<PtTensor> from_run_layout(const std::vector<NamedArray>& run, const ModelShape& shape, PtLayout layout);

}  // namespace grok
