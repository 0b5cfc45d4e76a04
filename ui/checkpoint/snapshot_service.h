// Snapshots (core/analysis/snapshot.h) and check tables for the scrubber, computed on a thread of their own
// so the GUI thread never waits: request(epoch) returns at once; `ready` arrives later, twice: first
// with the snapshot (what the views draw, ~60 ms of compute on mainline), then with the Section 4.4
// check table too (~45 ms more, from the snapshot's forward pass), unless a newer request is
// waiting by then. Requests pile up while the user scrubs, so only the newest pending one is
// computed. The newest few results are cached (a mainline snapshot is ~40 MB), and while idle the
// service computes the checkpoints the user is likely to step to next, so that arrow keys and play
// find them ready; a request for the checkpoint such a prefetch is computing takes it over.
//
// What never changes for a checkpoint and is expensive (its check table, its neurons' frequencies,
// FVEs and IPRs) is kept once computed (core/analysis/results_cache.h): in the run file while the
// app trains it (setTrainedRun), else in the per-user results cache. A second visit, in this
// session or a later one, shows the check table with the views (~45 ms of compute instead of ~105). The key set the
// check table uses is the one training detected and stored with the checkpoint's measures, when there is one
// (RunStore::measure_keys).
//
// The service reads checkpoints through its own RunStore connection: WAL lets it read while the
// trainer writes (one direction of data: trainer -> run file -> views).
#pragma once

#include <QObject>
#include <QString>
#include <atomic>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "core/analysis/checkpoint_analyzer.h"
#include "core/analysis/predictions.h"
#include "core/analysis/results_cache.h"
#include "core/base/operation_group.h"
#include "core/runtime/analysis_turns.h"
#include "core/runtime/compute_thread.h"
#include "ui/jobs/job_runner.h"
#include "ui/run/training_worker.h"

namespace grok {

class RunStore;

struct ViewSnapshot {
  // Null for a task without a group (its views are not defined); the predictions are.
  std::shared_ptr<const Snapshot> snapshot;
  std::shared_ptr<const PairPredictions> predictions;  // the prediction grid's, from the same forward
  std::shared_ptr<const CheckpointWeights> weights;    // the snapshot's, converted once; the check table reads them
  std::shared_ptr<const AblationChecks> checks;        // with the measures' key set; null = not yet
  OperationGroup group;                                // the run's: the basis the analysis is in
  // The logits' 2D Fourier norms [n, n] (the snapshot's measures.logits_2d_norms); null = not yet,
  // while their view is out of sight (setLogitNormsLater, completeLogitNorms).
  std::shared_ptr<const std::vector<double>> logitNorms;
};
using ViewSnapshotPtr = std::shared_ptr<const ViewSnapshot>;

class SnapshotService : public QObject {
  Q_OBJECT
 public:
  explicit SnapshotService(QObject* parent = nullptr);
  // The cache holds the newest snapshots within kCacheBytes, at most kCacheSize of them, and always
  // the newest one (what is shown): a mainline snapshot is ~40 MB, one at p = 400 over 1 GB.
  static constexpr std::size_t kCacheSize = 6;
  static constexpr std::size_t kCacheBytes = std::size_t(512) << 20;
  static std::size_t cacheCapacity(std::size_t snapshotBytes);
  static std::size_t bytes(const ViewSnapshot& v);
  ~SnapshotService() override;

  void setRun(const QString& path);  // clears the cache
  // Key set of the restricted/excluded measures: nullopt = each checkpoint's own (live).
  void setKeyFreqs(const std::optional<std::vector<int>>& keys);
  // Asks for the views of `epoch`; emits ready() at once from the cache, or later.
  void request(int epoch);
  ViewSnapshotPtr cached(int epoch) const;
  // Computes these epochs into the cache, in order, while no request waits (replaces the previous
  // list): the checkpoints the user is likely to step to next.
  void prefetch(const std::vector<int>& epochs);
  // true (the default): the computing thread stays between requests, its first products already
  // paid for; false while training runs, so that its OpenMP pool does not slow training
  // (core/runtime/compute_thread.h).
  void setWarm(bool warm);
  // Each job takes its turn with training (core/runtime/analysis_turns.h).
  void setTurns(std::shared_ptr<AnalysisTurns> turns);
  // The results cache's file (core/analysis/results_cache.h; default ResultsCache::default_path(),
  // "" for none): check tables and neuron frequencies kept between visits and sessions.
  void setResultsCache(const QString& path);
  // The run the app trains ("" for none; training or paused): results of that run go into its file.
  void setTrainedRun(const QString& path);
  // The views of `epoch` (announced by ready()) are drawn: the check table computing after them
  // takes the second core back (any thread).
  void viewsDrawn(int epoch);
  // true while the logits' 2D view is out of sight: snapshots computed from then on leave its
  // norms out (~6 ms of each scrub step on mainline), for completeLogitNorms to add.
  void setLogitNormsLater(bool later);
  // Adds the logits' 2D norms to `views` (`epoch`'s, without them), caches and announces the
  // result (ready), after every request and prefetch: the view has come into sight, or the user
  // rests on the checkpoint.
  void completeLogitNorms(int epoch, ViewSnapshotPtr views);

