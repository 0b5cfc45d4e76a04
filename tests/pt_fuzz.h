// The seeded mutation fuzzer of the PyTorch checkpoint reader, shared by tests/test_pickle (a short
// run in the suite) and tests/fuzz_pt_reader (millions of inputs under AddressSanitizer, built by
// scripts/fuzz-interchange.sh). Seeds are checkpoints as our exports and Python's pickler write
// them; each input is a mutated pickle inside a valid zip, or a mutated zip, read as import reads
// it. Anything but a RunFileError escaping, or a sanitizer report, is a failure.
#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "core/interchange/checkpoint_layout.h"
#include "core/interchange/pickle.h"
#include "core/interchange/pt_file.h"
#include "core/store/run_file_error.h"

namespace grok::fuzz {

using namespace std::string_literals;

// A tiny model's tensors in the run layout: p = 5, d_model 4, 2 heads of 2, d_mlp 8.
inline const ModelShape kShape{"transformer", 5, 1, 4, 2, 2, 8};

inline std::vector<NamedArray> tiny_run(std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  const std::vector<std::pair<std::string, std::vector<std::int64_t>>> spec = {{"embed.W_E", {4, 6}},
                                                                               {"pos_embed.W_pos", {3, 4}},
                                                                               {"blocks.0.attn.W_K", {2, 2, 4}},
                                                                               {"blocks.0.attn.W_Q", {2, 2, 4}},
                                                                               {"blocks.0.attn.W_V", {2, 2, 4}},
                                                                               {"blocks.0.attn.W_O", {4, 4}},
                                                                               {"blocks.0.mlp.W_in", {8, 4}},
                                                                               {"blocks.0.mlp.b_in", {8}},
                                                                               {"blocks.0.mlp.W_out", {4, 8}},
                                                                               {"blocks.0.mlp.b_out", {4}},
                                                                               {"unembed.W_U", {4, 6}}};
  std::vector<NamedArray> out;
  for (const auto& [name, shape] : spec) {
    NamedArray a;
    a.name = name;
    a.shape = shape;
    a.bytes.resize(a.numel() * 4);
    for (std::int64_t i = 0; i < a.numel(); ++i) reinterpret_cast<float*>(a.bytes.data())[i] = normal(rng);
    out.push_back(std::move(a));
  }
  return out;
}

struct Seed {
  std::string pickle;
  PtStorages storages;
};

// Pickles as our exports write them: a state dict of either layout, a TL file, a full run.
inline std::vector<Seed> seeds() {
  std::vector<Seed> out;
  for (int kind = 0; kind < 3; ++kind) {
    Seed s;
    PickleWriter w;
    const auto add = [&](const std::vector<PtTensor>& ts) {
      w.begin_ordered_dict();
      for (const PtTensor& t : ts) {
        const std::string key = std::to_string(s.storages.size());
        w.string(t.name);
        w.tensor(key, t.type, t.shape);
        s.storages.emplace_back(key, t.bytes);
      }
      w.end_dict();
    };
    if (kind == 0) add(from_run_layout(tiny_run(1), kShape, PtLayout::Authors));
    if (kind == 1) {
      w.begin_dict();
      w.string("state_dict");
      add(from_run_layout(tiny_run(2), kShape, PtLayout::TransformerLens));
      w.string("config");
      w.begin_dict();
      w.string("n_layers");
      w.integer(1);
      w.end_dict();
      w.end_dict();
    }
    if (kind == 2) {
      w.begin_dict();
      w.string("state_dicts");
      w.begin_list();
      add(from_run_layout(tiny_run(3), kShape, PtLayout::Authors));
      add(from_run_layout(tiny_run(4), kShape, PtLayout::Authors));
      w.end_list();
      w.string("epochs");
      w.begin_list();
      w.integer(0);
      w.integer(100000);
      w.end_list();
      w.end_dict();
    }
    s.pickle = w.finish();
    out.push_back(std::move(s));
  }
  // Opcodes Python's pickler uses beyond ours: memo (BINPUT/BINGET), BUILD of a state_dict's
  // _metadata, protocol 4 (FRAME, SHORT_BINUNICODE, MEMOIZE, STACK_GLOBAL), LONG1, BINFLOAT.
  Seed py = out[0];
  py.pickle =
      "\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00"  // PROTO 4, FRAME
      "\x8c\x0b"
      "collections\x94\x8c\x0bOrderedDict\x94\x93\x94)R\x94"  // OrderedDict(), memo 3
      "}\x94(\x8c\x09_metadata\x94}\x94ub"                    // BUILD {"_metadata": {}}, memo 4
      "(\x8c\x01xG?\xf0\x00\x00\x00\x00\x00\x00"              // x: 1.0
      "\x8c\x01y\x8a\x08\x00\x00\x00\x00\x00\x00\x00\x01"     // y: 2^56
      "\x8c\x01zh\x04u."s;                                    // z: memo 4
  out.push_back(py);
  return out;
}

// Reads a whole checkpoint as import does; true if it was accepted.
inline bool read_all(const std::string& zip) {
  const PtFile f = read_pt_bytes(zip, "fuzz.pt");
  for (const PtCheckpoint& c : f.checkpoints) {
    ModelShape s;
    to_run_layout(c.tensors, "fuzz.pt", &s);
  }
  return true;
}

inline std::string mutate(std::string s, const std::vector<Seed>& all, std::mt19937_64& rng) {
  static const unsigned char interesting[] = {0,   1,   2,   0x7f, 0x80, 0xff, '(', ')',  '.',  'q',  'h', 'R',
                                              'b', 'u', 'e', 't',  'X',  'c',  'Q', 0x8a, 0x93, 0x94, 0x95};
  const auto pick = [&](std::size_t n) { return n ? static_cast<std::size_t>(rng() % n) : 0; };
  const int rounds = 1 + static_cast<int>(rng() % 4);
  for (int r = 0; r < rounds && !s.empty(); ++r) {
    const std::size_t at = pick(s.size());
    switch (rng() % 8) {
      case 0: s[at] = static_cast<char>(s[at] ^ (1 << (rng() % 8))); break;
      case 1: s[at] = static_cast<char>(interesting[pick(sizeof interesting)]); break;
      case 2: {  // a 4-byte length or index
        static const std::uint32_t words[] = {0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x10000, 1u << 30};
        const std::uint32_t w = words[pick(7)];
        for (int i = 0; i < 4 && at + i < s.size(); ++i) s[at + i] = static_cast<char>((w >> (8 * i)) & 0xff);
        break;
      }
      case 3: s.erase(at, 1 + pick(16)); break;
      case 4: s.insert(at, std::string(1 + pick(8), static_cast<char>(rng()))); break;
      case 5: s.insert(at, s.substr(pick(s.size()), 1 + pick(32))); break;
      case 6: s.resize(at); break;
      case 7: {  // splice with another seed
        const std::string& o = all[pick(all.size())].pickle;
        s = s.substr(0, at) + o.substr(pick(o.size()));
        break;
      }
    }
  }
  return s;
}

struct FuzzResult {
  long inputs = 0, accepted = 0, refused = 0;
};

// `inputs` mutated checkpoints from `seed`; `failure(i, input, what)` for any that escapes with
// another exception, which ends the loop.
inline FuzzResult fuzz_reader(long inputs, std::uint64_t seed,
                              const std::function<void(long, const std::string&, const char*)>& failure) {
  const std::vector<Seed> all = seeds();
  std::vector<std::string> zips;
  for (const Seed& s : all) zips.push_back(pt_bytes(s.pickle, s.storages));
  std::mt19937_64 rng(seed);
  FuzzResult r;
  for (long i = 0; i < inputs; ++i) {
    const std::size_t k = rng() % all.size();
    const bool whole_zip = i % 4 == 3;  // a quarter mutate the container, the rest the pickle
    std::string input;
    ++r.inputs;
    try {
      input = whole_zip ? mutate(zips[k], all, rng) : pt_bytes(mutate(all[k].pickle, all, rng), all[k].storages);
      r.accepted += read_all(input);
    } catch (const RunFileError&) {
      ++r.refused;
    } catch (const std::exception& e) {
      failure(i, input, e.what());
      break;
    }
  }
  return r;
}

}  // namespace grok::fuzz
