// The checkpoint reader's safety (core/interchange/pickle.h, pt_file.h): what the writer writes
// reads back, globals outside a state dict's are refused by name, hostile streams (cycles, deep
// nesting, huge lengths, tensors past their storage, every truncation) end in one error, and a
// seeded mutation fuzzer finds no input that escapes with anything but a RunFileError.
//
// GROK_FUZZ_INPUTS sets the fuzzer's count (default 30 000 here); scripts/fuzz-interchange.sh runs
// millions under AddressSanitizer in a build of its own and docs/interchange.md records the count.
#include <QtTest>

#include <cstdlib>

#include "core/interchange/checkpoint_layout.h"
#include "core/interchange/pickle.h"
#include "core/interchange/pt_file.h"
#include "core/store/run_file_error.h"
#include "pt_fuzz.h"
#include "test_util.h"

using namespace grok;
using namespace grok::fuzz;
using namespace std::string_literals;

namespace {

using K = PickleValue::Kind;

// The PickleError parsing `bytes` ends in ("" if it parses).
std::string refusal(const std::string& bytes) {
  try {
    parse_pickle(bytes);
  } catch (const PickleError& e) {
    return e.what();
  }
  return {};
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
    for (const auto& [bytes, says] : cases) QVERIFY2(refusal(bytes).find(says) != std::string::npos, says);
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
    for (const auto& [bytes, says] : cases) QVERIFY2(refusal(bytes).find(says) != std::string::npos, says);
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

  // Every byte the reader copies is charged before it is allocated: the memo lets one string be
  // named many times, so a small file could ask for GiBs (storage keys and locations, _codecs.encode,
  // config values were copied uncharged). Each ends in one "oversized" error.
  void copiesThroughTheMemoAreCharged() {
    const std::string big(1000, 'k');
    const auto string = [](const std::string& t) {
      std::string s = "X";
      for (int i = 0; i < 4; ++i) s += static_cast<char>((t.size() >> (8 * i)) & 0xff);
      return s + t;
    };
    // 300 000 storage ids whose key is one 1000-byte string: 300 MB of keys from a 4 MB pickle.
    std::string ids = "\x80\x02]("s + string(big) + "r\x01\x00\x00\x00"s + "ctorch\nFloatStorage\nr\x02\x00\x00\x00"s;
    for (int i = 0; i < 300000; ++i)
      ids += "(X\x07\x00\x00\x00storagej\x02\x00\x00\x00j\x01\x00\x00\x00j\x01\x00\x00\x00K\x00tQ"s;
    ids += "e.";
    QVERIFY2(refusal(ids).find("MiB (oversized)") != std::string::npos, refusal(ids).c_str());
    // One key longer than any storage's is refused outright.
    const std::string long_key = "\x80\x02(X\x07\x00\x00\x00storagectorch\nFloatStorage\n"s +
                                 string(std::string(2000, 'k')) + "X\x03\x00\x00\x00"s + "cpuK\x00tQ."s;
    QVERIFY2(refusal(long_key).find("longer than 1024 bytes") != std::string::npos, refusal(long_key).c_str());
    // _codecs.encode of one 1 MB string, 300 times.
    std::string enc = "\x80\x02]("s + string(std::string(1 << 20, 'e')) + "r\x01\x00\x00\x00"s +
                      "c_codecs\nencode\nr\x02\x00\x00\x00"s;
    for (int i = 0; i < 300; ++i) enc += "j\x02\x00\x00\x00j\x01\x00\x00\x00X\x06\x00\x00\x00latin1\x86R"s;
    enc += "e.";
    QVERIFY2(refusal(enc).find("MiB (oversized)") != std::string::npos, refusal(enc).c_str());
    // A config dict whose 200 values are one 1 MB string: 200 MB of copies from a 1 MB file.
    Seed seed = seeds()[0];
    std::string pk = "\x80\x02}(X\x05\x00\x00\x00model"s + seed.pickle.substr(2, seed.pickle.size() - 3) +
                     "X\x06\x00\x00\x00"s + "config}(" + string("key") + string(std::string(1 << 20, 'v')) +
                     "r\xf0\xff\x00\x00"s;
    for (int i = 0; i < 200; ++i) pk += string("key" + std::to_string(i)) + "j\xf0\xff\x00\x00"s;
    pk += "uu.";
    try {
      read_all(pt_bytes(pk, seed.storages));
      QFAIL("200 copies of a 1 MB config value were read");
    } catch (const RunFileError& e) {
      QVERIFY2(std::string(e.what()).find("oversized") != std::string::npos, e.what());
    }
  }

  // A record's size is checked from the zip directory before LibTorch allocates and inflates it:
  // a directory declaring 2 GiB for a storage (as a deflate bomb's would) or for the pickle is
  // refused without the allocation.
  void recordSizesComeFromTheDirectory() {
    const Seed seed = seeds()[0];
    const std::string zip = pt_bytes(seed.pickle, seed.storages);
    const auto declare = [&](const std::string& suffix, std::uint32_t size) {
      std::string z = zip;
      for (std::size_t at = z.find("PK\x01\x02"); at != std::string::npos; at = z.find("PK\x01\x02", at + 4)) {
        const std::size_t name_len = static_cast<unsigned char>(z[at + 28]) | static_cast<unsigned char>(z[at + 29])
                                                                                  << 8;
        const std::string name = z.substr(at + 46, name_len);
        if (name.size() < suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix)) continue;
        for (int i = 0; i < 4; ++i) z[at + 24 + i] = static_cast<char>((size >> (8 * i)) & 0xff);
        z[at + 10] = 8;  // deflated: a stored record's sizes must agree, a deflated one's need not
      }
      return z;
    };
    for (const auto& [record, says] : {std::pair<std::string, std::string>{"/data/0", "oversized"},
                                       {"/data.pkl", "larger than 64 MiB (oversized)"},
                                       {"/version", "version record is oversized"}}) {
      try {
        read_all(declare(record, 0x7fffffffu));
        QFAIL(qPrintable(QString::fromStdString(record + " declared 2 GiB and was read")));
      } catch (const RunFileError& e) {
        QVERIFY2(std::string(e.what()).find(says) != std::string::npos, e.what());
      }
    }
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
          tensor(INT64_MAX, {1ll << 40, 1ll << 40}, {1ll << 40, 1}, 0), tensor(1ll << 61, {2, 3}, {3, 1}, 1ll << 40)})
      QVERIFY_THROWS_EXCEPTION(PickleError, parse_pickle(bad));
  }

  // A storage record shorter than its element count says: refused before a byte is read.
  void storagesHoldWhatTheyClaim() {
    Seed s = seeds()[0];
    s.storages[0].second.resize(s.storages[0].second.size() - 4);
    try {
      read_all(pt_bytes(s.pickle, s.storages));
      QFAIL("a short storage was read");
    } catch (const RunFileError& e) {
      QVERIFY2(std::string(e.what()).find("fewer than its") != std::string::npos, e.what());
    }
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
    const fuzz::FuzzResult r =
        fuzz::fuzz_reader(inputs, 20261202, [](long i, const std::string& input, const char* what) {
          QFile f(QDir::tempPath() + "/grok-fuzz-failure.bin");
          if (f.open(QIODevice::WriteOnly)) f.write(input.data(), static_cast<qint64>(input.size()));
          QFAIL(qPrintable(QString("input %1 escaped with %2 (saved in %3)").arg(i).arg(what).arg(f.fileName())));
        });
    qInfo("fuzz: %ld inputs, %ld accepted, %ld refused", r.inputs, r.accepted, r.refused);
    QCOMPARE(r.accepted + r.refused, inputs);
  }
};

GROK_TEST_APPLESS_MAIN(TestPickle)
#include "test_pickle.moc"