 signals:
  void ready(int epoch, grok::ViewSnapshotPtr snapshot, double ms);
  void failed(int epoch, const QString& error);

 private:
  void work();  // on the service thread
  // `quiet`: a prefetch, cached but not announced.
  void compute(int epoch, const QString& path, const std::optional<std::vector<int>>& keys, unsigned generation,
               unsigned run, bool quiet);
  // The analyzer (dataset and basis) of run `run` (run_generation_ read with path_), built on the
  // service thread once per setRun.
  std::shared_ptr<const CheckpointAnalyzer> analyzer(const QString& path, unsigned run);
  // The run file of run `run`, open for reading: kept from one job to the next while the file stays
  // at rest and unchanged (RunStore::still_at_rest), else opened again. Service thread only.
  const RunStore& reader(const QString& path, unsigned run);
  void closeReaderUnlessAtRest();  // after a job: no connection kept on a file being written
  // Caches `v` unless the run or key set changed since the job began (then returns false).
  bool cache(int epoch, const ViewSnapshotPtr& v, unsigned generation);
  ResultsCache* results();  // service thread: the results cache, opened on first use; null if none
  // Service thread: keeps a checkpoint's check table and neurons where they go (see above).
  void keep(const QString& path, int epoch, const ViewSnapshot& v, const AblationChecks& checks);
  // Service thread: completeLogitNorms's job.
  void addLogitNorms(int epoch, const ViewSnapshotPtr& views, const QString& path, unsigned generation, unsigned run);
  // Service thread: ResultsCache::key, hashed once a job (the lookup before the snapshot and the
  // keep after the table ask for the same; ~1 ms a hash of the mainline's weights).
  std::string resultsKey(const std::shared_ptr<const CheckpointWeights>& w, int epoch, const std::vector<int>& keys);

  // Set by request(): a prefetch under way gives up at its next stage, so that the user's
  // checkpoint is not queued behind one they may never visit (a jump along the scrubber).
  std::atomic<bool> overtaken_{false};
  // Set by request() for the checkpoint a prefetch is computing: the job announces it (ready).
  std::atomic<bool> promoted_{false};
  std::atomic<int> drawn_{-1};  // viewsDrawn()'s epoch
  std::atomic<bool> logitNormsLater_{false};
  mutable std::mutex mutex_;
  QString path_;
  std::optional<std::vector<int>> keys_;
  std::optional<int> pending_;
  // The job under way (under mutex_): its checkpoint, whether it is a prefetch, and the generation
  // (run and key set) it computes for; request() takes over a prefetch of the same three.
  std::optional<int> computing_;
  bool computingQuiet_ = false;
  unsigned computingGeneration_ = 0;
  bool finished_ = false;  // service thread: the job under way has emitted its last ready
  std::deque<int> prefetch_;
  std::optional<std::pair<int, ViewSnapshotPtr>> logitNormsFor_;  // completeLogitNorms's, once nothing else waits
  bool busy_ = false;
  std::list<std::pair<int, ViewSnapshotPtr>> cache_;    // most recent first
  unsigned generation_ = 0;                             // bumped by setRun / setKeyFreqs
  unsigned run_generation_ = 0;                         // bumped by setRun
  std::shared_ptr<const CheckpointAnalyzer> analyzer_;  // service thread only
  struct {                                              // resultsKey's last: service thread only
    std::shared_ptr<const CheckpointWeights> weights;
    int epoch = -1;
    std::vector<int> keys;
    std::string key;
  } lastKey_;
  unsigned analyzer_run_ = 0;              // the run_generation_ analyzer_ was built for
  std::unique_ptr<RunStore> reader_;       // reader()'s: service thread only
  unsigned reader_run_ = 0;                // the run_generation_ reader_ was opened for
  JobRunner jobs_;                         // where the analysis runs; last: destroyed (waited for) first
  std::shared_ptr<AnalysisTurns> turns_;   // under mutex_
  std::string resultsPath_;                // under mutex_
  QString trainedRun_;                     // under mutex_
  std::unique_ptr<ResultsCache> results_;  // service thread only
};

}  // namespace grok

Q_DECLARE_METATYPE(grok::ViewSnapshotPtr)
