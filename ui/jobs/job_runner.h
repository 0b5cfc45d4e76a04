// The one way ui/ runs work off the GUI thread: a queue of jobs on a thread of the runner's own,
// results delivered to the GUI thread, and only while their receiver lives.
//
// Why one: the views used to start threads six ways (QThread + worker objects, QThread::create,
// bare std::threads), each with its own rules for cancelling, for the OpenMP pool and for a
// result arriving after its window closed. A runner gives every view the same ones:
//   - jobs run one at a time, in order, on a ComputeThread (core/runtime/compute_thread.h) with
//     the app's intra-op threads; setKeepAlive(false) ends that thread (and its OpenMP pool)
//     after each job, as work beside training must;
//   - a job sees JobControl: cancelled() (set by cancel(), the destructor, or a newer job with
//     replace), progress(done, total), and a flag for core functions that take one. A cancelled
//     job still runs (it should return at once) and still reports done or failed, so an owner's
//     bookkeeping never misses one; only the destructor drops the jobs not started;
//   - done(result) and failed(message) run on the GUI thread, and not at all once the receiver
//     is destroyed; progress likewise;
//   - the destructor cancels, waits for the job under way, and drops what it had not started.
//
//   JobRunner jobs;
//   jobs.run<int>(this, [path](JobControl& c) { return fill(path, c.flag()); },
//                 [this](int n) { label->setNum(n); }, [this](const QString& e) { showError(e); });
//
// Threading: run, cancel, cancelAndWait and the destructor are for the GUI thread (or the thread
// that owns the runner); work runs on the runner's thread.
#pragma once

#include <QEventLoop>
#include <QObject>
#include <QPointer>
#include <QString>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "core/runtime/compute_thread.h"

namespace grok {

class JobControl {
 public:
  bool cancelled() const { return flag_->load(); }
  // For core functions that take a cancel flag (fill_missing_measures, the analyzer).
  const std::atomic<bool>* flag() const { return flag_.get(); }
  // Reported to the job's progress callback on the GUI thread (coalescing is the receiver's).
  void progress(int done, int total) const {
    if (progress_) progress_(done, total);
  }

 private:
  friend class JobRunner;
  std::shared_ptr<std::atomic<bool>> flag_ = std::make_shared<std::atomic<bool>>(false);
  std::function<void(int, int)> progress_;
};

class JobRunner {
 public:
  explicit JobRunner(int intra_op_threads = kIntraOpThreads);
  ~JobRunner();
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  // Queues `work`; `done(result)` / `failed(what)` / `progress(done, total)` run on the GUI thread
  // while `receiver` lives. With `replace`, the jobs queued and the one
  // under way are asked to stop first (a scrub: only the newest request matters).
  template <typename R>
  void run(QObject* receiver, std::function<R(JobControl&)> work, std::function<void(R)> done,
           std::function<void(const QString&)> failed = {}, std::function<void(int, int)> progress = {},
           bool replace = false) {
    auto result = std::make_shared<R>();
    enqueue(
        receiver, [work = std::move(work), result](JobControl& c) { *result = work(c); },
        [done = std::move(done), result] {
          if (done) done(std::move(*result));
        },
        std::move(failed), std::move(progress), replace);
  }
  // The same for work without a result.
  void run(QObject* receiver, std::function<void(JobControl&)> work, std::function<void()> done,
           std::function<void(const QString&)> failed = {}, std::function<void(int, int)> progress = {},
           bool replace = false) {
    enqueue(receiver, std::move(work), std::move(done), std::move(failed), std::move(progress), replace);
  }

  // Asks every job queued or under way to stop: each sees cancelled().
  void cancel();
  // cancel(), then returns once no job runs (its done/failed may still be queued to the GUI thread).
  void cancelAndWait();
  // Waits until every queued job has run (tests, and callers about to replace a file).
  void wait();
  bool busy() const;
  // See ComputeThread::set_keep_alive: false while training runs.
  void setKeepAlive(bool keep) { compute_.set_keep_alive(keep); }

 private:
  struct Job {
    QPointer<QObject> receiver;
    std::function<void(JobControl&)> work;
    std::function<void()> done;
    std::function<void(const QString&)> failed;
    JobControl control;
  };
  void enqueue(QObject* receiver, std::function<void(JobControl&)> work, std::function<void()> done,
               std::function<void(const QString&)> failed, std::function<void(int, int)> progress, bool replace);
  void cancel_locked();
  void loop();  // the dispatcher thread
  // Runs fn on the GUI thread if `receiver` still lives then.
  void post(const QPointer<QObject>& receiver, std::function<void()> fn);

  ComputeThread compute_;
  QObject* postman_;  // lives on the runner's owner thread; deleted after the dispatcher joined
  mutable std::mutex mutex_;
  std::condition_variable cv_, idle_;
  std::deque<std::shared_ptr<Job>> queue_;
  std::shared_ptr<Job> current_;
  bool quit_ = false;
  std::thread dispatcher_;
};

// Runs `work` as a job of `jobs` and returns its result, the GUI thread's event loop turning
// meanwhile (a local QEventLoop without user input, as a modal progress dialog would): for
// commands whose callers want an answer (open a run, export, plan an import) but whose work must
// not freeze the window. Rethrows the job's error as std::runtime_error with its message.
template <typename R>
R runAndWait(JobRunner& jobs, std::function<R(JobControl&)> work) {
  QEventLoop loop;
  std::optional<R> result;
  std::optional<QString> error;
  jobs.run<R>(
      &loop, std::move(work),
      [&](R r) {
        result = std::move(r);
        loop.quit();
      },
      [&](const QString& e) {
        error = e;
        loop.quit();
      });
  loop.exec(QEventLoop::ExcludeUserInputEvents);
  if (error) throw std::runtime_error(error->toStdString());
  if (!result) {  // the loop ended without the job's word: the application is quitting
    jobs.cancel();
    throw std::runtime_error("interrupted: the application is closing");
  }
  return std::move(*result);
}

}  // namespace grok
