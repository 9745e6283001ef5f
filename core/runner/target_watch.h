// What the process running a target is doing, readable by another process while it runs (it lives in a
// shared mapping that outlives a crash): which statement, whether control is inside the target, and since
// when. The child runner (child_process.h) reads it to name the statement a dead child was running and to
// find an operation that does not return (a hang). Only lock-free atomics: a crash mid-update leaves
// each field whole.
#pragma once
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>

namespace ptc {

// Which ptc_target_ops entry control is in (kNone: in ptcheck's own code).
enum class WatchedEntry : uint32_t { kNone = 0, kCreate, kRoot, kOp, kDestroy };
inline const char* watched_entry_name(WatchedEntry e) {
  switch (e) {
    case WatchedEntry::kNone: return "ptcheck's own code";
    case WatchedEntry::kCreate: return "create";
    case WatchedEntry::kRoot: return "root";
    case WatchedEntry::kOp: return "an operation";
    case WatchedEntry::kDestroy: return "destroy";
  }
  return "?";
}

struct TargetWatch {
  std::atomic<int32_t> line{0};            // script line of the statement running (0: none yet)
  std::atomic<uint32_t> entry{0};          // WatchedEntry
  std::atomic<uint32_t> op_kind{0};        // OpKind of kOp (its ops.h value)
  // Steady clock when control entered the target (0: not in it). The CPU time an entry uses is measured
  // by the reader, from the first time it sees the entry (child_process.cpp): reading a CPU clock here
  // is a system call per target call (issue 17: a quarter of stress's scheduler time).
  std::atomic<int64_t> entered_ns{0};
  std::atomic<uint64_t> unit{0};           // which script, case or item of a batch (the caller numbers them)
  std::atomic<int32_t> tid{0};             // nonzero: the watch of one thread of a multi-threaded run (stress),
                                           // whose own CPU time, not the process's, then measures a hang
  static_assert(std::atomic<int64_t>::is_always_lock_free && std::atomic<uint32_t>::is_always_lock_free);

  // Makes this the watch of the calling thread alone: its CPU time, not the process's, measures a hang
  // (other threads keep the process busy while one is stuck).
  void bind_to_this_thread() { tid.store(int32_t(syscall(SYS_gettid)), std::memory_order_relaxed); }
  static int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  void enter(WatchedEntry e, int statement_line, uint32_t kind = 0) {
    line.store(statement_line, std::memory_order_relaxed);
    op_kind.store(kind, std::memory_order_relaxed);
    entry.store(uint32_t(e), std::memory_order_relaxed);
    entered_ns.store(now_ns(), std::memory_order_release);
  }
  void leave() {
    entered_ns.store(0, std::memory_order_release);
    entry.store(uint32_t(WatchedEntry::kNone), std::memory_order_relaxed);
  }
};

// The watch of this process when it is a child of ptcheck's (core/isolation sets it, for code that calls
// the target outside the runner, e.g. the proofs' recordings); null otherwise. Single-threaded callers only.
inline TargetWatch*& ambient_watch() {
  static TargetWatch* w = nullptr;
  return w;
}

// Enters on construction; on destruction restores what was there before (an op injected with `@N` runs
// inside the outer op's target call, which is still in progress when the injected one returns). A null
// watch does nothing.
class WatchScope {
 public:
  WatchScope(TargetWatch* w, WatchedEntry e, int line, uint32_t kind = 0) : w_(w) {
    if (!w_) return;
    line_ = w_->line.load(std::memory_order_relaxed);
    entry_ = w_->entry.load(std::memory_order_relaxed);
    kind_ = w_->op_kind.load(std::memory_order_relaxed);
    since_ = w_->entered_ns.load(std::memory_order_relaxed);
    w_->enter(e, line, kind);
  }
  ~WatchScope() {
    if (!w_) return;
    w_->line.store(line_, std::memory_order_relaxed);
    w_->op_kind.store(kind_, std::memory_order_relaxed);
    w_->entry.store(entry_, std::memory_order_relaxed);
    w_->entered_ns.store(since_, std::memory_order_release);
  }
  WatchScope(const WatchScope&) = delete;
  WatchScope& operator=(const WatchScope&) = delete;

 private:
  TargetWatch* w_;
  int32_t line_ = 0;
  uint32_t entry_ = 0, kind_ = 0;
  int64_t since_ = 0;
};

}  // namespace ptc
