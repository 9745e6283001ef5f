// Threads kept across real-thread histories (issue 17: creating five threads a history, and the first
// ones waiting for the last to start, was a tenth of a history's time). run(n, job) runs job(0) ..
// job(n-1) at once, each on a thread of its own (thread i runs job(i) every time), and returns when all
// have returned. start(n, job) and wait() are the two halves of run, so that the caller can work while
// the jobs run (stress checks the history before while the next one's threads run); job must live until
// wait returns. Threads are added as a run needs them and joined when the pool is destroyed. A pool is
// used by one caller at a time.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ptc::conc {

class WorkerPool {
 public:
  WorkerPool() = default;
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;
  ~WorkerPool();

  void run(unsigned n, const std::function<void(unsigned)>& job) {
    start(n, job);
    wait();
  }
  void start(unsigned n, const std::function<void(unsigned)>& job);
  void wait();

 private:
  void serve(unsigned i);

  std::mutex mu_;
  std::condition_variable start_, done_;
  std::vector<std::thread> threads_;
  uint64_t round_ = 0;  // bumped for each run
  unsigned jobs_ = 0;   // job(i) for i < jobs_ this round
  unsigned busy_ = 0;   // jobs of this round not yet returned
  bool closing_ = false;
  const std::function<void(unsigned)>* job_ = nullptr;
};

}  // namespace ptc::conc
