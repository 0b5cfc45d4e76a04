#include "ui/checkpoint/snapshot_service.h"

#include <QElapsedTimer>
#include <QMetaObject>
#include <algorithm>
#include <optional>

#include "core/runtime/compute_thread.h"
#include "core/store/run_store.h"
#include "ui/run/training_worker.h"

namespace grok {

std::size_t SnapshotService::cacheCapacity(std::size_t snapshotBytes) {
  const std::size_t fit = snapshotBytes == 0 ? kCacheSize : kCacheBytes / snapshotBytes;
  return std::max<std::size_t>(1, std::min(kCacheSize, fit));
}

std::size_t SnapshotService::bytes(const ViewSnapshot& v) {
  if (!v.snapshot) return 0;
  const Snapshot& s = *v.snapshot;
  std::size_t floats = s.logits.size() + s.direct_logits.size() + s.neuron_acts.size() + s.attention.size();
  for (const SnapshotLayer& l : s.earlier_layers) floats += l.neuron_acts.size() + l.attention.size();
  return sizeof(float) * floats;
}

SnapshotService::SnapshotService(QObject* parent) : QObject(parent), resultsPath_(ResultsCache::default_path()) {
  qRegisterMetaType<grok::ViewSnapshotPtr>();
}

SnapshotService::~SnapshotService() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.reset();
    prefetch_.clear();  // the job under way finishes; nothing after it
    logitNormsFor_.reset();
  }
  jobs_.wait();
}

void SnapshotService::setRun(const QString& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  path_ = path;
  run_generation_++;
  cache_.clear();
  pending_.reset();
  prefetch_.clear();
  logitNormsFor_.reset();
  generation_++;
}

void SnapshotService::setKeyFreqs(const std::optional<std::vector<int>>& keys) {
  std::lock_guard<std::mutex> lock(mutex_);
  keys_ = keys;
  cache_.clear();
  prefetch_.clear();
  logitNormsFor_.reset();
  generation_++;
}

ViewSnapshotPtr SnapshotService::cached(int epoch) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [e, s] : cache_)
    if (e == epoch) return s;
  return nullptr;
}

void SnapshotService::request(int epoch) {
  if (ViewSnapshotPtr s = cached(epoch)) {
    emit ready(epoch, s, 0.0);
    if (s->checks) return;  // else the check table is still to compute
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (busy_ && computing_ == epoch && computingQuiet_ && computingGeneration_ == generation_) {
    // A prefetch of this very checkpoint, for this run and key set: it is told to announce.
    promoted_ = true;
    pending_.reset();
    return;
  }
  pending_ = epoch;  // replaces any older request not started yet
  overtaken_ = true;
  if (busy_) return;
  busy_ = true;
  jobs_.run(this, [this](JobControl&) { work(); }, {});
}

void SnapshotService::setWarm(bool warm) { jobs_.setKeepAlive(warm); }

void SnapshotService::setTurns(std::shared_ptr<AnalysisTurns> turns) {
  std::lock_guard<std::mutex> lock(mutex_);
  turns_ = std::move(turns);
}

void SnapshotService::prefetch(const std::vector<int>& epochs) {
  std::lock_guard<std::mutex> lock(mutex_);
  prefetch_.assign(epochs.begin(), epochs.end());
  if (busy_ || prefetch_.empty()) return;
  busy_ = true;
  jobs_.run(this, [this](JobControl&) { work(); }, {});
}

void SnapshotService::setLogitNormsLater(bool later) { logitNormsLater_ = later; }

void SnapshotService::completeLogitNorms(int epoch, ViewSnapshotPtr views) {
  if (!views || !views->snapshot || views->logitNorms) return;
  std::lock_guard<std::mutex> lock(mutex_);
  logitNormsFor_ = std::make_pair(epoch, std::move(views));
  if (busy_) return;
  busy_ = true;
  jobs_.run(this, [this](JobControl&) { work(); }, {});
}

// One request or prefetch a job, so that the runner's thread (and its OpenMP pool) can end between
// them while training runs (setWarm(false)); a job queues the next while work remains.
void SnapshotService::work() {
  int epoch;
  bool quiet;
  QString path;
  std::optional<std::vector<int>> keys;
  unsigned generation, run;
  std::shared_ptr<AnalysisTurns> turns;
  ViewSnapshotPtr norms;  // completeLogitNorms's job: these views with the logits' 2D norms
  {
    std::lock_guard<std::mutex> lock(mutex_);
    overtaken_ = false;  // only a request made after this job began overtakes it
    if (pending_) {
      epoch = *pending_, quiet = false;
      pending_.reset();
    } else if (!prefetch_.empty()) {
      epoch = prefetch_.front(), quiet = true;
      prefetch_.pop_front();
    } else if (logitNormsFor_) {
      epoch = logitNormsFor_->first, quiet = false, norms = logitNormsFor_->second;
      logitNormsFor_.reset();
    } else {
      busy_ = false;
      return;
    }
    computing_ = epoch;
    computingQuiet_ = quiet;
    computingGeneration_ = generation_;
    promoted_ = false;
    path = path_;
    keys = keys_;
    generation = generation_;
    run = run_generation_;  // with path_: the analyzer built is this run's
    turns = turns_;
  }
  try {
    // Alone on the cores: training waits at its next epoch's end (core/runtime/analysis_turns.h).
    std::optional<AnalysisTurns::Turn> turn;
    if (turns) turn.emplace(*turns);
    if (norms)
      addLogitNorms(epoch, norms, path, generation, run);
    else
      compute(epoch, path, keys, generation, run, quiet);
  } catch (const AnalysisCancelled&) {  // a prefetch overtaken by a request: the request is next
  } catch (const std::exception& e) {
    reader_.reset();  // a file that failed to read is opened (and checked) again next time
    if (!quiet || promoted_) emit failed(epoch, QString::fromStdString(e.what()));
  }
  closeReaderUnlessAtRest();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // Asked for while the job ran, and it ended before announcing all of it (the request came
    // after its last emit, or it was cancelled): the request is next, from the cache if it can.
    if (promoted_ && !finished_ && !pending_) pending_ = epoch;
    computing_.reset();
  }
  jobs_.run(this, [this](JobControl&) { work(); }, {});
}

