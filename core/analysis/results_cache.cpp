#include "core/analysis/results_cache.h"

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/base/version.h"
#include "core/model/model_family.h"
#include "core/store/internal/sqlite_db.h"

namespace grok {

namespace {

// Bumped whenever what an entry holds, or how any of it is computed, changes. 2: the check table's
// projections onto the key directions by thin_product (row_losses.h), not BLAS, the pruning rows
// from the kept neurons alone, the logit fit's sums in one chunked pass (other last bits).
constexpr std::uint32_t kFormat = 2;
constexpr std::uint32_t kMagic = 0x43524b47;  // "GKRC"
constexpr std::size_t kMaxBytes = std::size_t(64) << 20;
constexpr int kBoundMs = 2000;  // no statement on the file runs longer (Db::bound_time)
constexpr std::uint32_t kMaxRows = 4096, kMaxName = 4096, kMaxLayers = 64, kMaxNeurons = 1 << 20;

// Two independent 64-bit hashes over 8-byte words (splitmix64's finaliser as the mix): a 128-bit
// key at memory speed (a mainline checkpoint's 0.9 MB in well under a millisecond).
struct Hash128 {
  std::uint64_t a = 0x243f6a8885a308d3ull, b = 0x13198a2e03707344ull;
  static std::uint64_t mix(std::uint64_t x) {
    x ^= x >> 30, x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27, x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
  }
  void word(std::uint64_t w) {
    a = mix(a ^ w) + 0x9e3779b97f4a7c15ull;
    b = mix(b + w * 0x9e3779b97f4a7c15ull) ^ a;
  }
  void bytes(const void* p, std::size_t n) {
    const unsigned char* c = static_cast<const unsigned char*>(p);
    word(n);
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      std::uint64_t w;
      std::memcpy(&w, c + i, 8);
      word(w);
    }
    std::uint64_t tail = 0;
    std::memcpy(&tail, c + i, n - i);
    word(tail);
  }
  void text(const std::string& s) { bytes(s.data(), s.size()); }
  std::string hex() const {
    char buf[33];
    std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(a),
                  static_cast<unsigned long long>(b));
    return buf;
  }
};

class Writer {
 public:
  template <class T>
  void put(T v) {
    const auto* p = reinterpret_cast<const unsigned char*>(&v);
    out.insert(out.end(), p, p + sizeof v);
  }
  void text(const std::string& s) {
    put(static_cast<std::uint32_t>(s.size()));
    out.insert(out.end(), s.begin(), s.end());
  }
  std::vector<unsigned char> out;
};

class Reader {
 public:
  explicit Reader(const std::vector<unsigned char>& b) : b_(b) {}
  template <class T>
  bool get(T& v) {
    if (b_.size() - at_ < sizeof v) return false;
    std::memcpy(&v, b_.data() + at_, sizeof v);
    at_ += sizeof v;
    return true;
  }
  bool count(std::uint32_t& n, std::uint32_t max) { return get(n) && n <= max; }
  bool text(std::string& s) {
    std::uint32_t n;
    if (!count(n, kMaxName) || b_.size() - at_ < n) return false;
    s.assign(reinterpret_cast<const char*>(b_.data() + at_), n);
    at_ += n;
    return true;
  }
  bool done() const { return at_ == b_.size(); }

 private:
  const std::vector<unsigned char>& b_;
  std::size_t at_ = 0;
};

}  // namespace

std::vector<unsigned char> encode_results(const CachedResults& r) {
  Writer w;
  w.put(kMagic), w.put(kFormat);
  w.put(static_cast<std::uint32_t>(r.checks.key_freqs.size()));
  for (int k : r.checks.key_freqs) w.put(static_cast<std::int32_t>(k));
  w.put(static_cast<std::uint32_t>(r.checks.rows.size()));
  for (const CheckRow& row : r.checks.rows) w.text(row.check), w.put(row.loss), w.put(row.accuracy);
  w.put(r.checks.logit_fit_fve), w.put(r.checks.wl_norm_outside_key);
  w.put(static_cast<std::uint32_t>(r.neurons.size()));
  for (const NeuronFrequencies& n : r.neurons) {
    w.put(static_cast<std::uint32_t>(n.freq.size()));
    for (std::size_t m = 0; m < n.freq.size(); m++) w.put(static_cast<std::int32_t>(n.freq[m])), w.put(n.fve[m]);
  }
  w.put(static_cast<std::uint32_t>(r.neuron_ipr.size()));
  for (double x : r.neuron_ipr) w.put(x);
  return w.out;
}

std::optional<CachedResults> decode_results(const std::vector<unsigned char>& bytes, const Config& cfg) {
  if (bytes.size() > kMaxBytes) return std::nullopt;
  const ModelAnatomy an = model_family(cfg).anatomy(cfg);
  Reader r(bytes);
  CachedResults out;
  std::uint32_t magic, format, n;
  if (!r.get(magic) || magic != kMagic || !r.get(format) || format != kFormat) return std::nullopt;
  if (!r.count(n, kMaxRows)) return std::nullopt;
  for (std::uint32_t i = 0; i < n; i++) {
    std::int32_t k;
    if (!r.get(k)) return std::nullopt;
    out.checks.key_freqs.push_back(k);
  }
  if (!r.count(n, kMaxRows)) return std::nullopt;
  for (std::uint32_t i = 0; i < n; i++) {
    CheckRow row;
    if (!r.text(row.check) || !r.get(row.loss) || !r.get(row.accuracy)) return std::nullopt;
    out.checks.rows.push_back(std::move(row));
  }
  if (!r.get(out.checks.logit_fit_fve) || !r.get(out.checks.wl_norm_outside_key)) return std::nullopt;
  // The anatomy's neurons in every layer (or none at all for a family without them).
  if (!r.count(n, kMaxLayers) || (n != 0 && n != static_cast<std::uint32_t>(an.layers))) return std::nullopt;
  for (std::uint32_t l = 0; l < n; l++) {
    std::uint32_t M;
    if (!r.count(M, kMaxNeurons) || M != static_cast<std::uint32_t>(an.neurons)) return std::nullopt;
    NeuronFrequencies nf;
    nf.freq.resize(M), nf.fve.resize(M);
    for (std::uint32_t m = 0; m < M; m++) {
      std::int32_t f;
      if (!r.get(f) || !r.get(nf.fve[m])) return std::nullopt;
      nf.freq[m] = f;
    }
    out.neurons.push_back(std::move(nf));
  }
  if (!r.count(n, kMaxNeurons) || (n != 0 && n != static_cast<std::uint32_t>(an.neurons))) return std::nullopt;
  out.neuron_ipr.resize(n);
  for (double& x : out.neuron_ipr)
    if (!r.get(x)) return std::nullopt;
  if (!r.done()) return std::nullopt;
  return out;
}

