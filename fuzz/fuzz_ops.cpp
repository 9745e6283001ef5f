// fuzz_ops: the differential fuzzer. Decodes the input into a config and an op program (every op of
// SPEC section 3, device actions, `@N` injections, `fail alloc N`, every config axis), runs it on the
// reference model and the target with the simulated SMMU, and aborts on the first violated oracle
// with its one-line signature (oracle:op:config) and the readable trace.
//
// The target is the table linked into this binary (a fuzzer ptcheck_add_target built for OSS-Fuzz: its
// ptc_target() is linked in, with the profile it is checked in), else the library named by PTCHECK_TARGET
// (SPEC section 6), else the built-in optimized table; PTCHECK_CONTRACT=linux|spec sets the profile
// (SPEC section 9).
//
// Mutation: three times in four a structural mutation of the decoded program (core/encoding/
// script_mutator.h: move an `@N`, add a device action inside an op or an op racing beside it, ...),
// written back as a readable .ops script; otherwise libFuzzer's own byte mutations. Half the
// structural ones are aimed: the program runs once with its descriptor accesses observed, and the
// injection lands right after one of them (a race window is one access wide; blind `@N` values hit it
// rarely). Crossover splices two programs. PTCHECK_FUZZ_MUTATOR=bytes turns the structural mutator off (to measure it).
//
// Feedback: in the fuzz build only the table has coverage; fuzz_ops adds one signal of the harness's
// own, libFuzzer extra counters bumped where a race landed inside the table's read-modify-write of a
// descriptor (feedback_target.h). PTCHECK_FUZZ_FEEDBACK=none turns it off (to measure it).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/encoding/fuzz_input.h"
#include "core/encoding/script_mutator.h"
#include "core/lpae/lpae_target.h"
#include "core/runner/runner.h"
#include "core/runner/table_alone.h"
#include "core/runner/target_loader.h"
#include "core/script/script.h"
#include "fuzz/feedback_target.h"

// Defined only in a fuzzer built with its table linked in (cmake/ptcheck.cmake, PTCHECK_OSS_FUZZ): OSS-Fuzz
// runs the binary alone, with no environment to name a library, and the table must be in the binary for
// its coverage to guide libFuzzer. ptcheck_linked_contract() is the profile the table is checked in.
extern "C" const ptc_target_ops* ptc_target(void) __attribute__((weak));
extern "C" const char* ptcheck_linked_contract(void) __attribute__((weak));

namespace {
const ptc_target_ops* g_target = nullptr;
// What each input runs on: g_target with fuzz_ops's race feedback (feedback_target.h), unless
// PTCHECK_FUZZ_FEEDBACK=none. The aimed mutator's observing run uses g_target itself.
const ptc_target_ops* g_checked = nullptr;
bool g_structural = true;
// PTCHECK_FUZZ_TABLE_ALONE=1: each input runs on the table alone (core/runner/table_alone.h), without the
// reference model, the simulated SMMU or any oracle: to measure what the harness costs in this very build
// (tools/fuzz_speed.sh, docs/PERFORMANCE.md); it checks nothing.
bool g_table_alone = false;
// PTCHECK_CONTRACT=spec|linux: the profile of every input whose config does not name one (SPEC 9).
ptc::Contract g_contract = ptc::Contract::Spec;

ptc::Script decode(const uint8_t* data, size_t size) {
  ptc::Script s = ptc::decode_fuzz_input(data, size);
  if (!s.has_contract) s.config.contract = g_contract;
  return s;
}

// Writes a script as the input; false when its text does not fit.
bool emit(const ptc::Script& s, uint8_t* data, size_t max_size, size_t* size) {
  const std::string text = ptc::print_script(s);
  if (text.size() > max_size) return false;
  std::memcpy(data, text.data(), text.size());
  *size = text.size();
  return true;
}
}  // namespace

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

namespace {
// Options that watch a run's descriptor accesses for the aimed mutator: at most 2,048 accesses of each
// statement, so a big scan early on leaves later ones visible.
ptc::RunOptions observing(std::vector<ptc::ObservedAccess>* seen) {
  ptc::RunOptions opts;
  opts.observe_access_limit = 2048;
  opts.observe_accesses = [seen](size_t statement, const std::vector<ptc::AccessSite>& accesses) {
    for (size_t i = 0; i < accesses.size(); ++i)
      seen->push_back({statement, i + 1, accesses[i].read, accesses[i].level, accesses[i].slot_iova});
  };
  return opts;
}

}  // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  ptc::MutationRng rng(seed);
  if (g_structural && rng() % 4 != 0) {
    ptc::Script s = decode(data, size);
    if (rng() % 2 == 0) {
      // Aimed: run the program once, watching its descriptor accesses (event log off: only they are
      // read), and inject right after one of them. `seen` is kept from call to call: its growth to
      // thousands of entries was a run's worth of allocations.
      static std::vector<ptc::ObservedAccess> seen;
      seen.clear();
      ptc::RunOptions opts = observing(&seen);
      opts.event_log = false;
      ptc::run_script(s, g_target, opts);
      ptc::Script m = s;
      size_t out = 0;
      if (ptc::aim_injection(m, seen, rng) && emit(m, data, max_size, &out)) return out;
    }
    for (int tries = 0; tries < 4; ++tries) {
      ptc::Script m = s;
      size_t out = 0;
      if (ptc::mutate_script(m, rng) && emit(m, data, max_size, &out)) return out;
    }
  }
  return LLVMFuzzerMutate(data, size, max_size);
}

