// The child runner: a target that crashes, trips a sanitizer, exits or hangs ends its child, never
// ptcheck; each becomes the failure of the script that was running, and the next script runs.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>
#include <variant>

#include "core/isolation/child_process.h"
#include "core/isolation/frames.h"
#include "core/isolation/isolated_run.h"
#include "core/lpae/lpae_target.h"
#include "core/script/script.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PTC_TEST_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define PTC_TEST_ASAN 1
#endif

namespace ptc {
namespace {

std::string temp_log(const char* name) {
  const auto p = std::filesystem::temp_directory_path() /
                 ("ptcheck-isolation-" + std::to_string(::getpid()) + "-" + name + ".log");
  std::filesystem::remove(p);
  return p.string();
}

TEST(Frames, RoundTripAndMalformed) {
  FrameWriter w;
  w.num(1, -42).str(2, std::string("a\0b", 3));
  FrameReader r(w.bytes());
  uint8_t tag;
  std::string_view v;
  ASSERT_TRUE(r.next(&tag, &v));
  EXPECT_EQ(tag, 1);
  EXPECT_EQ(FrameReader::as_num(v), -42);
  ASSERT_TRUE(r.next(&tag, &v));
  EXPECT_EQ(v, std::string_view("a\0b", 3));
  EXPECT_FALSE(r.next(&tag, &v));
  EXPECT_FALSE(r.bad());
  const std::string short_frame = w.bytes().substr(0, w.bytes().size() - 1);
  FrameReader cut(short_frame);
  cut.next(&tag, &v);
  EXPECT_FALSE(cut.next(&tag, &v));
  EXPECT_TRUE(cut.bad());
  EXPECT_FALSE(FrameReader::as_num("12x"));
  FrameAssembler a;
  const char head[] = {3, 0, 0, 0, 'a', 'b'};
  a.feed(head, sizeof head);
  EXPECT_FALSE(a.pop());
  a.feed("c", 1);
  EXPECT_EQ(a.pop(), "abc");
  EXPECT_FALSE(a.partial());
}

TEST(Child, FramesComeBackAndOutputGoesToTheLog) {
  const std::string log = temp_log("frames");
  std::vector<std::string> got;
  ChildOptions o;
  o.log_path = log;
  const ChildEnd e = run_in_child(
      [](ChildChannel& ch) {
        std::printf("WARNING: CPU: 0 PID: 1 at drivers/iommu/x.c:12 f+0x1/0x2\n");
        std::fprintf(stderr, "pr_err from the target\n");
        ch.send("one");
        ch.send("two");
      },
      [&](const std::string& f) { got.push_back(f); }, o);
  EXPECT_EQ(e.how, ChildEnd::How::kFinished) << describe_death(e);
  EXPECT_EQ(got, (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(count_warnings(log, 0, log_size(log)), 1u);
  std::ifstream in(log);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("pr_err from the target"), std::string::npos);
}

TEST(Child, DeathsAreToldApart) {
  ChildOptions o;
  o.log_path = temp_log("deaths");
  auto none = [](const std::string&) {};
  ChildEnd e = run_in_child([](ChildChannel&) { std::_Exit(3); }, none, o);
  EXPECT_EQ(e.how, ChildEnd::How::kDied);
  EXPECT_EQ(describe_death(e), "exit(3)");
  e = run_in_child([](ChildChannel&) { ::kill(::getpid(), SIGKILL); }, none, o);
  EXPECT_EQ(e.how, ChildEnd::How::kDied);
  EXPECT_EQ(describe_death(e), "killed by SIGKILL");
  // Spinning inside the target: a hang after the op timeout, with the watch naming the statement.
  o.op_timeout_s = 0.3;
  e = run_in_child(
      [](ChildChannel& ch) {
        ch.watch()->enter(WatchedEntry::kOp, 7);
        for (volatile bool spin = true; spin;) {
        }
      },
      none, o);
  EXPECT_EQ(e.how, ChildEnd::How::kHung);
  EXPECT_EQ(e.line, 7);
  EXPECT_EQ(e.entry, WatchedEntry::kOp);
  EXPECT_GE(e.in_target_s, 0.3);
  // Waiting without using the CPU (a loaded machine, or a target blocked on itself) is no hang until
  // kBlockedFactor times the op timeout has passed by the wall clock.
  o.op_timeout_s = 0.2;
  e = run_in_child(
      [](ChildChannel& ch) {
        ch.watch()->enter(WatchedEntry::kOp, 3);
        ::usleep(500 * 1000);
        ch.watch()->leave();
      },
      none, o);
  EXPECT_EQ(e.how, ChildEnd::How::kFinished) << describe_death(e);
  e = run_in_child(
      [](ChildChannel& ch) {
        ch.watch()->enter(WatchedEntry::kOp, 4);
        ::sleep(30);
      },
      none, o);
  EXPECT_EQ(e.how, ChildEnd::How::kHung);
  EXPECT_GE(e.in_target_s, 0.2 * ChildOptions::kBlockedFactor);
  EXPECT_LT(e.in_target_cpu_s, 0.2);
  // Spinning in ptcheck's own code is no hang of the target; the deadline ends it.
  o.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
  e = run_in_child([](ChildChannel&) { for (volatile bool spin = true; spin;) { } }, none, o);
  EXPECT_EQ(e.how, ChildEnd::How::kStopped);
}

// Threads that call the target (stress) each have a watch: one that spins in an operation is a hang of
// that thread, measured by its own CPU time, while the child's other threads wait without using the CPU;
// a thread that waits in the target is no hang until kBlockedFactor times the op timeout.
TEST(Child, AThreadStuckInTheTargetIsAHangOfThatThread) {
  ChildOptions o;
  o.log_path = temp_log("threads");
  // The waiting thread's wait (0.1 s) is far below kBlockedFactor times the op timeout (3 s), so that a
  // loaded machine (TSan, ctest -j) delaying its wake-up does not make it the hung one.
  o.op_timeout_s = 0.5;
  auto none = [](const std::string&) {};
  ChildEnd e = run_in_child(
      [](ChildChannel& ch) {
        std::thread waiting([&] {
          TargetWatch* w = ch.thread_watch(0);
          w->bind_to_this_thread();
          const WatchScope in(w, WatchedEntry::kOp, 0, 3);
          ::usleep(100 * 1000);  // in the target, not spinning
        });
        std::thread spinning([&] {
          TargetWatch* w = ch.thread_watch(1);
          w->bind_to_this_thread();
          w->unit.store(42);
          const WatchScope in(w, WatchedEntry::kOp, 0, 5);
          for (volatile bool spin = true; spin;) {
          }
        });
        waiting.join();
        spinning.join();
      },
      none, o);
  EXPECT_EQ(e.how, ChildEnd::How::kHung);
  EXPECT_EQ(e.thread, 1);
  EXPECT_EQ(e.unit, 42u);
  EXPECT_EQ(e.op_kind, 5u);
  EXPECT_GE(e.in_target_cpu_s, 0.5);
  EXPECT_EQ(ChildChannel(-1, nullptr, nullptr).thread_watch(kThreadWatches), nullptr);
}

// ---- scripts against targets that die ---------------------------------------------------------

ptc_target_ops g_ops;
std::atomic<int> g_mode{0};  // what split does: 0 its job, 1 exit(5), 2 spin, 3 a heap overflow, 4 WARN and work

int dying_split(struct ptc_target* t, uint64_t iova, uint64_t size) {
  switch (g_mode.load()) {
    case 1: std::exit(5);
    case 2:
      for (volatile bool spin = true; spin;) {
      }
      break;
    case 3: {
      volatile char* p = static_cast<char*>(std::malloc(16));
      p[16] = 1;  // one past the end
      std::free(const_cast<char*>(p));
      break;
    }
    case 4: std::fprintf(stderr, "WARNING: CPU: 1 PID: 2 at io-pgtable-arm.c:99 split+0x10/0x20\n"); break;
  }
  return ptc_lpae_ops()->split(t, iova, size);
}

// Mode 5: map prints a kernel WARNING when it refuses a map over a mapped page (as io-pgtable-arm does).
int warning_map(struct ptc_target* t, uint64_t iova, uint64_t paddr, uint64_t size, unsigned prot) {
  const int rc = ptc_lpae_ops()->map(t, iova, paddr, size, prot);
  if (g_mode.load() == 5 && rc == -EEXIST) std::fprintf(stderr, "WARNING: CPU: 0 PID: 1 at io-pgtable-arm.c:1 map\n");
  return rc;
}

const ptc_target_ops* dying_target() {
  g_ops = *ptc_lpae_ops();
  g_ops.name = "dying";
  g_ops.split = dying_split;
  g_ops.map = warning_map;
  return &g_ops;
}

Script parse(const std::string& text, const std::string& file) {
  auto r = parse_script(text, file);
  EXPECT_TRUE(std::holds_alternative<Script>(r));
  return std::get<Script>(r);
}

std::vector<IsolatedResult> run_three(int mode, double op_timeout = 10) {
  g_mode = mode;
  const std::string ok = "map 0x40000000 0x80000000 2M rw => 0\nunmap 0x40000000 2M => 2097152\n";
  const std::vector<Script> scripts = {
      parse(ok, "first.ops"),
      parse("map 0x40000000 0x80000000 2M rw => 0\nsplit 0x40000000 2M => 0\nunmap 0x40000000 2M => 2097152\n",
            "second.ops"),
      parse(ok, "third.ops")};
  IsolationOptions io;
  io.log_path = temp_log(("mode" + std::to_string(mode)).c_str());
  io.op_timeout_s = op_timeout;
  RunOptions ro;
  ro.replay_args = "--target libdying.so";
  std::vector<IsolatedResult> out(3);
  std::vector<size_t> order;
  run_scripts_isolated(scripts, dying_target(), ro, io, [&](size_t i, IsolatedResult&& r) {
    order.push_back(i);
    out[i] = std::move(r);
  });
  EXPECT_EQ(order, (std::vector<size_t>{0, 1, 2}));
  return out;
}

TEST(IsolatedRun, ATargetThatWorksPasses) {
  const auto r = run_three(0);
  for (const IsolatedResult& x : r) EXPECT_TRUE(x.run && x.result.ok()) << (x.result.failure ? x.result.failure->trace : "");
}

TEST(IsolatedRun, ExitInTheTargetIsACrashOfThatStatementAndTheNextScriptRuns) {
  const auto r = run_three(1);
  EXPECT_TRUE(r[0].result.ok());
  ASSERT_TRUE(r[1].result.failure);
  const Failure& f = *r[1].result.failure;
  EXPECT_EQ(f.oracle, Oracle::Crash);
  EXPECT_EQ(f.line, 2);
  EXPECT_EQ(f.statement, "split 0x40000000 2M => 0");
  EXPECT_EQ(f.signature.rfind("crash:split:", 0), 0u) << f.signature;
  EXPECT_NE(f.message.find("exit(5)"), std::string::npos) << f.message;
  EXPECT_NE(f.trace.find(">    2  split 0x40000000 2M => 0"), std::string::npos) << f.trace;
  EXPECT_NE(f.trace.find("replay: ptcheck run second.ops --target libdying.so"), std::string::npos) << f.trace;
  EXPECT_TRUE(r[2].result.ok());
}

TEST(IsolatedRun, AnOperationThatDoesNotReturnIsAHang) {
  const auto r = run_three(2, 0.5);
  ASSERT_TRUE(r[1].result.failure);
  EXPECT_EQ(r[1].result.failure->oracle, Oracle::Hang);
  EXPECT_EQ(r[1].result.failure->line, 2);
  EXPECT_NE(r[1].result.failure->message.find("did not return in `split 0x40000000 2M => 0` (line 2) within 0.5 s"),
            std::string::npos)
      << r[1].result.failure->message;
  EXPECT_TRUE(r[2].result.ok());
}

TEST(IsolatedRun, WarningsAreCountedPerScript) {
  const auto r = run_three(4);
  EXPECT_TRUE(r[0].result.ok());
  ASSERT_TRUE(r[1].result.failure);  // a WARN in a split Linux's callers issue
  EXPECT_EQ(r[1].result.failure->oracle, Oracle::Warning);
  EXPECT_TRUE(r[2].result.ok());
  EXPECT_EQ(r[0].warnings, 0u);
  EXPECT_EQ(r[1].warnings, 1u);
  EXPECT_EQ(r[2].warnings, 0u);
}

// A WARN during an op Linux's callers never issue (a map over a mapped page: spec expects -EEXIST) is
// the table's own business; during one they issue it is a finding (warning).
TEST(IsolatedRun, AWarningIsAFindingOnlyWhereLinuxCallersIssueTheOp) {
  g_mode = 5;
  IsolationOptions io;
  io.log_path = temp_log("warning");
  const Script over_mapped =
      parse("map 0x40000000 0x80000000 4K rw => 0\nmap 0x40000000 0x80000000 4K rw => EEXIST\n", "eexist.ops");
  const IsolatedResult r = run_script_isolated(over_mapped, dying_target(), RunOptions{}, io);
  EXPECT_TRUE(r.result.ok()) << r.result.failure->trace;
  EXPECT_EQ(r.warnings, 1u);
  // The same WARN from a map Linux issues (over pages it never mapped) is reported.
  g_ops.map = [](struct ptc_target* t, uint64_t iova, uint64_t paddr, uint64_t size, unsigned prot) {
    std::fprintf(stderr, "WARNING: CPU: 0 PID: 1 at io-pgtable-arm.c:2 map\n");
    return ptc_lpae_ops()->map(t, iova, paddr, size, prot);
  };
  const IsolatedResult w = run_script_isolated(over_mapped, &g_ops, RunOptions{}, io);
  ASSERT_TRUE(w.result.failure);
  EXPECT_EQ(w.result.failure->oracle, Oracle::Warning);
  EXPECT_EQ(w.result.failure->line, 1);
}

#ifdef PTC_TEST_ASAN
TEST(IsolatedRun, ASanitizerReportIsAMemoryErrorWithTheReport) {
  const auto r = run_three(3);
  ASSERT_TRUE(r[1].result.failure);
  const Failure& f = *r[1].result.failure;
  EXPECT_EQ(f.oracle, Oracle::MemoryError);
  EXPECT_NE(f.trace.find("AddressSanitizer: heap-buffer-overflow"), std::string::npos) << f.trace;
  EXPECT_TRUE(r[2].result.ok());
}
#endif

}  // namespace
}  // namespace ptc
