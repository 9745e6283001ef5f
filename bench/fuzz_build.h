// The fuzz build's own figures, where a user feels them (issue 17): the suite is built in the release
// preset, so they come from running the `fuzz` preset's binaries (target under ASan+UBSan+coverage,
// harness optimized) as child processes of the suite:
//   fuzzbuild.fuzz_ops           fuzz_ops replaying its seeds (corpora/fuzz/fuzz_ops, corpora/scenarios/*.ops)
//                                N times each, execs/s, beside the same binary running the same programs on
//                                the table alone (PTCHECK_FUZZ_TABLE_ALONE=1), the two alternating
//   fuzzbuild.*_campaign         a fuzzing run of fuzz_ops / fuzz_bitmap from their seeds, seed 1: libFuzzer's rate
//   fuzzbuild.finds.*            seconds to the find of each test-only broken target: the fuzz build's own
//                                fuzz-broken tests (fuzz/CMakeLists.txt), run by ctest, and their median
// Without a fuzz build each of them is reported as not measured, with how to build it.
#pragma once
#include <string>
#include <vector>

#include "bench/measure.h"
#include "bench/suite.h"

namespace ptc::bench {

// Why the fuzz build's measures are not measured when there is no fuzz build.
extern const char kBuildTheFuzzPreset[];

// The fuzz build the suite runs when none is given: build/fuzz of the source tree (the `fuzz` preset's).
std::string default_fuzz_build_dir();

// A child process's combined stdout and stderr, its wait status and its wall time.
struct ChildRun {
  int status = -1;
  std::string output;
  double seconds = 0;
};
// Runs `command` with /bin/sh, its stderr into its stdout.
ChildRun run_child(const std::string& command);
// `s` as one word of a shell command.
std::string shell_word(const std::string& s);

// What the fuzz build in `dir` has: fuzz_ops, fuzz_bitmap, and the fuzz-broken tests' names (ctest -N).
struct FuzzBuild {
  std::string dir;
  bool fuzz_ops = false, fuzz_bitmap = false;
  std::vector<std::string> finds;
};
FuzzBuild inspect_fuzz_build(const std::string& dir);

// The measure name of a fuzz-broken test: fuzz/fuzz_ops/finds/direct_oob -> fuzzbuild.finds.fuzz_ops.direct_oob.
std::string find_measure_name(const std::string& test);

void register_fuzz_build_benchmarks(const SuiteOptions& o);
void add_fuzz_build_measures(const SuiteOptions& o, std::vector<Measure>* out);

}  // namespace ptc::bench
