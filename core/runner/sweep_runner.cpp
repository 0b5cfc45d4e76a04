#include "core/runner/sweep_runner.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <thread>

#include "core/store/run_store.h"
#include "core/training/trainer.h"

namespace grok {
namespace {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

// A run file that holds nothing to lose: killed before its first checkpoint committed.
bool nothing_committed(const std::string& path) {
  std::error_code ec;
  if (fs::file_size(path, ec) == 0 && !ec) return true;
  try {
    return RunStore::open(path).checkpoint_epochs().empty();
  } catch (const RunFileError& e) {
    return e.kind() == RunFileError::Kind::NoCheckpoint;
  }
}

}  // namespace

SweepEvent train_sweep_run(const Sweep& sweep, int index, int threads, const std::atomic<bool>& stop,
                           const std::function<void(int, int)>& on_epoch,
                           const std::function<void(const SweepEvent&)>& on_started) {
  std::error_code ec;
  const std::string path = sweep.run_path(index);
  const SweepEvent skipped{SweepEvent::Skipped, index, "another process is training it"};
  try {
    // The trainer takes the run's lock (RunStore, run_lock.h) inside the try: a lock that cannot be
    // taken (runs/ removed, a filesystem without locks) fails this run alone, reported, where it
    // used to end the process from a runner thread.
    if (RunLock::is_held(sweep.lock_path(index))) return skipped;
    fs::remove(sweep.error_path(index), ec);
    std::optional<Trainer> t;
    if (fs::exists(path, ec) && !nothing_committed(path)) {
      {  // closed before the trainer opens it
        const RunStore existing = RunStore::open(path);
        // A file that is not this run's (another sweep's, copied in) is reported, never trained on.
        if (const std::string d = config_mismatch(sweep.runs().at(index).config, existing.config()); !d.empty())
          throw ConfigError(path + ": " + d);
        if (existing.complete()) return {SweepEvent::Completed, index, "already complete"};
      }
      // The run's own thread count, so that it goes on bit for bit as if never stopped.
      t.emplace(Trainer::resume(path, std::nullopt, {}));
    } else {
      t.emplace(Trainer::start(sweep.runs().at(index).config, path, /*overwrite=*/fs::exists(path, ec), {threads}));
    }
    if (on_started)
      on_started({SweepEvent::Started, index,
                  "epoch " + std::to_string(t->epoch()) + " of " + std::to_string(t->target_epochs()) + ", " +
                      std::to_string(t->threads()) + " thread" + (t->threads() > 1 ? "s" : "")});
    TrainCallbacks cb;
    if (on_epoch) cb.on_progress = [&](const TrainProgress& p) { on_epoch(p.epoch, p.target_epochs); };
    t->run(stop, cb);
    if (!t->finished()) return {SweepEvent::Stopped, index, "checkpoint at epoch " + std::to_string(t->epoch())};
    const int g = t->grok_epoch();
    return {SweepEvent::Completed, index,
            "epoch " + std::to_string(t->epoch()) +
                (g >= 0 ? ", 99 % test accuracy at epoch " + std::to_string(g) : ", test accuracy below 99 %")};
  } catch (const RunFileError& e) {
    if (e.kind() == RunFileError::Kind::Busy && RunLock::is_held(sweep.lock_path(index))) return skipped;
    std::ofstream(sweep.error_path(index)) << e.what() << "\n";
    return {SweepEvent::Failed, index, e.what()};
  } catch (const std::exception& e) {
    std::ofstream(sweep.error_path(index)) << e.what() << "\n";
    return {SweepEvent::Failed, index, e.what()};
  }
}

SweepResult run_sweep(const Sweep& sweep, const SweepRunOptions& opt, const std::atomic<bool>& stop,
                      const SweepCallbacks& cb) {
  const int n = static_cast<int>(sweep.runs().size());
  SweepResult result;
  result.total = n;
  std::vector<int> indices = opt.only;
  if (indices.empty())
    for (int i = 0; i < n; i++) indices.push_back(i);
  std::deque<int> todo;
  // epochs[i]: the newest epoch of run i this runner knows, target[i] its budget (for the ETA).
  std::vector<long long> epoch(n, 0), target(n, 0);
  for (int i = 0; i < n; i++) {
    const SweepRunStatus st = sweep.status(i);
    const bool wanted = std::find(indices.begin(), indices.end(), i) != indices.end();
    if (st.state == RunState::Complete) {
      result.complete++;
    } else if (wanted) {
      todo.push_back(i);
      epoch[i] = std::max(0, st.epoch);
      target[i] = sweep.runs()[i].config.epochs;
    }
  }
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  const int jobs = std::max(1, std::min(opt.jobs > 0 ? opt.jobs : cores, static_cast<int>(todo.size())));
  const int threads = opt.threads > 0 ? opt.threads : std::max(1, cores / jobs);

  std::mutex m;  // guards everything below, the callbacks and `result`
  std::condition_variable changed;
  int running = 0, workers_left = jobs;
  long long done = 0;
  std::atomic<long long> epochs_done{0};
  auto event = [&](const SweepEvent& e) {
    if (cb.on_event) cb.on_event(e);
  };
  auto worker = [&] {
    while (true) {
      int i;
      {
        std::lock_guard<std::mutex> g(m);
        if (todo.empty() || stop.load()) break;
        i = todo.front();
        todo.pop_front();
        running++;
      }
      const SweepEvent e = train_sweep_run(
          sweep, i, threads, stop,
          [&, i](int ep, int tgt) {
            epochs_done.fetch_add(1, std::memory_order_relaxed);
            std::lock_guard<std::mutex> g(m);
            epoch[i] = ep, target[i] = tgt;
          },
          [&](const SweepEvent& s) {
            std::lock_guard<std::mutex> g(m);
            event(s);
          });
      std::lock_guard<std::mutex> g(m);
      running--;
      switch (e.kind) {
        case SweepEvent::Completed: result.complete++, target[i] = epoch[i]; break;
        case SweepEvent::Failed: result.failed++, target[i] = epoch[i]; break;
        case SweepEvent::Skipped: result.skipped++, target[i] = epoch[i]; break;
        case SweepEvent::Stopped: result.stopped++; break;
        case SweepEvent::Started: break;
      }
      event(e);
      changed.notify_all();
    }
    std::lock_guard<std::mutex> g(m);
    workers_left--;
    changed.notify_all();
  };
  std::vector<std::thread> pool;
  for (int j = 0; j < jobs; j++) pool.emplace_back(worker);

  // Progress from the caller's thread: woken by a run's end, else twice a second.
  std::deque<std::pair<clock_type::time_point, long long>> window;  // (time, epochs_done), last ~5 s
  {
    std::unique_lock<std::mutex> g(m);
    while (workers_left > 0) {
      changed.wait_for(g, std::chrono::milliseconds(500));
      const auto now = clock_type::now();
      done = epochs_done.load();
      window.emplace_back(now, done);
      while (window.size() > 2 && now - window.front().first > std::chrono::seconds(5)) window.pop_front();
      if (!cb.on_progress) continue;
      SweepProgress p;
      p.total = n, p.complete = result.complete, p.failed = result.failed, p.running = running;
      p.epochs_done = done, p.jobs = jobs, p.threads = threads;
      for (int i = 0; i < n; i++) p.epochs_left += std::max(0LL, target[i] - epoch[i]);
      const double dt = std::chrono::duration<double>(now - window.front().first).count();
      if (dt > 0.9) p.epochs_per_second = (done - window.front().second) / dt;
      if (p.epochs_per_second > 0) p.eta_seconds = p.epochs_left / p.epochs_per_second;
      cb.on_progress(p);
    }
  }
  for (std::thread& t : pool) t.join();
  return result;
}

}  // namespace grok
