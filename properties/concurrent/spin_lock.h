// A lock for critical sections far shorter than a context switch (the simulated SMMU's work for one
// descriptor access): a waiter spins a little before it yields, so that a lock held on the other core
// is handed over without the futex sleep and wake-up a std::mutex pays under contention (issue 17:
// those were the larger part of a real-thread history's kernel time). A holder that was preempted is
// waited for by yielding, not by spinning on. BasicLockable, for std::lock_guard.
#pragma once
#include <atomic>
#include <thread>

namespace ptc::conc {

class SpinLock {
 public:
  void lock() {
    for (unsigned spins = 0; held_.exchange(true, std::memory_order_acquire);) {
      while (held_.load(std::memory_order_relaxed)) {
        if (++spins < kSpins) {
          relax();
        } else {
          spins = 0;
          std::this_thread::yield();
        }
      }
    }
  }
  void unlock() { held_.store(false, std::memory_order_release); }

 private:
  static constexpr unsigned kSpins = 256;
  static void relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
  }
  std::atomic<bool> held_{false};
};

}  // namespace ptc::conc
