// The run file: one SQLite database per training run (extension .grok). Schema: docs/run-format.md.
//
// It holds the config, per-epoch metrics, a weights checkpoint every K epochs, the optimizer state of
// the newest checkpoint (what resume needs) and the progress measures of checkpoints. WAL mode while
// written, the rollback journal at rest (a reader then writes nothing beside it: run_lock.h); a
// checkpoint and the metrics since the previous one are committed in one transaction, so a crash at
// any moment leaves a file that opens and holds every committed checkpoint.
//
// A run appears at its path whole or not at all: create() writes the new run beside the path under a
// hidden temporary name and renames it into place after its first checkpoint commits
// (run_replace.cpp). Overwriting a run therefore never loses it before its replacement is there, and
// a run that fails before its first checkpoint leaves nothing a rerun would refuse. Until then the
// old run (if any) is what the path holds; a reader that has it open keeps reading it afterwards.
//
//   RunStore s = RunStore::create("run.grok", cfg, /*overwrite=*/false, {{"threads", "2"}});
//   s.commit_checkpoint(0, weights, metrics, resume);
//   RunStore r = RunStore::open("run.grok");  // another thread or process: r.checkpoint_epochs() == {0}
//
// Threading: a RunStore is one SQLite connection; use it from one thread at a time. Readers in other
// threads or processes open their own RunStore (WAL lets them read while the trainer writes).
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/base/config.h"
#include "core/base/records.h"
#include "core/base/tensor_blob.h"
#include "core/store/run_file_error.h"

namespace grok {

// 2: no `analysis` table (version 1 declared it and never wrote a row; version 1 files are read and
// resumed as they are). 3: a `numerics` table (records.h NumericsRecord); an older file gets it
// when opened for writing (resuming it) and keeps its version number, which older builds read.
// 4: `label_metrics`. 5: `view_results` (added to older files the same way).
constexpr int kRunSchemaVersion = 5;
constexpr std::int32_t kRunApplicationId = 0x47524F4B;  // "GROK" in PRAGMA application_id

class Db;
class RunLock;

class RunStore {
 public:
  // ReadWrite: measures and meta (analysis results beside a trainer); Train: also the run's lock
  // (run_lock.h), held until the store is destroyed, refused in one line while another holds it.
  // A ReadOnly open of a run that nobody holds reads it in place, writing nothing beside it.
  enum class Mode { ReadOnly, ReadWrite, Train };

  // Creates a new run file, holding its lock (Mode::Train). Refuses an existing path unless
  // `overwrite`, and always a run another process holds; then the old run stays at the path until
  // this one's first commit_checkpoint, which renames it into place.
  static RunStore create(const std::string& path, const Config& cfg, bool overwrite,
                         const std::map<std::string, std::string>& meta = {});
  // Opens and validates an existing run file (formats 1 to 5); throws RunFileError with one line on any problem.
  static RunStore open(const std::string& path, Mode mode = Mode::ReadOnly);

  RunStore(RunStore&&) noexcept;
  RunStore& operator=(RunStore&&) noexcept;
  ~RunStore();

  const std::string& path() const { return path_; }
  Config config() const { return config_; }
  // Whether a read-only store kept open between uses (the window's scrubber: opening checks the
  // schema and parses the config, 1-4 ms a step) still reads what the path holds, as it did: the
  // same file, unchanged (a run created over the path is another file; a write changes its size or
  // time), and at rest when opened and now (run_lock.h written_now: an idle reader then holds no
  // lock that would keep a trainer from starting or from putting the file back to rest). Always
  // false for a writer's store and for a file read in place as immutable (run_lock.h
  // read_only_uri). False: close it, and open the path again for the next use.
  bool still_at_rest() const;
  int schema_version() const;
  std::string meta(const std::string& key) const;  // "" if absent
  std::map<std::string, std::string> all_meta() const;
  void set_meta(const std::string& key, const std::string& value);
  void set_target_epochs(int epochs);  // rewrites config.epochs (resume --epochs)

  // One transaction: the metrics rows, the checkpoint's tensors, the resume state and the
  // checkpoint's progress measures (what training computes live). The first one of a replacing run
  // then puts it in place of the old run.
  void commit_checkpoint(int epoch, const std::vector<NamedArray>& weights, const std::vector<EpochMetrics>& metrics,
                         const ResumeState& resume, const std::vector<MeasureRecord>& measures = {},
                         const std::vector<NumericsRecord>& numerics = {});

  // A replacing run goes in place at its first commit. hold_replacement() defers that to
  // finish_replacement(), so that a writer of many checkpoints at once (an import) replaces the old
  // run only when all are in; destroyed before, the store leaves the old run as it was.
  void hold_replacement() { hold_replacement_ = true; }
  void finish_replacement();