extern "C" size_t LLVMFuzzerCustomCrossOver(const uint8_t* data1, size_t size1, const uint8_t* data2, size_t size2,
                                            uint8_t* out, size_t max_out_size, unsigned int seed) {
  ptc::MutationRng rng(seed);
  const ptc::Script child =
      ptc::cross_over_scripts(decode(data1, size1), decode(data2, size2), rng);
  size_t n = 0;
  if (emit(child, out, max_out_size, &n)) return n;
  const size_t keep = std::min(size1, max_out_size);  // too long as text: the first parent, cut
  std::memcpy(out, data1, keep);
  return keep;
}

namespace {
// The table: the one linked in, else PTCHECK_TARGET's, else the built-in one.
const ptc_target_ops* choose_target() {
  const char* lib = std::getenv("PTCHECK_TARGET");
  if (ptc_target) {
    // This binary is that table's fuzzer: a library named by PTCHECK_TARGET (`ptcheck fuzz --target`
    // sets it, for its reproducers) would replace the instrumented table with an uninstrumented one.
    if (lib && *lib) std::fprintf(stderr, "fuzz_ops: the table is linked in; PTCHECK_TARGET=%s is not loaded\n", lib);
    const ptc_target_ops* t = ptc_target();
    if (const std::string bad = ptc::check_target_ops(t); !bad.empty()) {
      std::fprintf(stderr, "fuzz_ops: the linked-in table: %s\n", bad.c_str());
      std::exit(2);
    }
    return t;
  }
  if (!lib || !*lib) return ptc_lpae_ops();
  std::string error;
  const ptc_target_ops* t = ptc::load_target_library(lib, &error);
  if (!t) {
    std::fprintf(stderr, "fuzz_ops: PTCHECK_TARGET=%s\n", error.c_str());
    std::exit(2);
  }
  return t;
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* m = std::getenv("PTCHECK_FUZZ_MUTATOR")) g_structural = std::strcmp(m, "bytes") != 0;
  if (const char* a = std::getenv("PTCHECK_FUZZ_TABLE_ALONE")) {
    g_table_alone = std::strcmp(a, "1") == 0;
    if (!g_table_alone && *a && std::strcmp(a, "0") != 0) {
      std::fprintf(stderr, "fuzz_ops: PTCHECK_FUZZ_TABLE_ALONE=%s: must be 0 or 1\n", a);
      std::exit(2);
    }
    if (g_table_alone) std::fprintf(stderr, "fuzz_ops: PTCHECK_FUZZ_TABLE_ALONE=1: the table runs alone, nothing is checked\n");
  }
  const char* c = std::getenv("PTCHECK_CONTRACT");
  if ((!c || !*c) && ptcheck_linked_contract) c = ptcheck_linked_contract();
  if (c && *c) {
    if (std::strcmp(c, "linux") != 0 && std::strcmp(c, "spec") != 0) {
      std::fprintf(stderr, "fuzz_ops: PTCHECK_CONTRACT=%s: must be spec or linux\n", c);
      std::exit(2);
    }
    g_contract = std::strcmp(c, "linux") == 0 ? ptc::Contract::Linux : ptc::Contract::Spec;
  }
  g_target = choose_target();
  const char* f = std::getenv("PTCHECK_FUZZ_FEEDBACK");
  g_checked = f && std::strcmp(f, "none") == 0 ? g_target : ptc::with_race_feedback(g_target);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ptc::Script script = decode(data, size);
  if (g_table_alone) {
    ptc::run_table_alone(script, g_target);
    return 0;
  }
  const ptc::RunResult r = ptc::run_script(script, g_checked);
  if (r.failure) {
    std::fprintf(stderr, "\nptcheck signature: %s\n%s\nthe input decodes to:\n%s", r.failure->signature.c_str(),
                 r.failure->trace.c_str(), ptc::print_script(script).c_str());
    std::abort();
  }
  return 0;
}
