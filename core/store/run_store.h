// The run file: one SQLite database per training run (extension .grok). Schema: docs/run-format.md.
//
// It holds the config, per-epoch metrics, a weights checkpoint every K epochs, the optimizer state of
// the newest checkpoint (what resume needs) and room for analysis results. WAL mode; a checkpoint
// and the metrics since the previous one are committed in one transaction, so a crash at any moment
// leaves a file that opens and holds every committed checkpoint.
//
// Threading: a RunStore is one SQLite connection; use it from one thread at a time. Readers in other
// threads or processes open their own RunStore (WAL lets them read while the trainer writes).
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/base/config.h"
#include "core/base/records.h"
#include "core/base/tensor_blob.h"

namespace grok {

constexpr int kRunSchemaVersion = 1;
constexpr std::int32_t kRunApplicationId = 0x47524F4B;  // "GROK" in PRAGMA application_id

// A one-line, user-facing problem with a run file (missing, damaged, foreign, newer, unwritable, full).
struct RunFileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Db;

class RunStore {
 public:
  enum class Mode { ReadOnly, ReadWrite };

  // Creates a new run file. Refuses an existing path unless `overwrite`.
  static RunStore create(const std::string& path, const Config& cfg, bool overwrite,
                         const std::map<std::string, std::string>& meta = {});
  // Opens and validates an existing run file; throws RunFileError with one line on any problem.
  static RunStore open(const std::string& path, Mode mode = Mode::ReadOnly);

  RunStore(RunStore&&) noexcept;
  RunStore& operator=(RunStore&&) noexcept;
  ~RunStore();

  const std::string& path() const { return path_; }
  Config config() const { return config_; }
  int schema_version() const;
  std::string meta(const std::string& key) const;  // "" if absent
  std::map<std::string, std::string> all_meta() const;
  void set_meta(const std::string& key, const std::string& value);
  void set_target_epochs(int epochs);  // rewrites config.epochs (resume --epochs)

  // One transaction: the metrics rows, the checkpoint's tensors, the resume state and the
  // checkpoint's progress measures (what training computes live).
  void commit_checkpoint(int epoch, const std::vector<NamedArray>& weights, const std::vector<EpochMetrics>& metrics,
                         const ResumeState& resume, const std::vector<MeasureRecord>& measures = {});

  std::vector<int> checkpoint_epochs() const;
  std::vector<NamedArray> load_checkpoint(int epoch) const;
  std::optional<ResumeState> load_resume_state() const;
  std::vector<EpochMetrics> metrics(int from_epoch = 0, int to_epoch = std::numeric_limits<int>::max()) const;
  std::optional<EpochMetrics> last_metrics() const;
  std::int64_t checkpoint_bytes(int epoch) const;  // size of the stored tensors

  // Analysis results (table `measures`), one transaction per call; replaces existing rows.
  void store_measures(const std::vector<MeasureRecord>& records);
  // Records whose key_freqs starts with `mode` ("live", "final", "given"), by epoch.
  std::vector<MeasureRecord> load_measures(const std::string& mode) const;

  // Runs SQLite's quick_check; throws RunFileError if the file is damaged.
  void verify() const;
  // A commit that would grow the database beyond `bytes` fails as a full disk would (quotas, tests).
  void limit_file_size(std::int64_t bytes);

 private:
  RunStore(std::string path, std::unique_ptr<Db> db);
  void load_config();
  void write_measures(const std::vector<MeasureRecord>& records);  // inside the caller's transaction
  std::string path_;
  std::unique_ptr<Db> db_;
  Config config_;
};

}  // namespace grok
