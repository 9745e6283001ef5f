// The runner with the simulated SMMU's event log off (RunOptions::event_log = false), on scripts of
// corpora/oracles and the broken targets they name: the same verdict as with the log on, and a trace
// without its events section. One oracle the simulated SMMU raises, one the runner checks itself.
#include <gtest/gtest.h>

#include <fstream>
#include <ostream>
#include <sstream>
#include <string>

#include "core/lpae/lpae_target.h"
#include "core/runner/runner.h"
#include "core/runner/target_loader.h"
#include "core/script/testing/parse_for_test.h"

namespace ptc {
namespace {

struct Case {
  const char* name;
  const char* script;  // in corpora/oracles
  const char* target;  // the broken module it names
  Oracle oracle;
};
void PrintTo(const Case& c, std::ostream* os) { *os << c.script; }

RunResult run_case(const Case& c, const RunOptions& opts) {
  std::ifstream in(std::string(PTC_ORACLES_DIR) + "/" + c.script);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_TRUE(in) << c.script;
  std::string error;
  const ptc_target_ops* ops = load_target_library(c.target, &error);
  EXPECT_TRUE(ops) << error;
  if (!ops) return {};
  return run_script(parse_for_test(text.str()), ops, opts);
}

class EventLogOff : public ::testing::TestWithParam<Case> {};

TEST_P(EventLogOff, TheSameFailureWithoutEvents) {
  const Case& c = GetParam();
  const RunResult on = run_case(c, {});
  RunOptions off_opts;
  off_opts.event_log = false;
  const RunResult off = run_case(c, off_opts);
  ASSERT_TRUE(on.failure);
  ASSERT_TRUE(off.failure);
  EXPECT_EQ(on.failure->oracle, c.oracle) << on.failure->trace;
  EXPECT_EQ(off.failure->oracle, c.oracle) << off.failure->trace;
  EXPECT_EQ(off.failure->signature, on.failure->signature);
  EXPECT_EQ(off.failure->line, on.failure->line);
  EXPECT_EQ(off.failure->message, on.failure->message);
  const std::string section = "events leading there";
  EXPECT_NE(on.failure->trace.find(section), std::string::npos) << on.failure->trace;
  EXPECT_EQ(off.failure->trace.find(section), std::string::npos) << off.failure->trace;
  EXPECT_NE(off.failure->trace.find("what is wrong: " + off.failure->message), std::string::npos) << off.failure->trace;
  EXPECT_NE(off.failure->trace.find("replay: ptcheck run test.ops"), std::string::npos) << off.failure->trace;
  // Without the log the trace is the one with the log, its events section left out.
  const std::string& t = on.failure->trace;
  const size_t from = t.find("  " + section), to = t.find("  replay: ");
  ASSERT_LT(from, to);
  EXPECT_EQ(off.failure->trace, t.substr(0, from) + t.substr(to));
}

TEST_P(EventLogOff, TheTimelineIsRecordedWithoutTheLog) {
  RunOptions opts;
  opts.event_log = false;
  opts.record_timeline = true;
  const RunResult r = run_case(GetParam(), opts);
  ASSERT_TRUE(r.failure);
  ASSERT_FALSE(r.failure->timeline.empty());
  EXPECT_EQ(r.failure->timeline.back().kind, EventKind::kViolation);
  EXPECT_EQ(r.failure->timeline.back().text.rfind(std::string(oracle_name(GetParam().oracle)) + ": ", 0), 0u)
      << r.failure->timeline.back().text;
}

INSTANTIATE_TEST_SUITE_P(Oracles, EventLogOff,
                         ::testing::Values(Case{"SmmuOracle", "unmap_no_invalidate.ops", PTC_BROKEN_UNMAP_NO_INVALIDATE,
                                                Oracle::StaleTranslation},
                                           Case{"RunnerOracle", "unmap_whole_leaf.ops", PTC_BROKEN_UNMAP_WHOLE_LEAF,
                                                Oracle::Divergence}),
                         [](const auto& info) { return std::string(info.param.name); });

// run_script records no events on the way (issue 17): the run that found the failure had the log off, and
// the trace's events come from running the script again. A target that fails only the first time gets the
// first run's failure, saying why its trace has no events.
const ptc_target_ops* g_inner = nullptr;
int g_creates = 0;
// The built-in table, except that the first table created maps nothing and says it did.
struct ptc_target* flaky_create(const ptc_cfg* cfg, const ptc_hw* hw) {
  ++g_creates;
  return g_inner->create(cfg, hw);
}
int flaky_map(struct ptc_target* t, uint64_t iova, uint64_t pa, uint64_t size, unsigned prot) {
  if (g_creates == 1) return 0;
  return g_inner->map(t, iova, pa, size, prot);
}

TEST(EventLogReplay, AFailureIsRunAgainForItsEvents) {
  RunOptions opts;  // event_log on: the trace shows events
  const Case c{"RunnerOracle", "unmap_whole_leaf.ops", PTC_BROKEN_UNMAP_WHOLE_LEAF, Oracle::Divergence};
  const RunResult r = run_case(c, opts);
  ASSERT_TRUE(r.failure);
  EXPECT_NE(r.failure->trace.find("events leading there"), std::string::npos) << r.failure->trace;
  EXPECT_EQ(r.failure->trace.find("(no events:"), std::string::npos) << r.failure->trace;
}

// The replay's tables lie elsewhere than the first run's, and this oracle's message names the freed table's
// address: the same failure all the same (the trace once said the target did not behave the same twice).
TEST(EventLogReplay, AFailureNamingAHeapAddressGetsItsEvents) {
  const Case c{"SmmuOracle", "free_before_sync.ops", PTC_BROKEN_FREE_BEFORE_SYNC, Oracle::TableUseAfterFree};
  const RunResult r = run_case(c, RunOptions{});
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->oracle, Oracle::TableUseAfterFree) << r.failure->trace;
  EXPECT_NE(r.failure->message.find(" 0x"), std::string::npos) << r.failure->message;
  EXPECT_NE(r.failure->trace.find("events leading there"), std::string::npos) << r.failure->trace;
  EXPECT_EQ(r.failure->trace.find("(no events:"), std::string::npos) << r.failure->trace;
  EXPECT_NE(r.failure->trace.find("what is wrong: " + r.failure->message), std::string::npos) << r.failure->trace;
}

TEST(EventLogReplay, ATargetThatFailsOnlyOnceKeepsItsFailureWithoutEvents) {
  g_inner = ptc_lpae_ops();
  ptc_target_ops flaky = *g_inner;
  flaky.create = flaky_create;
  flaky.map = flaky_map;
  g_creates = 0;
  const RunResult r = run_script(parse_for_test("config ias=39\nmap 0x200000 0x200000 4K rw\n"), &flaky);
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(g_creates, 2);  // the failing run, then the one for the trace
  EXPECT_EQ(r.failure->oracle, Oracle::Divergence) << r.failure->trace;
  EXPECT_EQ(r.failure->trace.find("events leading there"), std::string::npos) << r.failure->trace;
  EXPECT_NE(r.failure->trace.find("(no events: run again with the event log on, the script passed; the target does "
                                  "not behave the same on every run)"),
            std::string::npos)
      << r.failure->trace;
}

}  // namespace
}  // namespace ptc
