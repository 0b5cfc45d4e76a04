// What a checkpoint's views need that is expensive and never changes, kept per user between
// scrubs and sessions: the check table and the neurons' frequencies, FVEs and IPRs (issue 26).
//
// Why: a scrub to a checkpoint spends about half its time on these (the check table ~45 ms, the
// neuron stage ~15 ms on mainline); they depend only on the checkpoint's weights, its config and
// the key set, so a second visit (this session or the next) reads them instead.
//
// Where: in the run file while the app trains it (its `view_results` table, run_store.h: the results
// travel with the run, and a run trained in the app scrubs at cache speed the first time it is
// opened anywhere); otherwise one SQLite file, $XDG_CACHE_HOME/grokking-lab/results.sqlite (else
// ~/.cache/...): a file the user only opened is never written. Keyed by the run's content, not its
// path: a hash of the analysis version, the config, the epoch, the key set and every byte of the
// checkpoint's tensors, so a replaced or retrained run never reads another's results. Bounded:
// the least recently used entries go beyond kMaxEntries.
//
// The file is the user's, but it is read as any file from outside: every entry is checked
// (version, sizes against the config's anatomy, counts bounded) and one that fails is recomputed;
// a cache that cannot be opened or written is no cache (the views compute as before).
//
//   ResultsCache cache(ResultsCache::default_path());
//   const std::string key = ResultsCache::key(w, epoch, keys);
//   if (std::optional<CachedResults> r = cache.get(key, cfg)) ... else cache.put(key, computed);
//
// Threading: one object per thread (its own SQLite connection); several processes may share the
// file (WAL, busy timeout).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/analysis/ablation_checks.h"
#include "core/analysis/neuron_fve.h"
#include "core/base/config.h"
#include "core/model/checkpoint_weights.h"
#include "core/store/run_store.h"

namespace grok {

struct CachedResults {
  AblationChecks checks;                   // the Section 4.4 table with its rows, as checks() made it
  std::vector<NeuronFrequencies> neurons;  // [n_layers], first layer first
  std::vector<double> neuron_ipr;          // [d_mlp] the last layer's (mechanism.h)
};

class ResultsCache {
 public:
  static constexpr int kMaxEntries = 20000;  // ~15 KB each on mainline: ~300 MB at most
  // $XDG_CACHE_HOME/grokking-lab/results.sqlite, else $HOME/.cache/grokking-lab/results.sqlite;
  // "" when neither is set.
  static std::string default_path();
  // Opens or creates the file (and its folder); !ok() when it cannot, with why in error().
  explicit ResultsCache(const std::string& path);
  ~ResultsCache();
  bool ok() const { return impl_ != nullptr; }
  const std::string& path() const { return path_; }
  const std::string& error() const { return error_; }

  // The key of a checkpoint's results with the key set `keys` (the check table's).
  static std::string key(const CheckpointWeights& w, int epoch, const std::vector<int>& keys);
  // nullopt: not stored, or stored but not valid for `cfg` (then it is recomputed and replaced).
  std::optional<CachedResults> get(const std::string& key, const Config& cfg);
  // Best effort: a full disk or a locked file leaves the cache as it was.
  void put(const std::string& key, const CachedResults& results);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_, error_;
};

// The same entries in a run file (RunStore::view_results): read from any run and checked as the
// cache's are (nullopt if absent, damaged or not valid for the run's config); written only into a
// run the app trains (throws RunFileError when it cannot write).
std::optional<CachedResults> run_file_results(const RunStore& run, int epoch, const std::string& key);
void put_run_file_results(RunStore& run, int epoch, const std::string& key, const CachedResults& results);

// The bytes an entry is stored as, and back (nullopt for anything not written by encode for
// `cfg`'s anatomy). Exposed for tests.
std::vector<unsigned char> encode_results(const CachedResults& r);
std::optional<CachedResults> decode_results(const std::vector<unsigned char>& bytes, const Config& cfg);

}  // namespace grok
