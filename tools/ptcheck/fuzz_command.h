// `ptcheck fuzz [FUZZER] [--time S] [--jobs N] [--target LIB.so] [-- LIBFUZZER_FLAGS]`: a libFuzzer campaign
// (-fork=N) on one of the fuzzers of the `fuzz` preset, with progress lines and a summary. Each run works in
// a folder of its own (OUTPUT/fuzz-runs/FUZZER-DATE-XXXXXX: corpus/, artifacts/, reproducers/), so runs at
// once never see each other's files; every crash of fuzz_ops is minimized into a readable reproducer there.
// Nothing is written into the source tree unless asked (--save-regressions DIR).
#pragma once
#include <chrono>
#include <string>
#include <vector>

#include "core/ops.h"

#include "ptcheck/target.h"

namespace ptc::cli {

struct FuzzOptions {
  std::string fuzzer = "fuzz_ops";
  unsigned seconds = 60;
  unsigned jobs = 1;
  std::string target_path;   // PTCHECK_TARGET for fuzz_ops
  std::string source_dir;    // holds corpora/: the committed seeds, dictionaries and .options files
  std::string corpora_dir;   // --corpora DIR: the seeds are read from DIR (fuzz/FUZZER, scenarios, ...) instead
                             // of source_dir/corpora; only read
  // Issue 16 (wired by the command line; behaviour in fuzz_command.cpp):
  std::string save_regressions_dir;  // --save-regressions DIR: also copy the minimized reproducers there
  std::string corpus_dir;            // --corpus DIR: a corpus that grows across runs ("": a fresh one per run,
                                     // the committed seeds copied into the run's folder)
  bool verbose = false;              // --verbose: libFuzzer's own output on stdout
  std::vector<std::string> libfuzzer_args;  // after `--`: passed to libFuzzer as they are
  std::string fuzzer_dir;    // where the fuzz preset put the binaries
  uint64_t seed = 0;         // 0: libFuzzer picks (and prints) one
  Contract contract = Contract::Spec;  // --contract: PTCHECK_CONTRACT for fuzz_ops (SPEC 9)
  // The fuzzer is stopped (its process group, SIGTERM then SIGKILL) at this time, or when a stop is requested
  // (stop_flag.h); what it found by then is still reported. `ptcheck check` sets it to the fuzzer's share.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  struct Outcome;
  Outcome* outcome = nullptr;  // filled when given (`ptcheck check`'s report)
};

// What a campaign found, for reports.
struct FuzzOptions::Outcome {
  unsigned long long execs = 0;
  struct Crash {
    std::string signature;  // the runner's oracle:op:config (fuzz_ops), else "crash:FUZZER"
    std::string replay;     // the command that reproduces it
  };
  std::vector<Crash> crashes;
  std::string problem;  // the fuzzer exited with an error and left no crash
  std::string stopped;  // it was stopped early: "SIGTERM", "SIGINT" or "budget" (the deadline); "" it ran its time
};

// Exit status: 0 nothing found, 1 crashes (reproducers written) or the fuzzer failed without a crash (its
// exit status in words), 2 bad input (no such fuzzer, a flag ptcheck sets itself, a bad .options file).
int run_fuzz_campaign(const FuzzOptions& o, const ptc_target_ops* target_for_minimizing);

}  // namespace ptc::cli
