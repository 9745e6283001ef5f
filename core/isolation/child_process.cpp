#include "core/isolation/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <new>
#include <sstream>
#include <vector>

#include "core/isolation/frames.h"

namespace ptc {

bool ChildChannel::send(const std::string& payload) {
  std::fflush(nullptr);
  return write_frame(fd_, payload);
}

namespace {

// The CPU time (user + system) process pid (or its thread tid, when nonzero) has used, from /proc; -1
// when it cannot be read.
int64_t cpu_ns_of(pid_t pid, int32_t tid = 0) {
  char path[80];
  if (tid)
    std::snprintf(path, sizeof path, "/proc/%d/task/%d/stat", int(pid), int(tid));
  else
    std::snprintf(path, sizeof path, "/proc/%d/stat", int(pid));
  std::ifstream in(path);
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces) start after its closing parenthesis.
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::strtoull(field.c_str(), nullptr, 10);
    if (i == 15) stime = std::strtoull(field.c_str(), nullptr, 10);
  }
  static const long ticks = sysconf(_SC_CLK_TCK);
  return int64_t((utime + stime) * (1000000000ull / (ticks > 0 ? ticks : 100)));
}

// The watches in a shared anonymous mapping: the parent reads what the child wrote, after it died too.
// w[0] is the child's own; w[1 + k] is thread_watch(k).
struct SharedWatch {
  static constexpr size_t kCount = 1 + kThreadWatches;
  SharedWatch() {
    void* p = mmap(nullptr, sizeof(TargetWatch) * kCount, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return;
    w = static_cast<TargetWatch*>(p);
    for (size_t k = 0; k < kCount; ++k) new (w + k) TargetWatch();
  }
  ~SharedWatch() {
    if (!w) return;
    for (size_t k = 0; k < kCount; ++k) w[k].~TargetWatch();
    munmap(w, sizeof(TargetWatch) * kCount);
  }
  TargetWatch* w = nullptr;
};

// How long watch `w` of child pid has been in the target (0: it is not) and whether that is a hang: more
// CPU time than the op timeout (the thread's own, for a thread's watch), or kBlockedFactor times it by the
// wall clock.
struct InTarget {
  double wall_s = 0, cpu_s = 0;
  bool hung = false;
};
// The entry of a watch the parent last saw, and the CPU time the child (or the watch's thread) had
// used when the parent first saw it: the CPU time of an entry counts from there (at most one poll
// after control entered the target; the child reads no CPU clock of its own, see target_watch.h).
struct SeenEntry {
  int64_t entered_ns = 0;
  int64_t cpu_ns = -1;
};
InTarget in_target(const TargetWatch& w, pid_t pid, double op_timeout_s, SeenEntry& seen) {
  InTarget r;
  const int64_t since = w.entered_ns.load(std::memory_order_acquire);
  if (since == 0) return r;
  const int32_t tid = w.tid.load(std::memory_order_relaxed);
  if (since != seen.entered_ns && op_timeout_s > 0) seen = SeenEntry{since, cpu_ns_of(pid, tid)};
  r.wall_s = double(TargetWatch::now_ns() - since) / 1e9;
  if (op_timeout_s <= 0 || r.wall_s <= op_timeout_s) return r;
  const int64_t cpu_now = cpu_ns_of(pid, tid);
  r.cpu_s = cpu_now < 0 || seen.cpu_ns < 0 ? 0 : double(cpu_now - seen.cpu_ns) / 1e9;
  r.hung = r.cpu_s > op_timeout_s || r.wall_s > op_timeout_s * ChildOptions::kBlockedFactor;
  return r;
}

[[noreturn]] void child_main(const std::function<void(ChildChannel&)>& body, int out_fd, int text_fd, int log_fd,
                             TargetWatch* watch) {
  // A parent that went away must not kill the child with SIGPIPE mid-report: writes then fail.
  signal(SIGPIPE, SIG_IGN);
  std::fflush(nullptr);
  if (log_fd >= 0) {
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    close(log_fd);
  }
  // The log is open for reading too: warnings_since_last_call() reads what the target printed.
  FILE* text = fdopen(text_fd, "w");
  if (text) setvbuf(text, nullptr, _IOLBF, 0);
  ChildChannel ch(out_fd, text ? text : stdout, watch);
  ambient_watch() = watch;
  body(ch);
  std::fflush(nullptr);
  // No atexit handlers, no static destructors, no leak check of state inherited from the parent.
  _exit(0);
}

}  // namespace

