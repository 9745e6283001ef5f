// Reading what the fuzz build's binaries print (libFuzzer's output, and ctest's over the fuzz-broken tests),
// for the fuzz build's measures (fuzz_build.h). Parsing only: no processes here, so the tests feed it text.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace ptc::bench {

// libFuzzer replaying files (`FUZZER -runs=N FILE...`): one "Executed FILE in MS ms" line per file, after
// its N runs. The sum of the milliseconds and the number of such lines.
struct ReplayTotals {
  double ms = 0;
  size_t files = 0;
};
ReplayTotals parse_replay(const std::string& output);

// A fuzzing run's rate: "Done RUNS runs in S second(s)" (the final line of a run that reached its time
// limit), RUNS / S; else the last "exec/s: N" of a status line; empty when neither is there.
std::optional<double> parse_campaign_rate(const std::string& output);

// What a fuzzer run stopped on: the first "ptcheck signature: ..." line, else the first line naming a
// sanitizer's or libFuzzer's error ("==PID== ERROR: ...", "SUMMARY: ..."); "" when there is none.
std::string parse_finding(const std::string& output);

// ctest's line for one finished test, "  3/29 Test  #45: NAME ....   Passed    0.45 sec" (or
// "***Failed  ...  60.02 sec", "***Timeout 300.01 sec", the time maybe on a later line): its name, whether
// it passed and its seconds. A result whose time never comes is left out.
struct CtestResult {
  std::string name;
  bool passed = false;
  double seconds = 0;
};
std::vector<CtestResult> parse_ctest_results(const std::string& output);

// The test names `ctest -N` lists ("  Test #45: NAME"), in order.
std::vector<std::string> parse_ctest_list(const std::string& output);

}  // namespace ptc::bench
