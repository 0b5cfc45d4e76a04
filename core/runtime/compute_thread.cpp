#include "core/runtime/compute_thread.h"

#include <ATen/Parallel.h>
#include <omp.h>

#include <exception>
#include <thread>

namespace grok {

void set_intra_op_threads(int threads) {
  // ATen sets each thread's OpenMP count from its process-wide default the first time the thread
  // asks: let that happen first, so that it does not overwrite the count set here later.
  (void)at::get_num_threads();
  omp_set_num_threads(threads);
}

ScopedIntraOpThreads::ScopedIntraOpThreads(int threads)
    : before_((void(at::get_num_threads()), omp_get_max_threads())) {
  set_intra_op_threads(threads);
}

ScopedIntraOpThreads::~ScopedIntraOpThreads() { set_intra_op_threads(before_); }

ComputeThread::~ComputeThread() {
  {
    std::lock_guard<std::mutex> lock(m_);
    quit_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ComputeThread::run(const std::function<void()>& fn) {
  std::unique_lock<std::mutex> lock(m_);
  if (!alive_) {
    if (thread_.joinable()) thread_.join();  // ended already (quit_ was seen): returns at once
    alive_ = true;
    quit_ = false;
    thread_ = std::thread([this] { loop(); });
  }
  if (keep_) quit_ = false;  // a quit asked while idle, not yet seen: stay after all
  job_ = &fn;
  done_ = false;
  error_ = nullptr;
  cv_.notify_all();
  cv_.wait(lock, [&] { return done_; });
  if (!keep_) {  // the thread ends before the next job can reach it
    quit_ = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return !alive_; });
  }
  if (error_) std::rethrow_exception(error_);
}

void ComputeThread::set_keep_alive(bool keep) {
  std::unique_lock<std::mutex> lock(m_);
  keep_ = keep;
  if (keep || !alive_ || job_) return;  // a running job's thread ends after it (run())
  quit_ = true;
  cv_.notify_all();
  cv_.wait(lock, [&] { return !alive_ || job_; });  // idle: it ends now
}

void ComputeThread::loop() {
  set_intra_op_threads(threads_);
  std::unique_lock<std::mutex> lock(m_);
  while (true) {
    cv_.wait(lock, [&] { return job_ || quit_; });
    if (job_) {  // a job first, even if told to quit meanwhile
      const std::function<void()>* job = job_;
      lock.unlock();
      try {
        (*job)();
      } catch (...) {
        error_ = std::current_exception();
      }
      lock.lock();
      job_ = nullptr;
      done_ = true;
      cv_.notify_all();
      continue;
    }
    alive_ = false;  // quit_: the next run() starts a new thread
    cv_.notify_all();
    return;
  }
}

}  // namespace grok
