// What `ptcheck check` found, stage by stage, and its three renderings: the summary table printed at
// the end, one JSON object (--json FILE) and JUnit XML (--junit FILE) that CI systems (GitHub, GitLab,
// Jenkins) draw as test results: one <testsuite> per stage, one <testcase> per corpus file, property,
// obligation or fuzzer (tools/ptcheck/junit.xsd is the schema of that XML). A run cut short (SIGTERM,
// SIGINT, the budget) says so: the run's and each stage's `stopped`, and every stage or item that did not
// run as a skipped one with the reason.
#pragma once
#include <string>
#include <vector>

#include "core/fmt.h"

namespace ptc::cli {

enum class CheckResult { kPass, kFail, kSkip };

const char* check_result_name(CheckResult r);  // "PASS", "FAIL", "SKIP"

struct CheckItem {
  std::string name;        // the corpus file, property, obligation or fuzzer
  CheckResult result = CheckResult::kPass;
  double seconds = 0;
  std::string signature;   // a failure's one line (oracle:op:config, refuted:NAME, ...); a skip's reason
  std::string replay;      // the command that reproduces a failure
  std::string detail;      // more about a failure (a report), for JUnit's failure body
  size_t warnings = 0;     // kernel WARNING lines the target printed while it ran (its part of the target log)
  size_t size = 0;         // a failure's reproducer length in statements, where known (0: unknown)
};

struct CheckStage {
  std::string name;        // replay, properties, prove, fuzz, stress
  CheckResult result = CheckResult::kPass;  // FAIL if an item failed; SKIP if the stage did not run
  double seconds = 0;
  std::string note;        // what ran (e.g. "100 cases each"), or why it was skipped
  bool ran = true;         // false: the stage did not start (not built, off, or the run stopped before it)
  std::string stopped;     // it started but was cut short: "SIGTERM", "SIGINT" or "budget"; "" ran in full
  std::vector<CheckItem> items;
  size_t count(CheckResult r) const;
  const CheckItem* first_failure() const;
};

struct CheckReport {
  std::string target;       // the target's name
  std::string target_path;  // --target, "" for the built-in table
  std::string contract = "spec";  // the profile the gate checked (SPEC 9)
  std::string target_log;   // where the target's own output went (core/isolation)
  double budget = 0;        // --budget seconds; 0: none
  double seconds = 0;
  std::vector<CheckStage> stages;
  // The run ended early: "SIGTERM" or "SIGINT" (asked to stop), "budget" (a stage's share or the whole
  // budget ran out), or kUnfinished: the report was written between stages of a run still going (it stays
  // if ptcheck is killed). "": every stage ran in full.
  std::string stopped;
  static constexpr const char* kUnfinished = "unfinished";
  // 0 every oracle holds, 1 a failure, 2 bad input, 128 + the signal when stopped by SIGINT or SIGTERM with
  // no failure found; -1 while unfinished (JSON null).
  int exit_status = 0;
};

// Failures grouped as ClusterFuzz groups crashes: by the oracle and the operation (a signature's first two
// fields, `lost-dirty:split` of `lost-dirty:split:ias48-...`; a refuted obligation, a property or a
// bad input by its name), so that one bug hit by fifty corpus scripts in six configs is one line.
std::string failure_group(const std::string& signature);

struct FailureGroup {
  std::string key;             // failure_group() of its signatures
  size_t inputs = 0;           // failing items in the group, over every stage
  size_t signatures = 0;       // distinct full signatures (configs) among them
  std::vector<std::string> stages;  // where it was found, in stage order
  const CheckItem* shortest = nullptr;  // the smallest reproducer (fewest statements; else the first)
};

// Every group, in order of first appearance.
std::vector<FailureGroup> distinct_failures(const CheckReport& r);

// The table printed at the end: stage, result, items, time, first failure and how to replay it.
std::string check_summary_table(const CheckReport& r);
std::string check_json(const CheckReport& r);
std::string check_junit(const CheckReport& r);

// For tests: JSON (core/fmt.h's) and XML escaping.
using ptc::json_quote;
std::string xml_escape(const std::string& s);

}  // namespace ptc::cli
