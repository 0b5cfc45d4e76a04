#include "core/training/trainer.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <utility>
#include <vector>

#include "core/analysis/checkpoint_analysis.h"
#include "core/analysis/run_needs.h"
#include "core/base/task.h"
#include "core/base/version.h"
#include "core/data/dataset.h"
#include "core/model/internal/model_family_impl.h"
#include "core/runtime/compute_thread.h"
#include "core/runtime/machine_load.h"
#include "core/runtime/system_info.h"
#include "core/training/internal/train_step.h"

namespace grok {

namespace {

// The training thread's intra-op threads: the count asked for, else the CPUs the machine has free.
int use_threads(int asked) {
  const int n = asked > 0 ? asked : threads_for_load(measure_machine_load(), kIntraOpThreads);
  set_intra_op_threads(n);
  return n;
}

[[noreturn]] void damaged(const std::string& path, const std::exception& e) {
  if (auto* r = dynamic_cast<const RunFileError*>(&e)) throw *r;
  throw RunFileError(RunFileError::Kind::Damaged, path + ": damaged run file (" + e.what() + ")");
}

// Meta `key` changes from `was` to `value` at `epoch`; `key`_history keeps each value with the epoch
// it started at ("1 from epoch 0, 2 from epoch 18").
void record_change(RunStore& st, const std::string& key, const std::string& was, const std::string& value, int epoch) {
  const std::string before = st.meta(key + "_history");
  st.set_meta(key + "_history", (before.empty() ? was + " from epoch 0" : before) + ", " + value + " from epoch " +
                                    std::to_string(epoch));
  st.set_meta(key, value);
}

}  // namespace

std::map<std::string, std::string> new_run_meta(int threads) {
  return {{"app_version", version()},
          {"torch_version", torch_version()},
          {"blas", blas_library()},
          {"threads", std::to_string(threads)},
          {"kernel_version", std::to_string(kKernelVersion)}};
}

struct Trainer::Impl {
  Config cfg;
  RunStore store;
  CheckpointAnalyzer analyzer;  // the task, its split and basis: the batches and each checkpoint's measures
  TrainStep step;
  Batch test;
  at::Tensor train_rows, test_rows;  // [n_train], [n_test]: each pair's row a*p+b among all p*p
  int threads = 1;
  int epoch = 0;  // next epoch to compute; weights are W_epoch
  int last_checkpoint = -1;
  std::vector<EpochMetrics> pending;  // metrics since the last committed checkpoint
  std::vector<NumericsRecord> pending_numerics;
  std::optional<NumericsRecord> unreported;  // the newest numerics, until a progress report carries them
  EpochMetrics last_test;
  MeasureRecord last_measures;
  double measures_ms = 0;
  // The first evaluated epoch at >= 99 % test accuracy (-1: not yet), and with stop_after_grok the
  // epoch the run ends at (-1: none yet). Resume finds the first again in the stored metrics.
  int grok_epoch = -1;

  int early_stop_epoch() const {
    return cfg.stop_after_grok > 0 && grok_epoch >= 0 ? grok_epoch + cfg.stop_after_grok : -1;
  }
  void note_test(const EpochMetrics& m) {
    if (grok_epoch < 0 && m.test_acc >= kGrokAccuracy) grok_epoch = m.epoch;
  }

  Impl(Config c, RunStore s, Weights weights, int n_threads)
      : cfg(std::move(c)),
        store(std::move(s)),
        analyzer(cfg),
        step(cfg, std::move(weights), make_batch(analyzer.dataset().train)),
        test(make_batch(analyzer.dataset().test)),
        threads(n_threads) {
    const Batch& train = step.batch();
    train_rows = train.a * Task(cfg).p() + train.b;
    test_rows = test.a * Task(cfg).p() + test.b;
  }

  // The checkpoint, its metrics and its progress measures (with this checkpoint's own key
  // frequencies: a live run knows no others) in one transaction. `logits`: this checkpoint's
  // all-pair logits if the epoch has them already (pair_logits), else the measures compute them.
  void commit(int e, const std::vector<float>* logits = nullptr) {
    const ResumeState r{e, step.optimizer().steps_taken(), step.state()};
    const CheckpointWeights ck = analyzer.weights(to_named_arrays(step.weights()));
    last_measures = commit_checkpoint(store, analyzer, e, ck, pending, r, pending_numerics, logits, &measures_ms);
    pending.clear();
    pending_numerics.clear();
    last_checkpoint = e;
  }

  // The test logits [n_test, V], for a checkpoint's measures.
  at::Tensor evaluate_test(EpochMetrics& m) {
    at::NoGradGuard no_grad;
    const at::Tensor logits = model_forward(cfg, step.weights(), test);
    m.test_loss = run_loss(logits, test.labels, cfg.loss, Task(cfg).p()).item<double>();
    m.test_acc = static_cast<double>(count_correct(logits, test.labels, Task(cfg).p())) / test.size();
    last_test = m;
    note_test(m);
    return logits;
  }