ChildEnd run_in_child(const std::function<void(ChildChannel&)>& body,
                      const std::function<void(const std::string&)>& on_frame, const ChildOptions& o) {
  ChildEnd end;
  SharedWatch shared;
  int fds[2], text_fds[2];
  const int log_fd = o.log_path.empty() ? -1 : open(o.log_path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (!shared.w || pipe2(fds, O_CLOEXEC) != 0) {
    if (log_fd >= 0) close(log_fd);
    end.how = ChildEnd::How::kDied;
    end.exit_code = -1;
    return end;
  }
  if (pipe2(text_fds, O_CLOEXEC) != 0) {
    for (int fd : {fds[0], fds[1], log_fd})
      if (fd >= 0) close(fd);
    end.how = ChildEnd::How::kDied;
    end.exit_code = -1;
    return end;
  }
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    close(text_fds[0]);
    child_main(body, fds[1], text_fds[1], log_fd, shared.w);
  }
  close(fds[1]);
  close(text_fds[1]);
  if (log_fd >= 0) close(log_fd);
  if (pid < 0) {
    close(fds[0]);
    close(text_fds[0]);
    end.how = ChildEnd::How::kDied;
    end.exit_code = -1;
    return end;
  }

  FrameAssembler frames;
  bool eof = false;
  ChildEnd::How killed_for = ChildEnd::How::kFinished;
  std::vector<char> buf(1 << 16);
  SeenEntry seen[SharedWatch::kCount];
  bool text_open = true;
  // ptcheck's own lines from the child, as they come.
  auto copy_text = [&] {
    const ssize_t n = read(text_fds[0], buf.data(), buf.size());
    if (n > 0) {
      std::fwrite(buf.data(), 1, size_t(n), stdout);
      std::fflush(stdout);
    } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
      text_open = false;
    }
  };
  while (!eof) {
    pollfd p[2] = {{fds[0], POLLIN, 0}, {text_open ? text_fds[0] : -1, POLLIN, 0}};
    const int r = poll(p, 2, 50);
    if (r > 0 && (p[1].revents & (POLLIN | POLLHUP))) copy_text();
    if (r > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
      const ssize_t n = read(fds[0], buf.data(), buf.size());
      if (n > 0) {
        frames.feed(buf.data(), size_t(n));
        while (auto f = frames.pop()) {
          if (text_open) {  // what the child said before the frame comes first
            pollfd t{text_fds[0], POLLIN, 0};
            while (text_open && poll(&t, 1, 0) > 0) copy_text();
          }
          on_frame(*f);
        }
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        eof = true;
      }
    }
    if (eof) break;
    // Why the parent would end the child: an operation that does not return (on any watched thread),
    // the deadline, a stop.
    int hung_at = -1;
    InTarget stuck;
    for (size_t k = 0; k < SharedWatch::kCount && hung_at < 0; ++k) {
      if (k > 0 && shared.w[k].tid.load(std::memory_order_relaxed) == 0) continue;
      const InTarget t = in_target(shared.w[k], pid, o.op_timeout_s, seen[k]);
      if (k == 0 || t.hung) stuck = t;
      if (t.hung) hung_at = int(k);
    }
    const bool late = std::chrono::steady_clock::now() >= o.deadline;
    const bool stop = o.should_stop && o.should_stop();
    if (hung_at >= 0 || late || stop) {
      killed_for = hung_at >= 0 ? ChildEnd::How::kHung : ChildEnd::How::kStopped;
      // Read the watch before the kill: it is the state the child was stuck in.
      end.in_target_s = stuck.wall_s;
      end.in_target_cpu_s = stuck.cpu_s;
      end.thread = hung_at > 0 ? hung_at - 1 : -1;  // w[1 + k] is thread k's
      kill(pid, SIGKILL);
      break;
    }
  }
  close(fds[0]);
  if (killed_for == ChildEnd::How::kFinished)
    while (text_open) copy_text();  // the rest of what it said
  close(text_fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  // The watch that says where it ended: the hung thread's; for a death, the child's own, or else the
  // first thread that was in the target (a multi-threaded child that crashed there).
  if (killed_for == ChildEnd::How::kFinished && shared.w[0].entry.load() == uint32_t(WatchedEntry::kNone))
    for (unsigned k = 0; k < kThreadWatches; ++k)
      if (shared.w[1 + k].tid.load() && shared.w[1 + k].entry.load() != uint32_t(WatchedEntry::kNone)) {
        end.thread = int(k);
        break;
      }
  const TargetWatch& at = shared.w[1 + end.thread];
  end.unit = at.unit.load();
  end.line = at.line.load();
  end.entry = WatchedEntry(at.entry.load());
  end.op_kind = at.op_kind.load();
  if (killed_for != ChildEnd::How::kFinished) {
    end.how = killed_for;
    return end;
  }
  const int64_t since = at.entered_ns.load();
  if (since) end.in_target_s = double(TargetWatch::now_ns() - since) / 1e9;
  if (WIFSIGNALED(status)) {
    end.how = ChildEnd::How::kDied;
    end.signal = WTERMSIG(status);
  } else if (WIFEXITED(status) && (WEXITSTATUS(status) != 0 || frames.partial())) {
    end.how = ChildEnd::How::kDied;
    end.exit_code = WEXITSTATUS(status);
  } else if (end.entry != WatchedEntry::kNone) {
    // exit(0) from inside the target.
    end.how = ChildEnd::How::kDied;
    end.exit_code = 0;
  }
  return end;
}