std::optional<CachedResults> run_file_results(const RunStore& run, int epoch, const std::string& key) {
  try {
    const std::optional<std::vector<unsigned char>> bytes = run.view_results(epoch, key, kMaxBytes);
    return bytes ? decode_results(*bytes, run.config()) : std::nullopt;
  } catch (const std::exception&) {  // damaged where they are kept: recomputed, like a cache's miss
    return std::nullopt;
  }
}

void put_run_file_results(RunStore& run, int epoch, const std::string& key, const CachedResults& results) {
  run.store_view_results(epoch, key, encode_results(results));
}

struct ResultsCache::Impl {
  explicit Impl(const std::string& path) : db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) {
    db.bound_time(kBoundMs);
    db.exec("PRAGMA journal_mode=WAL");
    // A cache: a commit need not reach the disk before the next scrub step (FULL synced the WAL at
    // every put, 1.5-5 ms on the service thread). WAL keeps the file consistent; a power cut can
    // only lose the last entries, which are computed again.
    db.exec("PRAGMA synchronous=NORMAL");
    db.exec("CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, used INTEGER NOT NULL, data BLOB NOT NULL)");
    db.exec("CREATE INDEX IF NOT EXISTS results_used ON results (used)");
  }
  Db db;
  int puts = 0;
};

std::string ResultsCache::default_path() {
  std::filesystem::path dir;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x)
    dir = x;
  else if (const char* h = std::getenv("HOME"); h && *h)
    dir = std::filesystem::path(h) / ".cache";
  else
    return "";
  return (dir / "grokking-lab" / "results.sqlite").string();
}

ResultsCache::ResultsCache(const std::string& path) : path_(path) {
  if (path.empty()) {
    error_ = "no cache folder (neither XDG_CACHE_HOME nor HOME is set)";
    return;
  }
  try {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    impl_ = std::make_unique<Impl>(path);
  } catch (const std::exception& e) {
    error_ = path + ": " + e.what();
    impl_.reset();
  }
}

ResultsCache::~ResultsCache() = default;

std::string ResultsCache::key(const CheckpointWeights& w, int epoch, const std::vector<int>& keys) {
  Hash128 h;
  h.text(version());
  h.word(kFormat);
  h.text(config_to_json(w.config()).dump());
  h.word(static_cast<std::uint64_t>(epoch));
  h.word(keys.size());
  for (int k : keys) h.word(static_cast<std::uint64_t>(k));
  for (const NamedArray& a : w.arrays()) {
    h.text(a.name);
    h.word(static_cast<std::uint64_t>(a.dtype));
    for (std::int64_t d : a.shape) h.word(static_cast<std::uint64_t>(d));
    h.bytes(a.bytes.data(), a.bytes.size());
  }
  return h.hex();
}

std::optional<CachedResults> ResultsCache::get(const std::string& key, const Config& cfg) {
  if (!impl_) return std::nullopt;
  try {
    impl_->db.bound_time(kBoundMs);
    Stmt s = impl_->db.prepare("SELECT data FROM results WHERE key = ?1");
    s.bind(1, key);
    if (!s.step()) return std::nullopt;
    std::optional<CachedResults> r = decode_results(s.blob(0), cfg);
    s.reset();
    if (r) {
      const auto now = std::chrono::system_clock::now().time_since_epoch();
      impl_->db.prepare("UPDATE results SET used = ?2 WHERE key = ?1")
          .bind(1, key)
          .bind(2, static_cast<std::int64_t>(std::chrono::duration_cast<std::chrono::microseconds>(now).count()))
          .run();
    }
    return r;
  } catch (const std::exception&) {  // locked, damaged: no cache this time
    return std::nullopt;
  }
}

void ResultsCache::put(const std::string& key, const CachedResults& results) {
  if (!impl_) return;
  try {
    impl_->db.bound_time(kBoundMs);
    const std::vector<unsigned char> data = encode_results(results);
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    impl_->db.prepare("INSERT OR REPLACE INTO results (key, used, data) VALUES (?1, ?2, ?3)")
        .bind(1, key)
        .bind(2, static_cast<std::int64_t>(std::chrono::duration_cast<std::chrono::microseconds>(now).count()))
        .bind_blob(3, data.data(), data.size())
        .run();
    if (++impl_->puts % 64 == 0)  // now and then: the least recently used beyond the bound go
      impl_->db.exec("DELETE FROM results WHERE key IN (SELECT key FROM results ORDER BY used DESC LIMIT -1 OFFSET " +
                     std::to_string(kMaxEntries) + ")");
  } catch (const std::exception&) {  // a full disk, a locked file: the cache stays as it was
  }
}

}  // namespace grok
