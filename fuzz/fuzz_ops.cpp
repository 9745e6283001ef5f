// fuzz_ops: the differential fuzzer. Decodes the input into a config and an op program (every op of
// SPEC section 3, device actions, `@N` injections, `fail alloc N`, every config axis), runs it on the
// reference model and the target with the simulated SMMU, and aborts on the first violated oracle
// with its one-line signature (oracle:op:config) and the readable trace.
//
// The target is the built-in optimized table, or the library named by PTCHECK_TARGET (SPEC section 6).
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/encoding/fuzz_input.h"
#include "core/lpae/lpae_target.h"
#include "core/runner/runner.h"
#include "core/runner/target_loader.h"
#include "core/script/script.h"

namespace {
const ptc_target_ops* g_target = nullptr;
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* lib = std::getenv("PTCHECK_TARGET");
  if (!lib || !*lib) {
    g_target = ptc_lpae_ops();
    return 0;
  }
  std::string error;
  g_target = ptc::load_target_library(lib, &error);
  if (!g_target) {
    std::fprintf(stderr, "fuzz_ops: PTCHECK_TARGET=%s\n", error.c_str());
    std::exit(2);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ptc::Script script = ptc::decode_fuzz_input(data, size);
  const ptc::RunResult r = ptc::run_script(script, g_target);
  if (r.failure) {
    std::fprintf(stderr, "\nptcheck signature: %s\n%s\nthe input decodes to:\n%s", r.failure->signature.c_str(),
                 r.failure->trace.c_str(), ptc::print_script(script).c_str());
    std::abort();
  }
  return 0;
}