std::function<std::string()> warnings_since_last_call() {
  struct stat st;
  const off_t start = fstat(2, &st) == 0 ? st.st_size : 0;
  return [last = start]() mutable -> std::string {
    std::fflush(nullptr);
    struct stat now;
    if (fstat(2, &now) != 0 || now.st_size <= last) return "";
    std::string bytes(size_t(now.st_size - last), '\0');
    const ssize_t n = pread(2, bytes.data(), bytes.size(), last);
    last = now.st_size;
    if (n <= 0) return "";
    bytes.resize(size_t(n));
    const size_t at = bytes.find("WARNING:");
    if (at == std::string::npos) return "";
    const size_t begin = bytes.rfind('\n', at);
    const size_t end = bytes.find('\n', at);
    return bytes.substr(begin == std::string::npos ? 0 : begin + 1, end == std::string::npos ? std::string::npos : end - (begin == std::string::npos ? 0 : begin + 1));
  };
}

bool holds_sanitizer_report(const std::string& excerpt) {
  return excerpt.find("Sanitizer") != std::string::npos || excerpt.find("runtime error:") != std::string::npos;
}

Oracle death_oracle(const ChildEnd& e, const std::string& excerpt) {
  if (e.how != ChildEnd::How::kDied) return Oracle::Hang;
  return holds_sanitizer_report(excerpt) ? Oracle::MemoryError : Oracle::Crash;
}

std::string describe_death(const ChildEnd& e) {
  switch (e.how) {
    case ChildEnd::How::kFinished: return "finished";
    case ChildEnd::How::kHung: return "did not return within the op timeout";
    case ChildEnd::How::kStopped: return "stopped";
    case ChildEnd::How::kDied: break;
  }
  if (e.signal) {
    const char* abbrev = sigabbrev_np(e.signal);
    return std::string("killed by SIG") + (abbrev ? abbrev : std::to_string(e.signal).c_str());
  }
  if (e.exit_code < 0) return "could not be started";
  return "exit(" + std::to_string(e.exit_code) + ")";
}

uint64_t log_size(const std::string& log_path) {
  struct stat st;
  return stat(log_path.c_str(), &st) == 0 ? uint64_t(st.st_size) : 0;
}

namespace {

std::vector<std::string> log_lines(const std::string& log_path, uint64_t from, uint64_t to) {
  std::vector<std::string> lines;
  std::ifstream in(log_path, std::ios::binary);
  if (!in) return lines;
  in.seekg(std::streamoff(from));
  std::string line;
  uint64_t at = from;
  while (at < to && std::getline(in, line)) {
    at += line.size() + 1;
    lines.push_back(std::move(line));
  }
  return lines;
}

bool starts_a_report(const std::string& l) {
  for (const char* s : {"ERROR: AddressSanitizer", "runtime error:", "WARNING: ThreadSanitizer", "ERROR: LeakSanitizer",
                        "ERROR: UndefinedBehaviorSanitizer"})
    if (l.find(s) != std::string::npos) return true;
  return false;
}

}  // namespace

std::string log_excerpt(const std::string& log_path, uint64_t offset, size_t max_lines) {
  const std::vector<std::string> lines = log_lines(log_path, offset, UINT64_MAX);
  size_t first = lines.size() > max_lines ? lines.size() - max_lines : 0;
  for (size_t i = 0; i < lines.size(); ++i)
    if (starts_a_report(lines[i])) {
      // A sanitizer's first line may follow a "==PID==" banner line of its own; keep from the report on.
      first = i;
      break;
    }
  std::string s;
  for (size_t i = first; i < lines.size() && i < first + max_lines; ++i) s += lines[i] + "\n";
  if (lines.size() > first + max_lines) s += "...\n";
  return s;
}

size_t count_warnings(const std::string& log_path, uint64_t from, uint64_t to) {
  size_t n = 0;
  for (const std::string& l : log_lines(log_path, from, to)) n += l.find("WARNING:") != std::string::npos;
  return n;
}

}  // namespace ptc