void SnapshotService::compute(int epoch, const QString& path, const std::optional<std::vector<int>>& keys,
                              unsigned generation, unsigned run, bool quiet) {
  QElapsedTimer timer;
  timer.start();
  auto ms = [&] { return static_cast<double>(timer.nsecsElapsed()) / 1e6; };
  // A prefetch is announced once the user asks for its checkpoint meanwhile (request()).
  finished_ = false;
  auto announce = [&] { return !quiet || promoted_.load(); };
  // The job's last emit: the checkpoint's views are all there (with the check table, if any).
  auto last = [&] { return finished_ = announce(); };
  ViewSnapshotPtr have = cached(epoch);
  if (have && have->checks) {
    if (last()) emit ready(epoch, have, 0.0);
    return;
  }
  const std::shared_ptr<const CheckpointAnalyzer> an = analyzer(path, run);
  if (!have) {
    const RunStore& store = reader(path, run);
    auto v = std::make_shared<ViewSnapshot>();
    v->weights = std::make_shared<const CheckpointWeights>(an->weights(store.load_checkpoint(epoch)));
    if (an->has_basis()) {
      v->group = an->basis().group();
      // What is known of this checkpoint already: the key set detected when it was committed (the
      // same as detecting it again), and from the results cache its check table and neurons.
      SnapshotKnown known;
      known.detected = store.measure_keys(epoch, KeySelection::Live);
      const std::optional<std::vector<int>> check_keys = keys ? keys : known.detected;
      std::optional<CachedResults> hit;
      if (check_keys) {  // the run file's own first, then the user's cache
        const std::string key = resultsKey(v->weights, epoch, *check_keys);
        hit = run_file_results(store, epoch, key);
        if (ResultsCache* rc = results(); !hit && rc) hit = rc->get(key, an->config());
        if (hit) known.neurons = hit->neurons, known.neuron_ipr = hit->neuron_ipr;
      }
      const SnapshotScope scope = logitNormsLater_ ? SnapshotScope::views_but_logit_norms : SnapshotScope::views;
      v->snapshot = std::make_shared<const Snapshot>(
          an->snapshot(epoch, *v->weights, keys, scope, quiet ? &overtaken_ : nullptr, &known));
      if (!v->snapshot->measures.logits_2d_norms.empty())  // the snapshot's own, shared (no copy)
        v->logitNorms = std::shared_ptr<const std::vector<double>>(v->snapshot, &v->snapshot->measures.logits_2d_norms);
      if (hit && hit->checks.key_freqs == v->snapshot->measures.key_freqs)
        v->checks = std::make_shared<const AblationChecks>(std::move(hit->checks));
      v->predictions = std::make_shared<const PairPredictions>(
          pair_predictions(an->task(), an->dataset(), v->snapshot->logits.data()));
    } else {  // no basis, no snapshot (its views say why): the forward for the predictions alone
      const AllPairForward f = compute_pair_forward(*v->weights);
      v->predictions =
          std::make_shared<const PairPredictions>(pair_predictions(an->task(), an->dataset(), f.logits.data()));
    }
    have = v;
    if (!cache(epoch, have, generation)) return;
  }
  if (!have->snapshot || have->checks) {  // nothing more to compute (no check table without a basis)
    if (last()) emit ready(epoch, have, ms());
    return;
  }
  drawn_ = -1;
  if (announce()) emit ready(epoch, have, ms());
  {
    // The user has scrubbed on: the table of this epoch would be drawn and replaced at once.
    std::lock_guard<std::mutex> lock(mutex_);
    if (pending_) return;
  }
  auto full = std::make_shared<ViewSnapshot>(*have);
  {
    // The views just announced are painted on the GUI thread meanwhile: a second OpenMP thread
    // would wait at every barrier for the core the painting holds. So the check table starts on
    // one thread, and takes the second back at its next part once the views are drawn
    // (viewsDrawn): the views come 5-10 ms sooner, the table no later (--bench-scrub,
    // docs/performance.md). A prefetch paints nothing and keeps both.
    std::optional<ScopedIntraOpThreads> one;
    if (announce()) one.emplace(1);
    auto between = [&] {
      if (one && drawn_.load() == epoch) one.reset();
    };
    full->checks = std::make_shared<const AblationChecks>(
        an->checks(*have->weights, *have->snapshot, quiet ? &overtaken_ : nullptr, between));
  }
  // Shown first, then kept: the write (a SQLite transaction, ~1.5 ms) no longer delays the table.
  if (cache(epoch, full, generation) && last()) emit ready(epoch, full, ms());
  keep(path, epoch, *have, *full->checks);
}

