// The checkpoint reader's safety (core/interchange/pickle.h, pt_file.h): what the writer writes
// reads back, globals outside a state dict's are refused by name, hostile streams (cycles, deep
// nesting, huge lengths, tensors past their storage, every truncation) end in one error, and a
// seeded mutation fuzzer finds no input that escapes with anything but a RunFileError.
//
// GROK_FUZZ_INPUTS sets the fuzzer's count (default 30 000 here); scripts/fuzz-interchange.sh runs
// millions under AddressSanitizer in a build of its own and docs/interchange.md records the count.
#include <QtTest>

#include <cstdlib>
#include <random>

#include "core/interchange/checkpoint_layout.h"
#include "core/interchange/pickle.h"
#include "core/interchange/pt_file.h"
#include "core/store/run_file_error.h"
#include "test_util.h"

using namespace grok;
using namespace std::string_literals;

namespace {

using K = PickleValue::Kind;

// A tiny model's tensors in the run layout: p = 5, d_model 4, 2 heads of 2, d_mlp 8.
const ModelShape kShape{5, 1, 4, 2, 2, 8};

std::vector<NamedArray> tiny_run(std::uint32_t seed) {
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
std::vector<Seed> seeds() {
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
bool read_all(const std::string& zip) {
  const PtFile f = read_pt_bytes(zip, "fuzz.pt");
  for (const PtCheckpoint& c : f.checkpoints) {
    ModelShape s;
    to_run_layout(c.tensors, "fuzz.pt", &s);
  }
  return true;
}

std::string mutate(std::string s, const std::vector<Seed>& all, std::mt19937_64& rng) {
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

}  // namespace

class TestPickle : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void writerRoundTrips() {
    PickleWriter w;
    w.begin_dict();
    const std::int64_t ints[] = {0, 255, 256, 65535, 65536, -1, INT32_MIN, INT32_MAX, INT64_MAX, INT64_MIN};
    w.string("ints");
    w.begin_list();
    for (std::int64_t i : ints) w.integer(i);
    w.end_list();
    w.string("text");
    w.string("héllo");
    w.string("none");
    w.none();
    w.string("yes");
    w.boolean(true);
    w.string("t");
    w.tensor("0", StorageType::F64, {2, 3});
    w.end_dict();
    const Pickle pk = parse_pickle(w.finish());
    const PickleValue* root = pk.root();
    QVERIFY(root->is(K::Dict));
    const PickleValue* list = root->get("ints");
    QCOMPARE(list->items.size(), std::size(ints));
    for (std::size_t i = 0; i < std::size(ints); ++i) QCOMPARE(list->items[i]->integer, ints[i]);
    QCOMPARE(root->get("text")->text, std::string("héllo"));
    QVERIFY(root->get("none")->is(K::None));
    QVERIFY(root->get("yes")->boolean);
    const PickleValue* t = root->get("t");
    QVERIFY(t->is(K::Tensor));
    QCOMPARE(t->size, (std::vector<std::int64_t>{2, 3}));
    QCOMPARE(t->stride, (std::vector<std::int64_t>{3, 1}));
    QCOMPARE(t->storage()->numel, std::int64_t{6});
    QVERIFY(t->storage()->storage_type == StorageType::F64);
  }

  void pythonOpcodesRead() {
    const Seed py = seeds().back();
    const Pickle pk = parse_pickle(py.pickle);
    QVERIFY(pk.root()->is(K::Dict));
    QCOMPARE(pk.root()->get("x")->real, 1.0);
    QCOMPARE(pk.root()->get("y")->integer, std::int64_t{1} << 56);
    QVERIFY(pk.root()->get("z")->is(K::Dict));  // memo 4: the BUILD state
    QVERIFY(pk.root()->get("z")->get("_metadata")->is(K::Dict));
  }

  void globalsAreRefusedByName() {
    const std::pair<std::string, const char*> cases[] = {
        {"\x80\x02"
         "cposix\nsystem\nX\x02\x00\x00\x00lsR."s,
         "refuses global posix.system"},
        {"\x80\x02"
         "cbuiltins\neval\n.",
         "refuses global builtins.eval"},
        {"\x80\x04\x8c\x02os\x8c\x06system\x93.", "refuses global os.system"},
        {"\x80\x02"
         "ctorch\nFloatStorage\n)R.",
         "REDUCE of torch.FloatStorage"},
        {"\x80\x02(i__main__\nX\n.", "unsupported pickle opcode 0x69"},
    };
    for (const auto& [bytes, says] : cases) {
      try {
        parse_pickle(bytes);
        QFAIL(says);
      } catch (const PickleError& e) {
        QVERIFY2(std::string(e.what()).find(says) != std::string::npos, e.what());
      }
    }
  }

  void hostileStreamsEndInOneError() {
    const std::pair<std::string, const char*> cases[] = {
        {"\x80\x02X\xff\xff\xff\xff", "ends early"},
        {"\x80\x02Nr\xff\xff\xff\xff."s, "memo index"},
        {"\x80\x02h\x05.", "read before it was written"},
        {std::string("\x80\x02") + std::string(200000, '(') + ".", "nesting deeper"},
        {"\x80\x02u.", "closes a MARK"},
        {"\x80\x02N(.", "stops inside a MARK"},
        {"\x80\x02NNa.", "APPEND to a None"},
        {"\x80\x02.", "pops an empty stack"},
    };
    for (const auto& [bytes, says] : cases) {
      try {
        parse_pickle(bytes);
        QFAIL(says);
      } catch (const PickleError& e) {
        QVERIFY2(std::string(e.what()).find(says) != std::string::npos, e.what());
      }
    }
    // A list that holds itself parses (the memo allows it) and is refused by the reader.
    const Pickle cyc = parse_pickle(
        "\x80\x02]q\x00h\x00"
        "a."s);
    QCOMPARE(cyc.root()->items.at(0), cyc.root());
    QVERIFY_THROWS_EXCEPTION(RunFileError, read_pt_bytes(pt_bytes("\x80\x02}(X\x0b\x00\x00\x00state_dicts]q\x00h\x00"
                                                                  "au."s,
                                                                  {}),
                                                         "x"));
  }

  // A tensor must address only elements of its storage, and may not be absurdly large.
  void tensorsStayInsideTheirStorage() {
    const auto tensor = [](std::int64_t numel, std::vector<std::int64_t> size, std::vector<std::int64_t> stride,
                           std::int64_t offset) {
      std::string s =
          "\x80\x02"
          "ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nFloatStorage\n"
          "X\x01\x00\x00\x00"
          "0X\x03\x00\x00\x00"
          "cpu"s;
      const auto num = [&](std::int64_t v) {
        s += "\x8a\x08";
        for (int i = 0; i < 8; ++i) s += static_cast<char>((static_cast<std::uint64_t>(v) >> (8 * i)) & 0xff);
      };
      num(numel);
      s += "tQ";
      num(offset);
      s += "(";
      for (auto v : size) num(v);
      s += "t(";
      for (auto v : stride) num(v);
      s += "t\x89}tR.";
      return s;
    };
    QVERIFY(parse_pickle(tensor(6, {2, 3}, {3, 1}, 0)).root()->is(K::Tensor));
    QVERIFY(parse_pickle(tensor(7, {2, 3}, {3, 1}, 1)).root()->is(K::Tensor));
    for (const std::string& bad :
         {tensor(6, {2, 3}, {3, 1}, 1), tensor(6, {3, 2}, {3, 1}, 0), tensor(6, {2, 3}, {-3, 1}, 0),
          tensor(1, {1 << 20, 1 << 20}, {0, 0}, 0), tensor(6, {2, 3}, {3, 1}, -1),
          tensor(INT64_MAX, {1ll << 40, 1ll << 40}, {1ll << 40, 1}, 0)})
      QVERIFY_THROWS_EXCEPTION(PickleError, parse_pickle(bad));
  }

  // Every prefix of a real checkpoint is refused cleanly; the whole of it reads.
  void everyTruncationIsRefused() {
    const Seed s = seeds()[0];
    QVERIFY(read_all(pt_bytes(s.pickle, s.storages)));
    for (std::size_t n = 0; n < s.pickle.size(); ++n)
      QVERIFY_THROWS_EXCEPTION(PickleError, parse_pickle(std::string_view(s.pickle).substr(0, n)));
    const std::string zip = pt_bytes(s.pickle, s.storages);
    for (std::size_t n = 0; n < zip.size(); n += 7) QVERIFY_THROWS_EXCEPTION(RunFileError, read_all(zip.substr(0, n)));
  }

  // Mutated pickles (inside a valid zip) and mutated zips: only RunFileError may come out.
  void fuzz() {
    const char* env = std::getenv("GROK_FUZZ_INPUTS");
    const long inputs = env ? std::atol(env) : 30000;
    const std::vector<Seed> all = seeds();
    std::vector<std::string> zips;
    for (const Seed& s : all) zips.push_back(pt_bytes(s.pickle, s.storages));
    std::mt19937_64 rng(20261202);
    long accepted = 0, refused = 0;
    for (long i = 0; i < inputs; ++i) {
      const std::size_t k = rng() % all.size();
      const bool whole_zip = i % 4 == 3;  // a quarter mutate the container, the rest the pickle
      std::string input;
      try {
        input = whole_zip ? mutate(zips[k], all, rng) : pt_bytes(mutate(all[k].pickle, all, rng), all[k].storages);
        accepted += read_all(input);
      } catch (const RunFileError&) {
        ++refused;
      } catch (const std::exception& e) {
        QFile f(QDir::tempPath() + "/grok-fuzz-failure.bin");
        if (f.open(QIODevice::WriteOnly)) f.write(input.data(), static_cast<qint64>(input.size()));
        QFAIL(qPrintable(QString("input %1 escaped with %2 (saved in %3)").arg(i).arg(e.what()).arg(f.fileName())));
      }
    }
    qInfo("fuzz: %ld inputs, %ld accepted, %ld refused, 0 crashes", inputs, accepted, refused);
    QCOMPARE(accepted + refused, inputs);
  }
};

GROK_TEST_APPLESS_MAIN(TestPickle)
#include "test_pickle.moc"
