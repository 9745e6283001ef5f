// The fuzz build's measures (bench/fuzz_build.h): reading libFuzzer's and ctest's output, running a fuzzer
// as a child (the fake fuzz build of bench/tests/fake_fuzz_build), and the measures reported as not
// measured when there is no fuzz build.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "bench/fuzz_build.h"
#include "bench/libfuzzer_output.h"

#ifndef PTCHECK_FAKE_FUZZ_BUILD
#error "PTCHECK_FAKE_FUZZ_BUILD: bench/tests/fake_fuzz_build of the source tree"
#endif

namespace ptc::bench {
namespace {

TEST(LibFuzzerOutput, ReplayAddsUpEachFilesExecutedLine) {
  const std::string out =
      "INFO: Running with entropic power schedule (0xFF, 100).\n"
      "INFO: Seed: 1234\n"
      "Running: corpora/fuzz/fuzz_ops/seed1\n"
      "Executed corpora/fuzz/fuzz_ops/seed1 in 123 ms\n"
      "Running: corpora/scenarios/map unmap.ops\n"
      "Executed corpora/scenarios/map unmap.ops in 7 ms\n"
      "Executed nothing in ms\n"
      "***\n*** NOTE: fuzzing was not performed, you have only\n";
  const ReplayTotals t = parse_replay(out);
  EXPECT_EQ(t.files, 2u);
  EXPECT_DOUBLE_EQ(t.ms, 130.0);
  EXPECT_EQ(parse_replay("").files, 0u);
}

TEST(LibFuzzerOutput, CampaignRateIsDoneRunsOverSecondsElseTheLastStatusLine) {
  const std::string status =
      "#2\tINITED cov: 763 ft: 4084 corp: 71/40Kb exec/s: 0 rss: 80Mb\n"
      "#4096\tpulse  cov: 770 ft: 4100 corp: 75/41Kb lim: 4096 exec/s: 1365 rss: 90Mb\n"
      "#5000\tNEW    cov: 771 ft: 4101 corp: 76/41Kb lim: 4096 exec/s: 1250 rss: 90Mb L: 12/400 MS: 1 Custom-\n";
  EXPECT_DOUBLE_EQ(*parse_campaign_rate(status + "Done 38000 runs in 20 second(s)\n"), 1900.0);
  EXPECT_DOUBLE_EQ(*parse_campaign_rate(status), 1250.0);  // stopped before its end: no Done line
  EXPECT_FALSE(parse_campaign_rate("INFO: Seed: 1\n").has_value());
}

TEST(LibFuzzerOutput, AFindingIsTheSignatureElseTheFirstSanitizerError) {
  EXPECT_EQ(parse_finding("#12 NEW cov: 1\nptcheck signature: lost-dirty:unmap:bbml2\nmore\n"),
            "ptcheck signature: lost-dirty:unmap:bbml2");
  EXPECT_EQ(parse_finding("==123== ERROR: libFuzzer: deadly signal\nSUMMARY: libFuzzer: deadly signal\n"),
            "==123== ERROR: libFuzzer: deadly signal");
  EXPECT_EQ(parse_finding("==9==ERROR: AddressSanitizer: heap-buffer-overflow on address\n"),
            "==9==ERROR: AddressSanitizer: heap-buffer-overflow on address");
  EXPECT_EQ(parse_finding("Done 10 runs in 1 second(s)\n"), "");
}

TEST(CtestOutput, ResultsWithTheirTimeEvenOnALaterLine) {
  const std::string out =
      "Test project /work/build/fuzz\n"
      "    Start 504: fuzz/fuzz_ops/finds/split_plain_write\n"
      " 1/4 Test #504: fuzz/fuzz_ops/finds/split_plain_write ...   Passed    2.68 sec\n"
      "    Start 505: fuzz/fuzz_ops/finds/free_before_sync\n"
      " 2/4 Test #505: fuzz/fuzz_ops/finds/free_before_sync ....***Failed  Required regular expression not found. "
      "Regex=[ptcheck signature: \n"
      "]  60.12 sec\n"
      " 3/4 Test #506: fuzz/fuzz_ops/finds/dirty_loops_forever ..***Timeout 300.01 sec\n"
      "    Start 507: fuzz/fuzz_bitmap/finds/drops_last_word\n"
      " 4/4 Test #507: fuzz/fuzz_bitmap/finds/drops_last_word ...   Passed    0.35 sec\n"
      "\n75% tests passed, 1 tests failed out of 4\n";
  const std::vector<CtestResult> r = parse_ctest_results(out);
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].name, "fuzz/fuzz_ops/finds/split_plain_write");
  EXPECT_TRUE(r[0].passed);
  EXPECT_DOUBLE_EQ(r[0].seconds, 2.68);
  EXPECT_EQ(r[1].name, "fuzz/fuzz_ops/finds/free_before_sync");
  EXPECT_FALSE(r[1].passed);
  EXPECT_DOUBLE_EQ(r[1].seconds, 60.12);
  EXPECT_FALSE(r[2].passed);
  EXPECT_DOUBLE_EQ(r[2].seconds, 300.01);
  EXPECT_TRUE(r[3].passed);
  EXPECT_DOUBLE_EQ(r[3].seconds, 0.35);
  // A run cut short before the last time: that result is left out.
  EXPECT_EQ(parse_ctest_results(" 1/1 Test #1: a ....***Failed  Regex=[x\n").size(), 0u);
}

