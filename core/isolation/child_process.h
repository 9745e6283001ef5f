// Runs part of ptcheck in a forked child process, so that the code under test may die without taking
// ptcheck with it (libFuzzer's fork mode and syzkaller work the same way). The child's stdout and stderr
// go to a log file (the target's own printf, WARN and pr_* lines, and a sanitizer's report); the child
// hands its results back as frames over a pipe; a TargetWatch in shared memory says which statement and
// which target entry it is in. The parent waits, delivering frames as they come, and ends the child when
// an operation stays in the target longer than the op timeout (a hang), when the deadline passes, or
// when asked to stop.
#pragma once
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

#include "core/oracles.h"
#include "core/runner/target_watch.h"

namespace ptc {

// How many threads of a child may each have a watch of their own (ChildChannel::thread_watch).
constexpr unsigned kThreadWatches = 32;

// What the child's body has: the way back to the parent, and the watch to keep up to date.
class ChildChannel {
 public:
  ChildChannel(int fd, FILE* text, TargetWatch* watch) : fd_(fd), text_(text), watch_(watch) {}
  // Sends one frame (after flushing the child's stdio, so that the log holds what came before it).
  bool send(const std::string& payload);
  // ptcheck's own lines (progress, reports) from the child: the parent prints them as they come. The
  // child's stdout and stderr are the target's, and go to the log.
  FILE* text() const { return text_; }
  TargetWatch* watch() const { return watch_; }
  // The watch of the k-th thread that calls the target (k < kThreadWatches, else null): the thread binds
  // it (TargetWatch::bind_to_this_thread) and keeps it up to date around each call, and the parent finds a
  // hang per thread and per operation, by that thread's own CPU time.
  TargetWatch* thread_watch(unsigned k) const { return k < kThreadWatches ? watch_ + 1 + k : nullptr; }

 private:
  int fd_;
  FILE* text_;
  TargetWatch* watch_;
};

struct ChildOptions {
  std::string log_path;        // appended to; it must be writable (the caller checks)
  // An operation that has used this much CPU time in the target, or has been in it kBlockedFactor times
  // as long by the wall clock (a target blocked, not spinning), is a hang (0: no limit). CPU time, so
  // that a loaded CI machine does not turn a slow operation into a hang.
  double op_timeout_s = 10;
  static constexpr double kBlockedFactor = 6;
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  std::function<bool()> should_stop;  // polled about every 50 ms; true ends the child (SIGTERM to ptcheck)
};

struct ChildEnd {
  enum class How : uint8_t {
    kFinished,  // the body returned
    kDied,      // a signal, or exit() before the body returned (a sanitizer's report is one)
    kHung,      // an operation did not return within the op timeout; the child was killed
    kStopped,   // the deadline passed or a stop was asked for; the child was killed
  };
  How how = How::kFinished;
  int exit_code = 0;  // kDied by exit(): its status
  int signal = 0;     // kDied by a signal: its number
  // The watch when it ended.
  uint64_t unit = 0;
  int line = 0;
  WatchedEntry entry = WatchedEntry::kNone;
  uint32_t op_kind = 0;
  double in_target_s = 0;  // how long control had been in the target (0: it was not), wall clock
  double in_target_cpu_s = 0;  // and the CPU time the child used meanwhile (the thread's, for a thread's watch)
  int thread = -1;             // the thread watch (ChildChannel::thread_watch) these come from; -1: the child's own
  bool ok() const { return how == How::kFinished; }
};

// Forks; the child runs body(channel) and exits; the parent delivers each frame to on_frame, copies the
// child's text() to its own stdout as it comes, and returns how the child ended. Returns How::kDied with
// signal 0 and exit_code -1 when no child could be made.
ChildEnd run_in_child(const std::function<void(ChildChannel&)>& body,
                      const std::function<void(const std::string& frame)>& on_frame, const ChildOptions& o);

// In a child: a function that returns the first kernel WARNING line the target printed (to its stdout
// or stderr, which are the log) since the last call, or "" (RunOptions::target_warned).
std::function<std::string()> warnings_since_last_call();

// The oracle a child's end is (SPEC 5.9, 8): hang when it was killed for one (or ran past its time),
// memory-error when its log excerpt holds a sanitizer's report, else crash.
Oracle death_oracle(const ChildEnd& e, const std::string& excerpt);
inline const char* death_oracle_name(const ChildEnd& e, const std::string& excerpt) {
  return oracle_name(death_oracle(e, excerpt));
}
// Whether a log excerpt holds a sanitizer's report.
bool holds_sanitizer_report(const std::string& excerpt);

// The words for how a child died: "SIGSEGV", "exit(3)", ...
std::string describe_death(const ChildEnd& e);

// What the log holds from `offset` on, cut to the part that explains a death: from the first line of a
// sanitizer's report (AddressSanitizer, UndefinedBehaviorSanitizer's "runtime error", ThreadSanitizer,
// LeakSanitizer) when there is one, else the last lines; at most max_lines lines.
std::string log_excerpt(const std::string& log_path, uint64_t offset, size_t max_lines = 60);
// The log's current length.
uint64_t log_size(const std::string& log_path);
// How many kernel-style warnings (lines holding "WARNING:") the log holds in [from, to).
size_t count_warnings(const std::string& log_path, uint64_t from, uint64_t to);

}  // namespace ptc
