#include "ui/jobs/job_runner.h"

#include <QMetaObject>

namespace grok {

JobRunner::JobRunner(int intra_op_threads) : compute_(intra_op_threads), postman_(new QObject) {
  dispatcher_ = std::thread([this] { loop(); });
}

JobRunner::~JobRunner() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    quit_ = true;
    queue_.clear();
    if (current_) current_->control.flag_->store(true);
  }
  cv_.notify_all();
  dispatcher_.join();
  delete postman_;  // its queued calls go with it: nothing arrives after the runner
}

void JobRunner::enqueue(QObject* receiver, std::function<void(JobControl&)> work, std::function<void()> done,
                        std::function<void(const QString&)> failed, std::function<void(int, int)> progress,
                        bool replace) {
  auto job = std::make_shared<Job>();
  job->receiver = receiver;
  job->work = std::move(work);
  job->done = std::move(done);
  job->failed = std::move(failed);
  if (progress) {
    QPointer<QObject> r = receiver;
    job->control.progress_ = [this, r, progress = std::move(progress)](int d, int t) {
      post(r, [progress, d, t] { progress(d, t); });
    };
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (replace) cancel_locked();
    queue_.push_back(std::move(job));
  }
  cv_.notify_all();
}

void JobRunner::cancel() {
  std::lock_guard<std::mutex> lock(mutex_);
  cancel_locked();
}

void JobRunner::cancel_locked() {
  for (const auto& job : queue_) job->control.flag_->store(true);
  if (current_) current_->control.flag_->store(true);
}

void JobRunner::cancelAndWait() {
  cancel();
  wait();
}

void JobRunner::wait() {
  std::unique_lock<std::mutex> lock(mutex_);
  idle_.wait(lock, [this] { return queue_.empty() && !current_; });
}

bool JobRunner::busy() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return current_ || !queue_.empty();
}

void JobRunner::post(const QPointer<QObject>& receiver, std::function<void()> fn) {
  QMetaObject::invokeMethod(
      postman_,
      [receiver, fn = std::move(fn)] {
        if (receiver) fn();
      },
      Qt::QueuedConnection);
}

void JobRunner::loop() {
  while (true) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      cv_.wait(lock, [this] { return quit_ || !queue_.empty(); });
      if (quit_) return;
      job = current_ = queue_.front();
      queue_.pop_front();
    }
    std::function<void()> deliver;
    try {
      compute_.run([&] { job->work(job->control); });
      deliver = job->done;
    } catch (const std::exception& e) {
      if (job->failed) deliver = [f = job->failed, what = QString::fromStdString(e.what())] { f(what); };
    } catch (...) {
      if (job->failed) deliver = [f = job->failed] { f(QStringLiteral("unknown error")); };
    }
    if (deliver) post(job->receiver, std::move(deliver));
    {
      std::lock_guard<std::mutex> lock(mutex_);
      current_.reset();
    }
    idle_.notify_all();
  }
}

}  // namespace grok
