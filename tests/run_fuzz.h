// The seeded mutation fuzzer of the run-file reader (core/store), shared by tests/test_hostile_runs
// (a short run in the suite) and tests/fuzz_run_reader (a million inputs under AddressSanitizer and
// UndefinedBehaviorSanitizer, built by scripts/fuzz-interchange.sh beside the .pt reader's).
//
// The seed is a small run written by RunStore itself (two checkpoints, metrics, the resume state,
// measures, numerics) in rollback-journal form. Each input changes it the ways a hostile or broken
// file differs: a statement on a copy in memory (a tensor's shape, dtype or data, the stored
// config, epochs, the resume state, user_version, a view, a trigger, a column, a table's SQL or
// root page rewritten in sqlite_master), then, for most, bytes of its pages (the database header,
// b-tree page headers, cell pointers, whole pages copied, zeroed or cut). Each input is written to a
// file and read as every reader reads: RunStore::open, then everything RunStore offers. Anything
// but a RunFileError escaping, or a sanitizer report, is a failure.
#pragma once

#include <sqlite3.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/base/config.h"
#include "core/store/run_file_error.h"
#include "core/store/run_store.h"

namespace grok::runfuzz {

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline NamedArray array(const std::string& name, std::vector<std::int64_t> shape, float value) {
  NamedArray a;
  a.name = name;
  a.shape = std::move(shape);
  a.bytes.resize(static_cast<std::size_t>(a.numel()) * 4);
  for (std::int64_t i = 0; i < a.numel(); ++i) reinterpret_cast<float*>(a.bytes.data())[i] = value + 0.01f * i;
  return a;
}

// A run as RunStore writes it, in rollback-journal form (one file, no WAL beside it).
inline std::string seed_run(const std::string& scratch) {
  Config c;
  c.p = 5, c.d_model = 4, c.n_heads = 2, c.d_head = 2, c.d_mlp = 8;
  c.epochs = 20, c.checkpoint_interval = 10, c.test_interval = 5;
  std::filesystem::remove(scratch);
  {
    RunStore s = RunStore::create(scratch, c, true, {{"threads", "1"}});
    for (int epoch : {0, 10}) {
      std::vector<NamedArray> w = {array("embed.W_E", {4, 6}, 0.1f), array("unembed.W_U", {4, 6}, 0.2f),
                                   array("blocks.0.mlp.b_in", {8}, 0.3f)};
      std::vector<EpochMetrics> m(1);
      m[0].epoch = epoch, m[0].train_loss = 1.5, m[0].train_acc = 0.5, m[0].test_loss = 2, m[0].test_acc = 0.25;
      ResumeState r;
      r.epoch = epoch, r.optimizer_steps = epoch;
      r.optimizer = {array("exp_avg.embed.W_E", {4, 6}, 0.0f), array("exp_avg_sq.embed.W_E", {4, 6}, 0.0f)};
      MeasureRecord rec;
      rec.epoch = epoch, rec.values = {{"restricted_loss", 0.5}, {"excluded_loss", 1.0}};
      NumericsRecord num;
      num.epoch = epoch, num.values = {{"weight_norm", 3.0}};
      s.commit_checkpoint(epoch, w, m, r, {rec}, {num});
    }
  }
  sqlite3* db = nullptr;
  sqlite3_open(scratch.c_str(), &db);
  sqlite3_exec(db, "PRAGMA journal_mode=DELETE", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  return read_bytes(scratch);
}

// Statements a hostile editor or a broken writer leaves in a file; `?` is a random value.
inline const std::vector<std::string>& statements() {
  static const std::vector<std::string> s = {
      "UPDATE tensors SET shape = ? WHERE rowid = (SELECT rowid FROM tensors ORDER BY random() LIMIT 1)",
      "UPDATE tensors SET dtype = ? WHERE rowid = (SELECT rowid FROM tensors ORDER BY random() LIMIT 1)",
      "UPDATE tensors SET data = ? WHERE rowid = (SELECT rowid FROM tensors ORDER BY random() LIMIT 1)",
      "UPDATE tensors SET epoch = ? WHERE rowid = (SELECT rowid FROM tensors ORDER BY random() LIMIT 1)",
      "UPDATE tensors SET name = ? WHERE rowid = (SELECT rowid FROM tensors ORDER BY random() LIMIT 1)",
      "UPDATE resume_state SET shape = ? WHERE rowid = (SELECT rowid FROM resume_state ORDER BY random() LIMIT 1)",
      "UPDATE resume_state SET epoch = ?",
      "UPDATE meta SET value = ? WHERE key = 'config'",
      "UPDATE meta SET value = ? WHERE key = 'resume_epoch'",
      "UPDATE meta SET value = ? WHERE key = 'optimizer_steps'",
      "UPDATE meta SET value = ? WHERE key = 'stopped_early_at'",
      "INSERT OR REPLACE INTO meta VALUES('stopped_early_at', ?)",
      "INSERT INTO checkpoints VALUES(?, 'x')",
      "UPDATE checkpoints SET epoch = ? WHERE rowid = (SELECT rowid FROM checkpoints ORDER BY random() LIMIT 1)",
      "DELETE FROM checkpoints WHERE epoch = ?",
      "DELETE FROM tensors WHERE rowid = (SELECT rowid FROM tensors ORDER BY random() LIMIT 1) OR ? IS NULL",
      "UPDATE metrics SET train_loss = ? WHERE rowid = (SELECT rowid FROM metrics ORDER BY random() LIMIT 1)",
      "UPDATE metrics SET epoch = ? WHERE rowid = (SELECT rowid FROM metrics ORDER BY random() LIMIT 1)",
      "UPDATE measures SET key_freqs = ?",
      "UPDATE measures SET value = ?",
      "UPDATE numerics SET value = ? WHERE ? IS NOT NULL OR 1",
      "PRAGMA user_version = %",
      "PRAGMA application_id = %",
      "CREATE VIEW v AS SELECT ? AS x",
      "CREATE TRIGGER t AFTER INSERT ON meta BEGIN DELETE FROM tensors; END; SELECT ?",
      "ALTER TABLE metrics ADD COLUMN extra DEFAULT ?",
      "CREATE INDEX i ON tensors(name); SELECT ?",
      "DROP TABLE numerics; SELECT ?",
      "CREATE TABLE extra(x); SELECT ?",
      "PRAGMA writable_schema = ON; UPDATE sqlite_master SET sql = replace(sql, 'PRIMARY KEY', '') WHERE name = "
      "'tensors' OR ? IS NULL",
      "PRAGMA writable_schema = ON; UPDATE sqlite_master SET rootpage = ? WHERE name = 'tensors'",
      "PRAGMA writable_schema = ON; UPDATE sqlite_master SET rootpage = ? WHERE name = 'meta'",
      "PRAGMA writable_schema = ON; UPDATE sqlite_master SET sql = ? WHERE name = 'metrics'",
  };
  return s;
}

// A value of the kind that breaks readers: wrapping, negative or huge numbers, text where a number
// belongs, deep or broken JSON, a mutated config.
inline std::string value(std::mt19937_64& rng, const std::string& config) {
  static const char* const fixed[] = {"0",
                                      "-1",
                                      "1",
                                      "4294967296",
                                      "9223372036854775807",
                                      "-9223372036854775808",
                                      "1e308",
                                      "NaN",
                                      "''",
                                      "'[1073741824, 1073741824, 1073741824, 16]'",
                                      "'[16.5, 12]'",
                                      "'[-4, 6]'",
                                      "'[4, 6]'",
                                      "'[24]'",
                                      "'[[4], 6]'",
                                      "'[]'",
                                      "'[1,1,1,1,1,1,1,1,1,24]'",
                                      "'{\"a\": 1}'",
                                      "'f64'",
                                      "'f32'",
                                      "'i8'",
                                      "'bogus'",
                                      "x'00'",
                                      "zeroblob(96)",
                                      "zeroblob(0)",
                                      "randomblob(97)",
                                      "NULL",
                                      "'abc'",
                                      "'10'",
                                      "'999999999999'",
                                      "'CREATE TABLE metrics(epoch)'",
                                      "'CREATE VIEW metrics AS SELECT 1'",
                                      "2",
                                      "3",
                                      "100000"};
  const std::size_t n = sizeof fixed / sizeof fixed[0];
  if (rng() % 4 != 0) return fixed[rng() % n];
  std::string c = config;  // the stored config, changed a little or nested deeply
  if (rng() % 8 == 0) c = std::string(1000, '[') + std::string(1000, ']');
  for (int k = 0; k < 3 && !c.empty(); ++k) c[rng() % c.size()] = "0123456789{}[],:\"-.e "[rng() % 21];
  std::string quoted = "'";
  for (char ch : c) quoted += ch == '\'' ? std::string("''") : std::string(1, ch);
  return quoted + "'";
}

inline std::string mutate_sql(const std::string& seed, const std::string& config, std::mt19937_64& rng) {
  sqlite3* db = nullptr;
  sqlite3_open(":memory:", &db);
  auto* buf = static_cast<unsigned char*>(sqlite3_malloc64(seed.size()));
  std::memcpy(buf, seed.data(), seed.size());
  sqlite3_deserialize(db, "main", buf, seed.size(), seed.size(),
                      SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE);
  const int edits = 1 + static_cast<int>(rng() % 3);
  for (int e = 0; e < edits; ++e) {
    std::string sql = statements()[rng() % statements().size()];
    const std::size_t q = sql.find('?');
    if (q != std::string::npos) sql.replace(q, 1, value(rng, config));
    const std::size_t pct = sql.find('%');
    if (pct != std::string::npos) sql.replace(pct, 1, std::to_string(static_cast<std::int32_t>(rng() % 7) - 2));
    sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);  // may fail: then the file is as it was
  }
  sqlite3_int64 size = 0;
  unsigned char* out = sqlite3_serialize(db, "main", &size, 0);
  std::string bytes = out ? std::string(reinterpret_cast<char*>(out), static_cast<std::size_t>(size)) : seed;
  sqlite3_free(out);
  sqlite3_close(db);
  return bytes;
}

// Bytes of the pages: the database header, b-tree page headers and cell pointers, whole pages.
inline void mutate_pages(std::string& s, std::mt19937_64& rng) {
  const std::size_t page = 4096, pages = s.size() / page;
  if (pages == 0) return;
  const int rounds = 1 + static_cast<int>(rng() % 3);
  for (int r = 0; r < rounds && s.size() >= page; ++r) {
    const std::size_t p = rng() % pages, base = p * page + (p == 0 ? 100 : 0);
    switch (rng() % 8) {
      case 0: s[rng() % 100] = static_cast<char>(rng()); break;                               // database header
      case 1: s[base + rng() % 12] = static_cast<char>(rng()); break;                         // page header
      case 2: s[base + 8 + rng() % 64] = static_cast<char>(rng() % 2 ? 0xff : rng()); break;  // cell pointers
      case 3: s[p * page + rng() % page] ^= static_cast<char>(1 << (rng() % 8)); break;       // anywhere
      case 4: s.replace((rng() % pages) * page, page, s.substr(p * page, page)); break;       // a page twice
      case 5: std::memset(&s[p * page], 0, page); break;                                      // a zeroed page
      case 6: s.resize((1 + rng() % pages) * page - (rng() % 2 ? rng() % page : 0)); return;  // cut short
      case 7: {  // a 4-byte page number or count
        static const std::uint32_t words[] = {0, 1, 2, 0x7fffffff, 0xffffffff, 1000000};
        const std::size_t at = p * page + rng() % (page - 4);
        const std::uint32_t w = words[rng() % 6];
        for (int i = 0; i < 4; ++i) s[at + i] = static_cast<char>((w >> (8 * (3 - i))) & 0xff);  // big-endian
        break;
      }
    }
  }
}

// Reads everything a reader of the file can ask RunStore for. Throws RunFileError when refused.
inline bool read_all(const std::string& path) {
  const RunStore s = RunStore::open(path);
  (void)s.config();
  (void)s.all_meta();
  for (const auto& [epoch, headers] : s.checkpoint_headers()) (void)s.load_checkpoint(epoch);
  (void)s.load_resume_state();
  (void)s.metrics();
  (void)s.numerics();
  (void)s.load_measures(KeySelection::Live);
  (void)s.complete();
  s.verify();
  return true;
}

struct FuzzResult {
  long inputs = 0, accepted = 0, refused = 0;
};

// `inputs` mutated run files from `seed`, each written to `scratch` and read; `failure(i, input,
// what)` for any that escapes with another exception, which ends the loop.
inline FuzzResult fuzz_reader(long inputs, std::uint64_t seed, const std::string& scratch,
                              const std::function<void(long, const std::string&, const char*)>& failure) {
  const std::string base = seed_run(scratch);
  const std::string config = RunStore::open(scratch).meta("config");
  std::mt19937_64 rng(seed);
  FuzzResult r;
  for (long i = 0; i < inputs; ++i) {
    std::string input = base;
    if (i % 4 != 3) input = mutate_sql(base, config, rng);  // a quarter: bytes only
    if (i % 4 != 0) mutate_pages(input, rng);               // a quarter: statements only
    ++r.inputs;
    try {
      write_bytes(scratch, input);
      r.accepted += read_all(scratch);
    } catch (const RunFileError&) {
      ++r.refused;
    } catch (const std::exception& e) {
      failure(i, input, e.what());
      break;
    }
  }
  std::filesystem::remove(scratch);
  return r;
}

}  // namespace grok::runfuzz