  // Every pair's logits at a checkpoint, [p*p, p] without the '=' column, put together from the
  // epoch's training and test forward passes (the splits cover every pair): the progress
  // measures need them, and a pass of their own cost ~30 ms a mainline checkpoint. Only without
  // dropout, which the training pass applies.
  std::vector<float> pair_logits(const at::Tensor& train_logits, const at::Tensor& test_logits) const {
    at::NoGradGuard no_grad;
    const int p = Task(cfg).p();
    at::Tensor L =
        at::zeros({static_cast<std::int64_t>(p) * p, p}, train_logits.options());  // [p*p, p]; b = 0 stays 0 for divide
    L.index_copy_(0, train_rows, train_logits.detach().narrow(1, 0, p));
    L.index_copy_(0, test_rows, test_logits.narrow(1, 0, p));
    return std::vector<float>(L.data_ptr<float>(), L.data_ptr<float>() + L.numel());
  }
};

Trainer::Trainer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Trainer::Trainer(Trainer&&) noexcept = default;
Trainer& Trainer::operator=(Trainer&&) noexcept = default;
Trainer::~Trainer() = default;

Trainer Trainer::start(const Config& cfg, const std::string& path, bool overwrite, const TrainOptions& opt) {
  validate(cfg);
  check_run_fits(cfg, path);  // a run this machine cannot hold is refused before anything is written
  const int threads = use_threads(opt.threads);
  RunStore store = RunStore::create(path, cfg, overwrite, new_run_meta(threads));
  return Trainer(std::make_unique<Impl>(cfg, std::move(store), init_weights(cfg), threads));
}

Trainer Trainer::resume(const std::string& path, std::optional<int> epochs, const TrainOptions& opt) {
  RunStore store = RunStore::open(path, RunStore::Mode::Train);
  const auto resume = store.load_resume_state();
  if (!resume) throw RunFileError(RunFileError::Kind::NoCheckpoint, path + ": holds no checkpoint to resume from");
  // The run's own count by default, so that it goes on bit for bit as if never stopped.
  const int recorded = std::atoi(store.meta("threads").c_str());
  const int threads = use_threads(opt.threads > 0 ? opt.threads : recorded);
  Config cfg = store.config();
  if (epochs) {
    if (*epochs < resume->epoch)
      throw ConfigError("epochs: " + std::to_string(*epochs) +
                        " is before the newest checkpoint (allowed: >= " + std::to_string(resume->epoch) + ")");
    cfg.epochs = *epochs;
    validate(cfg);  // stored below, once the checkpoint has loaded: a failed resume changes nothing
  }
  Weights w;
  try {
    w = weights_from_checkpoint(cfg, store.load_checkpoint(resume->epoch));
  } catch (const std::runtime_error& e) {
    damaged(path, e);
  }
  auto impl = std::make_unique<Impl>(cfg, std::move(store), std::move(w), threads);
  try {
    impl->step.load_state(resume->optimizer, resume->optimizer_steps);
  } catch (const std::runtime_error& e) {
    damaged(path, e);
  }
  if (epochs) impl->store.set_target_epochs(*epochs);
  // The run now mixes two thread counts, or two versions of the step's arithmetic (the same
  // science, other last bits): say from which epoch on, for whoever reproduces it.
  if (threads != recorded)
    record_change(impl->store, "threads", impl->store.meta("threads"), std::to_string(threads), resume->epoch);
  if (const std::string kv = impl->store.meta("kernel_version"); kv != std::to_string(kKernelVersion))
    record_change(impl->store, "kernel_version", kv.empty() ? "1" : kv, std::to_string(kKernelVersion), resume->epoch);
  impl->epoch = resume->epoch;
  impl->last_checkpoint = resume->epoch;
  if (cfg.stop_after_grok > 0)
    for (const EpochMetrics& m : impl->store.metrics(0, resume->epoch)) impl->note_test(m);
  return Trainer(std::move(impl));
}

Trainer Trainer::fork(const std::string& parent, int epoch, const std::vector<std::string>& changes,
                      const std::string& path, bool overwrite, const TrainOptions& opt) {
  const RunStore from = RunStore::open(parent);
  const std::vector<int> epochs = from.checkpoint_epochs();
  if (!std::binary_search(epochs.begin(), epochs.end(), epoch))
    throw ConfigError("epoch: " + std::to_string(epoch) + " is not a checkpoint of " + parent +
                      nearest_checkpoints(epochs, epoch));
  const Config cfg = fork_config(from.config(), epoch, changes);
  std::error_code ec;
  if (std::filesystem::equivalent(parent, path, ec))
    throw RunFileError(RunFileError::Kind::Exists, path + ": is the parent run; fork into a new file");
  Weights w;
  try {
    w = weights_from_checkpoint(cfg, from.load_checkpoint(epoch));
  } catch (const std::runtime_error& e) {
    damaged(parent, e);
  }
  const int threads = use_threads(opt.threads > 0 ? opt.threads : std::atoi(from.meta("threads").c_str()));
  // Only the newest checkpoint keeps the optimizer's moments (run_store.h).
  const std::optional<ResumeState> resume = from.load_resume_state();
  const bool carry = resume && resume->epoch == epoch;
  std::map<std::string, std::string> meta = new_run_meta(threads);
  meta["parent"] = std::filesystem::absolute(parent).lexically_normal().string();
  meta["parent_epoch"] = std::to_string(epoch);
  meta["optimizer_state"] = carry ? "parent" : "fresh";
  check_run_fits(cfg, path);
  auto impl = std::make_unique<Impl>(cfg, RunStore::create(path, cfg, overwrite, meta), std::move(w), threads);
  if (carry) {
    try {
      impl->step.load_state(resume->optimizer, resume->optimizer_steps);
    } catch (const std::runtime_error& e) {
      damaged(parent, e);
    }
  }
  impl->epoch = epoch;
  impl->commit(epoch);
  return Trainer(std::move(impl));
}

void Trainer::run(const std::atomic<bool>& stop, const TrainCallbacks& cb) {
  Impl& s = *impl_;
  const Config& c = s.cfg;
  const bool dropout = c.effective_dropout() > 0;
  using clock = std::chrono::steady_clock;
  auto window_start = clock::now();
  int window_epochs = 0;
  double rate = 0;
  while (true) {
    const int e = s.epoch;
    if (stop.load()) {
      if (s.last_checkpoint != e) s.commit(e);
      return;
    }
    const StepForward& f = s.step.forward(e, e % c.test_interval == 0);
    EpochMetrics m;
    m.epoch = e;
    m.train_loss = f.loss_value;
    m.train_acc = f.accuracy;
    m.train_acc_true = f.accuracy_true;
    m.corrupted_acc = f.corrupted_accuracy;
    m.corrupted_acc_true = f.corrupted_accuracy_true;
    m.lr = s.step.optimizer().current_lr();
    // The early stop is known from an earlier epoch's test accuracy, so it is a checkpoint like the last epoch.
    const bool early_end = s.early_stop_epoch() >= 0 && e >= s.early_stop_epoch();
    const bool checkpoint = (e % c.checkpoint_interval == 0 || e == c.epochs || early_end) && e != s.last_checkpoint;
    at::Tensor test_logits;
    if (e % c.test_interval == 0 || checkpoint) test_logits = s.evaluate_test(m);
    s.pending.push_back(m);
    if (checkpoint) {
      const std::vector<float> all = dropout ? std::vector<float>() : s.pair_logits(f.logits, test_logits);
      s.commit(e, dropout ? nullptr : &all);
    }

    window_epochs++;
    const double dt = std::chrono::duration<double>(clock::now() - window_start).count();
    // A first rate after half a second, then over 3 s: long enough that a checkpoint or the
    // app's live analysis does not make it jump.
    if (dt > (rate > 0 ? 3.0 : 0.5)) {
      rate = window_epochs / dt;
      window_start = clock::now();
      window_epochs = 0;
    }
    if (cb.on_progress) {
      TrainProgress p;
      p.epoch = e;
      p.target_epochs = c.epochs;
      p.metrics = m;
      p.last_test = s.last_test;
      p.epochs_per_second = rate;
      p.last_checkpoint = s.last_checkpoint;
      p.checkpoint_now = checkpoint;
      if (checkpoint) p.measures = s.last_measures, p.measures_ms = s.measures_ms;
      p.numerics = std::exchange(s.unreported, std::nullopt);
      cb.on_progress(p);
    }
    if (early_end) {
      if (s.store.meta("stopped_early_at") != std::to_string(e))
        s.store.set_meta("stopped_early_at", std::to_string(e));
      return;
    }
    if (e >= c.epochs) return;
    s.step.update();
    if (auto n = s.step.take_numerics()) s.pending_numerics.push_back(*n), s.unreported = std::move(n);
    s.epoch = e + 1;
  }
}

int Trainer::epoch() const { return impl_->epoch; }
int Trainer::threads() const { return impl_->threads; }
int Trainer::target_epochs() const { return impl_->cfg.epochs; }
bool Trainer::finished() const {
  const int early = impl_->early_stop_epoch();
  return impl_->last_checkpoint >= impl_->cfg.epochs || (early >= 0 && impl_->last_checkpoint >= early);
}
int Trainer::grok_epoch() const { return impl_->grok_epoch; }
const Config& Trainer::config() const { return impl_->cfg; }
const std::string& Trainer::path() const { return impl_->store.path(); }
void Trainer::limit_file_size(std::int64_t bytes) { impl_->store.limit_file_size(bytes); }

}  // namespace grok