  std::vector<int> checkpoint_epochs() const;
  // The run has reached its end: a checkpoint at config().epochs, or at the epoch meta
  // "stopped_early_at" names (config stop_after_grok). What `info`, a sweep's status and resume agree on.
  bool complete() const;
  std::vector<NamedArray> load_checkpoint(int epoch) const;
  // Every checkpoint's tensors as they claim to be (names, dtypes, shapes; the byte counts checked
  // against the shapes), without reading the data: what `info` holds to the model family.
  std::map<int, std::vector<TensorHeader>> checkpoint_headers() const;
  std::optional<ResumeState> load_resume_state() const;
  std::vector<EpochMetrics> metrics(int from_epoch = 0, int to_epoch = std::numeric_limits<int>::max()) const;
  std::optional<EpochMetrics> last_metrics() const;
  std::int64_t checkpoint_bytes(int epoch) const;  // size of the stored tensors

  // Analysis results (table `measures`), one transaction per call; replaces existing rows.
  void store_measures(const std::vector<MeasureRecord>& records);
  // The records of every key set chosen as `kind`, by epoch.
  std::vector<MeasureRecord> load_measures(KeySelection::Kind kind) const;
  // The key set the measures of `epoch` were computed with as `kind` (Live: the one detected
  // when the checkpoint was committed); nullopt when none is stored.
  std::optional<std::vector<int>> measure_keys(int epoch, KeySelection::Kind kind) const;

  // What the views computed for a checkpoint (table `view_results`, format 5, made by the first
  // store_view_results in a file of any format): bytes the analysis
  // encodes and checks (core/analysis/results_cache.h) under their content key. The app writes them
  // while it trains the run (Mode::ReadWrite beside its trainer); the newest kViewResultsPerEpoch
  // key sets of an epoch are kept. nullopt when absent, when the file has no such table, or when
  // the stored bytes exceed `max_bytes` (never read into memory then).
  static constexpr int kViewResultsPerEpoch = 4;
  std::optional<std::vector<unsigned char>> view_results(int epoch, const std::string& key,
                                                         std::size_t max_bytes) const;
  void store_view_results(int epoch, const std::string& key, const std::vector<unsigned char>& data);
  int view_results_count() const;  // rows of `view_results` (0 without the table)

  // The numerics rows (NaN where NULL), by epoch; none in a file older than format 3.
  std::vector<NumericsRecord> numerics(int from_epoch = 0, int to_epoch = std::numeric_limits<int>::max()) const;

  // Runs SQLite's quick_check; throws RunFileError if the file is damaged.
  void verify() const;
  // A commit that would grow the database beyond `bytes` fails as a full disk would (quotas, tests).
  void limit_file_size(std::int64_t bytes);

 private:
  RunStore(std::string path, std::unique_ptr<Db> db);
  Db& db() const;  // throws once a failed replacement has closed the connection
  void load_config();
  void write_measures(const std::vector<MeasureRecord>& records);      // inside the caller's transaction
  void write_numerics(const std::vector<NumericsRecord>& records);     // run_numerics.cpp; likewise
  void write_label_metrics(const std::vector<EpochMetrics>& metrics);  // run_metrics.cpp; likewise
  void apply_size_limit();
  void replace_old_run();          // run_replace.cpp: the temporary file over the old run
  void discard_temporary();        // run_replace.cpp: a replacement that never got in place
  std::string path_;               // where the run is (for a replacement: will be); every message names it
  std::string temporary_;          // a replacement's file until it is renamed to path_, else empty
  std::unique_ptr<RunLock> lock_;  // a trainer's (Mode::Train, create); released after db_ closes
  std::unique_ptr<Db> db_;
  Config config_;
  std::int64_t size_limit_ = 0;  // 0: none; reapplied when a replacement reopens under path_
  bool hold_replacement_ = false;
  bool synced_commits_ = false;  // a network filesystem's run (filesystem_kind.h): every commit synced
  bool writer_ = false;          // opened to write: put back in the rollback journal when closed
  struct FileSeen {              // the path's file just before open() opened it (still_at_rest)
    std::uint64_t device = 0, inode = 0;
    std::int64_t size = -1, mtime_ns = -1;
    bool at_rest = false;  // nobody wrote it then (run_lock.h written_now)
  } seen_;
  static FileSeen see(const std::string& path);
};

// Why `epoch` is not one of `checkpoints` (sorted), for messages: " (nearest: 20 or 30)", or
// " (it has none)" when the list is empty.
std::string nearest_checkpoints(const std::vector<int>& checkpoints, int epoch);

// For tests of killed replacements: called at each step of replacing a run (0 after the temporary
// file's last commit, 1 after the old run is checkpointed and its -wal/-shm are gone, 2 after the
// rename), so that a test can end the process there. Unset (nullptr) outside such tests.
void set_replace_step_hook_for_tests(void (*hook)(int step));

}  // namespace grok
