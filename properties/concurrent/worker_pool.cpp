#include "properties/concurrent/worker_pool.h"

namespace ptc::conc {

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closing_ = true;
  }
  start_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void WorkerPool::start(unsigned n, const std::function<void(unsigned)>& job) {
  std::unique_lock<std::mutex> lock(mu_);
  job_ = &job;
  jobs_ = n;
  busy_ = n;
  ++round_;
  while (threads_.size() < n) threads_.emplace_back(&WorkerPool::serve, this, unsigned(threads_.size()));
  lock.unlock();
  start_.notify_all();
}

void WorkerPool::wait() {
  std::unique_lock<std::mutex> lock(mu_);
  done_.wait(lock, [&] { return busy_ == 0; });
  job_ = nullptr;
}

void WorkerPool::serve(unsigned i) {
  std::unique_lock<std::mutex> lock(mu_);
  // A thread added during a run takes part in it.
  uint64_t seen = round_ - 1;
  for (;;) {
    start_.wait(lock, [&] { return closing_ || round_ != seen; });
    if (closing_) return;
    seen = round_;
    if (i >= jobs_) continue;
    const std::function<void(unsigned)>& job = *job_;
    lock.unlock();
    job(i);
    lock.lock();
    if (--busy_ == 0) done_.notify_one();
  }
}

}  // namespace ptc::conc