void SnapshotService::viewsDrawn(int epoch) { drawn_ = epoch; }

void SnapshotService::addLogitNorms(int epoch, const ViewSnapshotPtr& views, const QString& path, unsigned generation,
                                    unsigned run) {
  // The cached views of the same snapshot may have gained the check table since they were handed
  // in: the norms go with them.
  ViewSnapshotPtr have = views;
  if (ViewSnapshotPtr c = cached(epoch); c && c->snapshot == views->snapshot) have = c;
  if (have->logitNorms) return;
  const Snapshot& s = *have->snapshot;
  auto v = std::make_shared<ViewSnapshot>(*have);
  v->logitNorms =
      std::make_shared<const std::vector<double>>(logits_2d_norms(s.logits.data(), s.p, analyzer(path, run)->basis()));
  if (cache(epoch, v, generation)) emit ready(epoch, v, 0.0);  // 0: not a snapshot's time (the live throttle's)
}

// Kept for the next visit, this session or another: in the run file while the app trains it, else
// (or when the run file cannot take them) in the user's cache.
void SnapshotService::keep(const QString& path, int epoch, const ViewSnapshot& v, const AblationChecks& checks) {
  const Snapshot& sn = *v.snapshot;
  CachedResults r{checks, {}, sn.neuron_ipr};
  for (int l = 0; l < sn.n_layers() && sn.d_mlp > 0; l++) r.neurons.push_back(sn.layer(l).neurons);
  const std::string key = resultsKey(v.weights, epoch, sn.measures.key_freqs);
  bool trained;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    trained = !trainedRun_.isEmpty() && trainedRun_ == path;
  }
  if (trained) {
    try {
      RunStore run = RunStore::open(path.toStdString(), RunStore::Mode::ReadWrite);
      return put_run_file_results(run, epoch, key, r);
    } catch (const std::exception&) {  // a full disk, a lock held too long: the user's cache instead
    }
  }
  if (ResultsCache* rc = results()) rc->put(key, r);
}

std::string SnapshotService::resultsKey(const std::shared_ptr<const CheckpointWeights>& w, int epoch,
                                        const std::vector<int>& keys) {
  if (lastKey_.weights != w || lastKey_.epoch != epoch || lastKey_.keys != keys)
    lastKey_ = {w, epoch, keys, ResultsCache::key(*w, epoch, keys)};
  return lastKey_.key;
}

void SnapshotService::setTrainedRun(const QString& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  trainedRun_ = path;
}

ResultsCache* SnapshotService::results() {
  std::string path;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    path = resultsPath_;
  }
  if (!results_ || results_->path() != path) results_ = std::make_unique<ResultsCache>(path);
  return results_->ok() ? results_.get() : nullptr;
}

void SnapshotService::setResultsCache(const QString& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  resultsPath_ = path.toStdString();
}

std::shared_ptr<const CheckpointAnalyzer> SnapshotService::analyzer(const QString& path, unsigned run) {
  if (!analyzer_ || analyzer_run_ != run) {
    analyzer_ = std::make_shared<const CheckpointAnalyzer>(reader(path, run).config());
    analyzer_run_ = run;
  }
  return analyzer_;
}

const RunStore& SnapshotService::reader(const QString& path, unsigned run) {
  if (!reader_ || reader_run_ != run || !reader_->still_at_rest()) {
    reader_.reset();  // closed before the path is opened again
    reader_ = std::make_unique<RunStore>(RunStore::open(path.toStdString()));
    reader_run_ = run;
  }
  return *reader_;
}

void SnapshotService::closeReaderUnlessAtRest() {
  if (reader_ && !reader_->still_at_rest()) reader_.reset();
}

bool SnapshotService::cache(int epoch, const ViewSnapshotPtr& v, unsigned generation) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (generation != generation_) return false;  // the run or key set changed meanwhile
  for (auto it = cache_.begin(); it != cache_.end(); ++it)
    if (it->first == epoch) {
      cache_.erase(it);
      break;
    }
  cache_.emplace_front(epoch, v);
  while (cache_.size() > cacheCapacity(bytes(*v))) cache_.pop_back();
  return true;
}

}  // namespace grok
