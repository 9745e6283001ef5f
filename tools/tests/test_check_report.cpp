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

TEST(CheckReport, JsonListsEachSkipWithItsReason) {
  // A skipped or vacuous obligation is no pass: the JSON says which and why.
  const std::string j = check_json(nasty_report());
  EXPECT_NE(j.find("\"skips\": [\n       {\"name\": \"s.ops\", \"reason\": \"target refuses config\"}\n     ]"),
            std::string::npos) << j;
  EXPECT_NE(j.find("\"failures\": [],\n     \"skips\": []}"), std::string::npos) << "the fuzz stage: " << j;
}

TEST(CheckReport, SummaryTableNamesTheFirstFailureAndItsReplay) {
  const std::string t = check_summary_table(nasty_report());
  EXPECT_NE(t.find("replay      FAIL        3      1      1"), std::string::npos) << t;
  EXPECT_NE(t.find("replay: ptcheck run '<b&c>.ops'"), std::string::npos) << t;
  EXPECT_NE(t.find("fuzz        SKIP        0      0      0     0.0s  no fuzzers in <dir>"), std::string::npos) << t;
  EXPECT_NE(t.find("BUGS FOUND in 12.5s of a 30s budget (target t<&>, contract spec)"), std::string::npos) << t;
}

}  // namespace
}  // namespace ptc::cli
