// `ptcheck check [--target LIB.so] [--budget S] [--json FILE] [--junit FILE] [--corpora DIR] [--time S]
// [--cases N] [--fuzzers DIR] [--save-regressions DIR] [--verbose]`: the one gate before merging. Stages, in order: replay (every corpus
// script and fuzz_ops input), prove (the cheap Z3 obligations on the target's recordings), properties
// (the RapidCheck suites), fuzz (each libFuzzer fuzzer, when the fuzz preset is built) and stress (the
// concurrent checker). Progress lines per stage, a summary table at the end, and the same report as
// JSON and JUnit XML for CI, each written whole after every stage. --budget is hard (S + 10 s), and
// SIGTERM/SIGINT (stop_flag.h) end the run early with the summary and both reports saying what ran.
// Exit status: 0 every oracle holds, 1 a failure, 2 bad input, 128 + the signal when stopped with no failure.
#pragma once
#include <string>

#include "core/isolation/isolated_run.h"
#include "core/ops.h"
#include "ptcheck/target.h"

namespace ptc::cli {

struct CheckOptions {
  std::string target_path;   // "" for the built-in optimized table
  std::string corpora_root;  // holds scenarios/, regressions/, fuzz/fuzz_ops/
  std::string fuzzer_dir;    // the fuzz preset's binaries
  std::string source_dir;    // the repository (fuzz seeds and dictionaries)
  std::string failure_dir;   // where property failures write their .ops
  unsigned budget = 0;       // --budget seconds for the whole gate; 0: none (the fixed defaults below)
  // Explicit per-stage settings; they win over the budget's split. -1: not given.
  long fuzz_seconds = -1;    // --time: seconds per fuzzer (default 10; 0: no fuzzing)
  long cases = -1;           // --cases: cases per property (default 100; 0: no properties)
  std::string json_path, junit_path;
  Contract contract = Contract::Spec;  // --contract: every stage's profile (SPEC 9; a script's own config wins)
  IsolationOptions isolation;  // the child processes the target runs in: its log, the op timeout
  std::string save_regressions_dir;  // --save-regressions DIR: the fuzz stage's reproducers also go there
  bool verbose = false;              // --verbose: the fuzz stage shows libFuzzer's own output
};

int run_check(const CheckOptions& o, const ptc_target_ops* target);

}  // namespace ptc::cli
