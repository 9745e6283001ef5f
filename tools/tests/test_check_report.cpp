// The renderings of `ptcheck check`'s report: what a CI system reads must be escaped and counted right
// whatever the names and messages hold.
#include <gtest/gtest.h>

#include <string>

#include "tools/ptcheck/check_report.h"

namespace ptc::cli {
namespace {

CheckReport nasty_report() {
  CheckReport r;
  r.target = "t<&>";
  r.target_path = "/x/lib\"q\".so";
  r.budget = 30;
  r.seconds = 12.5;
  r.exit_status = 1;
  CheckStage replay;
  replay.name = "replay";
  replay.result = CheckResult::kFail;
  replay.items.push_back({"a.ops", CheckResult::kPass, 0.1, "", "", ""});
  replay.items.push_back({"<b&c>\"'.ops", CheckResult::kFail, 0.2, "lost-dirty:split\nsecond\x01line",
                          "ptcheck run '<b&c>.ops'", "trace <with> tags & \x02 control"});
  replay.items.push_back({"s.ops", CheckResult::kSkip, 0.0, "target refuses config", "", ""});
  CheckStage fuzz;
  fuzz.name = "fuzz";
  fuzz.result = CheckResult::kSkip;
  fuzz.note = "no fuzzers in <dir>";
  r.stages = {replay, fuzz};
  return r;
}

TEST(CheckReport, JunitEscapesEveryAttributeAndBody) {
  const std::string x = check_junit(nasty_report());
  EXPECT_NE(x.find("name=\"&lt;b&amp;c&gt;&quot;&apos;.ops\""), std::string::npos) << x;
  EXPECT_NE(x.find("message=\"lost-dirty:split&#10;second?line\""), std::string::npos) << x;
  EXPECT_NE(x.find("replay: ptcheck run &apos;&lt;b&amp;c&gt;.ops&apos;"), std::string::npos) << x;
  EXPECT_NE(x.find("trace &lt;with&gt; tags &amp; ? control"), std::string::npos) << x;
  EXPECT_EQ(x.find('\x01'), std::string::npos);
  EXPECT_EQ(x.find('\x02'), std::string::npos);
  EXPECT_EQ(x.find("<b&c>"), std::string::npos);
}

TEST(CheckReport, JunitCountsTestsFailuresAndSkips) {
  const std::string x = check_junit(nasty_report());
  // replay: 3 testcases (1 failure, 1 skipped); fuzz did not run: one skipped testcase named after it.
  EXPECT_NE(x.find("<testsuites name=\"ptcheck check\" tests=\"4\" failures=\"1\" errors=\"0\" skipped=\"2\""),
            std::string::npos) << x;
  EXPECT_NE(x.find("<testsuite name=\"replay\" tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\""), std::string::npos);
  EXPECT_NE(x.find("<testsuite name=\"fuzz\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"1\""), std::string::npos);
  EXPECT_NE(x.find("name=\"fuzz\" time=\"0.000\"><skipped message=\"no fuzzers in &lt;dir&gt;\"/>"), std::string::npos) << x;
}

TEST(CheckReport, JsonEscapesAndListsOnlyFailures) {
  const std::string j = check_json(nasty_report());
  EXPECT_NE(j.find("\"target\": \"t<&>\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"target_path\": \"/x/lib\\\"q\\\".so\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"signature\": \"lost-dirty:split\\nsecond\\u0001line\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"budget\": 30.000"), std::string::npos);
  EXPECT_NE(j.find("\"result\": \"FAIL\""), std::string::npos);
  EXPECT_EQ(j.find("a.ops"), std::string::npos) << "a passing item is not a failure";
  EXPECT_NE(j.find("\"items\": 3, \"passed\": 1, \"skipped\": 1"), std::string::npos) << j;
  CheckReport none = nasty_report();
  none.budget = 0;
  EXPECT_NE(check_json(none).find("\"budget\": null"), std::string::npos);
}

// The kernel WARNING lines a target printed are counted per item (the target log holds them).
TEST(CheckReport, JsonCountsTheWarningsOfEachItem) {
  CheckReport r = nasty_report();
  r.target_log = "/tmp/t.log";
  r.stages.front().items.front().warnings = 3;
  const std::string j = check_json(r);
  EXPECT_NE(j.find("\"target_log\": \"/tmp/t.log\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"warnings\": [\n       {\"name\": \"" + r.stages.front().items.front().name + "\", \"count\": 3}"),
            std::string::npos)
      << j;
}

TEST(CheckReport, JsonListsEachSkipWithItsReason) {
  // A skipped or vacuous obligation is no pass: the JSON says which and why.
  const std::string j = check_json(nasty_report());
  EXPECT_NE(j.find("\"skips\": [\n       {\"name\": \"s.ops\", \"reason\": \"target refuses config\"}\n     ]"),
            std::string::npos) << j;
  EXPECT_NE(j.find("\"failures\": [],\n     \"skips\": [],\n     \"warnings\": []}"), std::string::npos)
      << "the fuzz stage: " << j;
}

TEST(CheckReport, SummaryTableNamesTheFirstFailureAndItsReplay) {
  const std::string t = check_summary_table(nasty_report());
  EXPECT_NE(t.find("replay      FAIL        3      1      1"), std::string::npos) << t;
  EXPECT_NE(t.find("replay: ptcheck run '<b&c>.ops'"), std::string::npos) << t;
  EXPECT_NE(t.find("fuzz        SKIP        0      0      0     0.0s  no fuzzers in <dir>"), std::string::npos) << t;
  EXPECT_NE(t.find("BUGS FOUND in 12.5s of a 30s budget (target t<&>, contract spec)"), std::string::npos) << t;
}

// A run SIGTERM stopped in its properties stage: what ran, what did not and why, in all three renderings.
CheckReport stopped_report() {
  CheckReport r;
  r.target = "lpae";
  r.seconds = 3;
  r.stopped = "SIGTERM";
  r.exit_status = 143;
  CheckStage replay;
  replay.name = "replay";
  replay.items.push_back({"a.ops", CheckResult::kPass, 0.1, "", "", ""});
  CheckStage props;
  props.name = "properties";
  props.stopped = "SIGTERM";
  props.items.push_back({"p1", CheckResult::kPass, 0.1, "", "", ""});
  props.items.push_back({"p2", CheckResult::kSkip, 0, "not run: the run was stopped (SIGTERM)", "", ""});
  CheckStage fuzz;
  fuzz.name = "fuzz";
  fuzz.result = CheckResult::kSkip;
  fuzz.ran = false;
  fuzz.note = "not run: the run was stopped (SIGTERM)";
  r.stages = {replay, props, fuzz};
  return r;
}

TEST(CheckReport, JsonSaysTheRunStoppedAndWhichStagesRan) {
  const std::string j = check_json(stopped_report());
  EXPECT_NE(j.find("\"result\": \"STOPPED\",\n  \"exit_status\": 143,\n  \"stopped\": \"SIGTERM\""), std::string::npos) << j;
  EXPECT_NE(j.find("{\"name\": \"replay\", \"result\": \"PASS\", \"ran\": true, \"stopped\": \"\""), std::string::npos) << j;
  EXPECT_NE(j.find("{\"name\": \"properties\", \"result\": \"PASS\", \"ran\": true, \"stopped\": \"SIGTERM\""),
            std::string::npos) << j;
  EXPECT_NE(j.find("{\"name\": \"fuzz\", \"result\": \"SKIP\", \"ran\": false, \"stopped\": \"\""), std::string::npos) << j;
  EXPECT_NE(j.find("{\"name\": \"p2\", \"reason\": \"not run: the run was stopped (SIGTERM)\"}"), std::string::npos) << j;
  CheckReport green = stopped_report();
  green.stopped = "";
  green.exit_status = 0;
  EXPECT_NE(check_json(green).find("\"stopped\": \"\""), std::string::npos);
}

TEST(CheckReport, AnUnfinishedReportHasNoExitStatusYet) {
  CheckReport r = stopped_report();
  r.stopped = CheckReport::kUnfinished;
  r.exit_status = -1;
  const std::string j = check_json(r);
  EXPECT_NE(j.find("\"result\": \"INCOMPLETE\",\n  \"exit_status\": null,\n  \"stopped\": \"unfinished\""),
            std::string::npos) << j;
  r.stages[0].items[0].result = CheckResult::kFail;
  EXPECT_NE(check_json(r).find("\"result\": \"FAIL\""), std::string::npos) << "a failure found so far is one";
}

TEST(CheckReport, JunitSaysTheRunStoppedInEverySuite) {
  const std::string x = check_junit(stopped_report());
  EXPECT_NE(x.find("<property name=\"ran\" value=\"true\"/><property name=\"stopped\" value=\"SIGTERM\"/>"),
            std::string::npos) << x;
  EXPECT_NE(x.find("<property name=\"ran\" value=\"false\"/>"), std::string::npos) << x;
  EXPECT_NE(x.find("<system-out>cut short (SIGTERM); stopped by SIGTERM: properties cut short; not run: fuzz&#10;</system-out>"),
            std::string::npos) << x;
  EXPECT_NE(x.find("<system-out>not run: the run was stopped (SIGTERM); stopped by SIGTERM"), std::string::npos) << x;
  EXPECT_NE(x.find("name=\"fuzz\" time=\"0.000\"><skipped message=\"not run: the run was stopped (SIGTERM)\"/>"),
            std::string::npos) << x;
  // A run that went to the end carries neither.
  const std::string whole = check_junit(nasty_report());
  EXPECT_EQ(whole.find("name=\"stopped\""), std::string::npos) << whole;
  EXPECT_EQ(whole.find("<system-out>"), std::string::npos) << whole;
}

TEST(CheckReport, SummarySaysWhatStoppedTheRun) {
  const std::string t = check_summary_table(stopped_report());
  EXPECT_NE(t.find("properties  PASS        2      0      1     0.0s  cut short (SIGTERM)"), std::string::npos) << t;
  EXPECT_NE(t.find("stopped by SIGTERM: properties cut short; not run: fuzz\n"), std::string::npos) << t;
  EXPECT_NE(t.find("ptcheck check: STOPPED by SIGTERM, nothing failed in what ran in 3.0s"), std::string::npos) << t;
  CheckReport budget = stopped_report();
  budget.stopped = "budget";
  budget.exit_status = 0;
  const std::string b = check_summary_table(budget);
  EXPECT_NE(b.find("the budget ran out: properties cut short; not run: fuzz\n"), std::string::npos) << b;
  EXPECT_NE(b.find("ptcheck check: held: replay, properties in what the budget allowed; skipped: fuzz in 3.0s"),
            std::string::npos) << b;
}

TEST(CheckReport, APassNamesTheStagesThatHeldAndThoseSkipped) {
  // An installed ptcheck without fuzzers: the fuzz stage skipped, and the summary must not claim it.
  CheckReport r = stopped_report();
  r.stopped = "";
  r.exit_status = 0;
  r.stages[1].stopped = "";
  r.stages[2].note = "no fuzzers";
  const std::string t = check_summary_table(r);
  EXPECT_EQ(t.find("every oracle holds"), std::string::npos) << t;
  EXPECT_NE(t.find("ptcheck check: held: replay, properties; skipped: fuzz in 3.0s"), std::string::npos) << t;
  r.stages.pop_back();
  EXPECT_NE(check_summary_table(r).find("ptcheck check: every oracle holds in 3.0s"), std::string::npos);
}

// Distinct failures, as ClusterFuzz groups crashes: one bug hit by many inputs in several configs is
// one group with its count and its smallest reproducer; another oracle or operation is another group.
TEST(CheckReport, FailuresAreGroupedByOracleAndOperationWithTheSmallestReproducer) {
  EXPECT_EQ(failure_group("lost-dirty:split:ias48-4K2M1G-bbml2-hd-strict"), "lost-dirty:split");
  EXPECT_EQ(failure_group("refuted:split.bbml1.final-state"), "refuted:split.bbml1.final-state");
  EXPECT_EQ(failure_group("property:stateful_sequences failed after 3 case(s)"), "property:stateful_sequences");
  EXPECT_EQ(failure_group("bad input: x.ops:3: no such op"), "bad input");
  CheckReport r;
  CheckStage replay;
  replay.name = "replay";
  replay.result = CheckResult::kFail;
  auto fail = [](const char* name, const char* sig, size_t size) {
    CheckItem i{name, CheckResult::kFail, 0.1, sig, std::string("ptcheck run ") + name, ""};
    i.size = size;
    return i;
  };
  replay.items = {fail("big.ops", "lost-dirty:split:ias48-4K2M1G-bbml2-hd-strict", 40),
                  fail("small.ops", "lost-dirty:split:ias39-4K2M-bbml1-hd-lazy", 4),
                  fail("mid.ops", "lost-dirty:split:ias48-4K2M1G-bbml2-hd-strict", 9),
                  fail("other.ops", "phantom-dirty:dirty:ias48-4K2M1G-bbml1-hd-strict", 7)};
  CheckStage stress;
  stress.name = "stress";
  stress.result = CheckResult::kFail;
  stress.items = {fail("stress", "lost-dirty:split:ias48-4K2M1G-bbml2-hd-strict", 0)};
  r.stages = {replay, stress};
  const std::vector<FailureGroup> g = distinct_failures(r);
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[0].key, "lost-dirty:split");
  EXPECT_EQ(g[0].inputs, 4u);
  EXPECT_EQ(g[0].signatures, 2u);
  EXPECT_EQ(g[0].stages, (std::vector<std::string>{"replay", "stress"}));
  EXPECT_EQ(g[0].shortest->name, "small.ops");
  EXPECT_EQ(g[1].key, "phantom-dirty:dirty");
  const std::string t = check_summary_table(r);
  EXPECT_NE(t.find("2 distinct failure(s) in 5 failing item(s)"), std::string::npos) << t;
  EXPECT_NE(t.find("lost-dirty:split  x4 (2 configs) in replay, stress; smallest: small.ops (4 statements)"),
            std::string::npos) << t;
  const std::string j = check_json(r);
  EXPECT_NE(j.find("\"group\": \"lost-dirty:split\", \"inputs\": 4"), std::string::npos) << j;
  EXPECT_NE(j.find("\"replay\": \"ptcheck run small.ops\""), std::string::npos) << j;
}

}  // namespace
}  // namespace ptc::cli