TEST(CtestOutput, ListedTests) {
  const std::string out =
      "Test project /work/build/fuzz\n  Test #504: fuzz/fuzz_ops/finds/split_plain_write\n"
      "  Test #529: fuzz/fuzz_bitmap/finds/tail_word_past_end\n\nTotal Tests: 2\n";
  EXPECT_EQ(parse_ctest_list(out), (std::vector<std::string>{"fuzz/fuzz_ops/finds/split_plain_write",
                                                             "fuzz/fuzz_bitmap/finds/tail_word_past_end"}));
  EXPECT_EQ(find_measure_name("fuzz/fuzz_ops/finds/split_plain_write"), "fuzzbuild.finds.fuzz_ops.split_plain_write");
  EXPECT_EQ(find_measure_name("fuzz/fuzz_bitmap/finds/tail_word_past_end"),
            "fuzzbuild.finds.fuzz_bitmap.tail_word_past_end");
}

TEST(FuzzBuildChild, BothStreamsAndTheStatus) {
  const ChildRun r = run_child("echo out; echo err >&2; exit 3");
  EXPECT_EQ(r.output, "out\nerr\n");
  ASSERT_TRUE(WIFEXITED(r.status));
  EXPECT_EQ(WEXITSTATUS(r.status), 3);
  EXPECT_EQ(run_child("printf '%s' " + shell_word("it's $HOME")).output, "it's $HOME");
}

// The fake fuzz_ops as a child, as the replay measure runs it: 4 ms a file on the harness, 1 ms alone.
TEST(FuzzBuildChild, AFakeFuzzerReplaysEachFile) {
  const std::string fuzzer = shell_word(std::string(PTCHECK_FAKE_FUZZ_BUILD) + "/fuzz/fuzz_ops");
  const ReplayTotals harness = parse_replay(run_child(fuzzer + " -runs=20 a 'b c' d").output);
  EXPECT_EQ(harness.files, 3u);
  EXPECT_DOUBLE_EQ(harness.ms, 12.0);
  const ReplayTotals alone = parse_replay(run_child("PTCHECK_FUZZ_TABLE_ALONE=1 " + fuzzer + " -runs=20 a b d").output);
  EXPECT_DOUBLE_EQ(alone.ms, 3.0);
  EXPECT_DOUBLE_EQ(*parse_campaign_rate(run_child(fuzzer + " -seed=1 -max_total_time=2 scratch").output), 25000.0);
}

// A copy of the fake fuzz build in a folder of its own: even `ctest -N` writes Testing/ into the folder it
// lists, which must not be the source tree's.
class FakeFuzzBuild : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ptc-fake-fuzz-build-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::filesystem::copy(PTCHECK_FAKE_FUZZ_BUILD, dir_,
                          std::filesystem::copy_options::recursive | std::filesystem::copy_options::copy_symlinks);
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string dir_;
};

TEST_F(FakeFuzzBuild, HasBothFuzzersAndItsFuzzBrokenTestsOnly) {
  const FuzzBuild b = inspect_fuzz_build(dir_);
  EXPECT_TRUE(b.fuzz_ops);
  EXPECT_TRUE(b.fuzz_bitmap);
  EXPECT_EQ(b.finds, (std::vector<std::string>{"fuzz/fuzz_ops/finds/fake_found", "fuzz/fuzz_bitmap/finds/fake_found",
                                               "fuzz/fuzz_ops/finds/fake_missed"}));
  const FuzzBuild none = inspect_fuzz_build("/nonexistent/fuzz/build");
  EXPECT_FALSE(none.fuzz_ops || none.fuzz_bitmap || !none.finds.empty());
}

// No fuzz build: every fuzz-build measure is still listed, not measured, with how to get one.
TEST(FuzzBuild, WithoutAFuzzBuildItsMeasuresAreNotMeasured) {
  SuiteOptions o;
  o.quick = true;
  o.fuzz_build_dir = "/nonexistent/fuzz/build";
  std::vector<std::string> names;
  for (const Measure& m : suite_measures(o))
    if (m.name.rfind("fuzzbuild.", 0) == 0) {
      names.push_back(m.name);
      EXPECT_EQ(m.not_measured, "build the fuzz preset (cmake --preset fuzz && cmake --build --preset fuzz)") << m.name;
    }
  EXPECT_EQ(names, (std::vector<std::string>{"fuzzbuild.fuzz_ops", "fuzzbuild.fuzz_ops_campaign",
                                             "fuzzbuild.fuzz_bitmap_campaign", "fuzzbuild.finds.median"}));
}

TEST_F(FakeFuzzBuild, EveryFindIsAMeasureWithItsGoal) {
  SuiteOptions o;
  o.fuzz_build_dir = dir_;
  std::vector<const Measure*> fuzz;
  const std::vector<Measure> all = suite_measures(o);
  for (const Measure& m : all)
    if (m.name.rfind("fuzzbuild.", 0) == 0) fuzz.push_back(&m);
  ASSERT_EQ(fuzz.size(), 7u);
  for (const Measure* m : fuzz) EXPECT_EQ(m->not_measured, "") << m->name;
  EXPECT_EQ(fuzz[0]->baseline, "fuzzbuild.fuzz_ops");
  EXPECT_EQ(fuzz[0]->baseline_counter, "alone_execs");
  EXPECT_EQ(fuzz[0]->goal->text(fuzz[0]->unit), "ratio <= 5");
  EXPECT_EQ(fuzz[1]->goal->text(fuzz[1]->unit), "figure >= 20000 execs/s");
  EXPECT_EQ(fuzz[3]->name, "fuzzbuild.finds.fuzz_ops.fake_found");
  EXPECT_EQ(fuzz[3]->counter, "fuzz/fuzz_ops/finds/fake_found");
  EXPECT_EQ(fuzz[3]->baseline, "");
  EXPECT_EQ(fuzz[3]->goal->text(fuzz[3]->unit), "figure <= 5 s");
  EXPECT_EQ(fuzz[6]->name, "fuzzbuild.finds.median");
  EXPECT_EQ(fuzz[6]->goal->text(fuzz[6]->unit), "figure <= 1 s");
}

}  // namespace
}  // namespace ptc::bench
