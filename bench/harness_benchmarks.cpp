// The harness's own speed: fuzz_ops executions per second (the seed corpus corpora/fuzz/fuzz_ops decoded
// with core/encoding and run by the differential runner in-process, as fuzz_ops does, without libFuzzer),
// scripts per second of the differential runner over corpora/scenarios, and the Z3 suite's time (when the
// proofs are built). Baselines: the same scripts on the target alone (core/runner/table_alone.h); for Z3, the cheap
// part that `ptcheck check` runs.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <variant>
#include <vector>

#include "bench/corpus_files.h"
#include "bench/registration.h"
#include "core/runner/table_alone.h"
#include "core/encoding/fuzz_input.h"
#include "core/lpae/lpae_target.h"
#include "core/runner/runner.h"
#include "core/script/script.h"
#if PTCHECK_HAVE_PROOFS
#include "proofs/prove.h"
#endif

namespace ptc::bench {
namespace {

// The fuzz_ops seed corpus, decoded as fuzz_ops decodes each input.
std::vector<Script> fuzz_seed_programs(const std::string& corpora) {
  std::vector<Script> out;
  for (const std::string& f : files_under(corpora + "/fuzz/fuzz_ops", "")) {
    const std::string bytes = slurp(f);
    out.push_back(decode_fuzz_input(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  }
  return out;
}

// The runnable scenarios; quick runs keep those within the fuzzer's size limits (no 1 GiB of pages).
std::vector<Script> scenario_scripts(const std::string& corpora, bool quick) {
  std::vector<Script> out;
  for (const std::string& f : files_under(corpora + "/scenarios", ".ops")) {
    auto parsed = parse_script(slurp(f), f);
    if (!std::holds_alternative<Script>(parsed)) continue;
    Script s = std::move(std::get<Script>(parsed));
    if (!check_runnable(s).empty() || (quick && !within_fuzz_limits(s))) continue;
    out.push_back(std::move(s));
  }
  return out;
}

void differential_bench(benchmark::State& state, std::vector<Script> scripts, const char* counter) {
  if (scripts.empty()) return state.SkipWithError("no scripts found (corpora/ moved?)");
  const ptc_target_ops* target = ptc_lpae_ops();
  for (auto _ : state) {
    for (const Script& s : scripts) {
      const RunResult r = run_script(s, target);
      if (r.failure) return state.SkipWithError(("an oracle fired: " + r.failure->signature).c_str());
    }
  }
  state.counters[counter] = benchmark::Counter(double(state.iterations() * scripts.size()), benchmark::Counter::kIsRate);
  state.SetLabel(std::to_string(scripts.size()) + " programs");
}

void alone_bench(benchmark::State& state, std::vector<Script> scripts, const char* counter) {
  if (scripts.empty()) return state.SkipWithError("no scripts found (corpora/ moved?)");
  const ptc_target_ops* target = ptc_lpae_ops();
  for (auto _ : state)
    for (const Script& s : scripts) benchmark::DoNotOptimize(run_table_alone(s, target));
  state.counters[counter] = benchmark::Counter(double(state.iterations() * scripts.size()), benchmark::Counter::kIsRate);
  state.SetLabel(std::to_string(scripts.size()) + " programs");
}

#if PTCHECK_HAVE_PROOFS
// The obligations whose names start with one of `prefixes` (empty: all), proved on the built-in table.
void prove_bench(benchmark::State& state, std::vector<std::string> prefixes) {
  const std::vector<proofs::Obligation> all = proofs::all_obligations();
  std::vector<const proofs::Obligation*> selected;
  for (const proofs::Obligation& ob : all) {
    bool take = prefixes.empty();
    for (const std::string& p : prefixes) take |= ob.name.rfind(p, 0) == 0 || (p[0] == '.' && ob.name.find(p) != std::string::npos);
    if (take) selected.push_back(&ob);
  }
  std::FILE* sink = std::fopen("/dev/null", "w");
  if (!sink) return state.SkipWithError("cannot open /dev/null");
  proofs::ProveTarget t;
  t.ops = ptc_lpae_ops();
  int rc = 0;
  for (auto _ : state) rc |= proofs::run_prove(t, selected, false, sink);
  std::fclose(sink);
  if (rc != 0) return state.SkipWithError("an obligation was refuted or unknown (run ptcheck prove)");
  state.SetLabel(std::to_string(selected.size()) + " obligations");
}
#endif

}  // namespace

void register_harness_benchmarks(const SuiteOptions& o) {
  const std::vector<Script> seeds = fuzz_seed_programs(o.corpora_dir);
  const std::vector<Script> scenarios = scenario_scripts(o.corpora_dir, o.quick);
  finish(benchmark::RegisterBenchmark("harness.fuzz_ops", differential_bench, seeds, "execs"), o, 2);
  finish(benchmark::RegisterBenchmark("alone.fuzz_ops", alone_bench, seeds, "execs"), o, 2);
  finish(benchmark::RegisterBenchmark("harness.scenarios", differential_bench, scenarios, "scripts"), o, 1, 3);
  finish(benchmark::RegisterBenchmark("alone.scenarios", alone_bench, scenarios, "scripts"), o, 2);
#if PTCHECK_HAVE_PROOFS
  // Full: every obligation (`ptcheck prove`) against the part `ptcheck check` runs. Quick: the bbml 0
  // split obligations against one bit-level proof — both far from Z3's time limit even under ASan on a
  // loaded machine (a verdict left unknown fails the benchmark).
  const std::vector<std::string> suite =
      o.quick ? std::vector<std::string>{"split.bbml0."} : std::vector<std::string>{};
  const std::vector<std::string> cheap =
      o.quick ? std::vector<std::string>{"bits.level-index"} : std::vector<std::string>{"split.", ".block."};
  finish(benchmark::RegisterBenchmark("proofs.suite", prove_bench, suite), o, 1, 1);
  finish(benchmark::RegisterBenchmark("proofs.check", prove_bench, cheap), o, 1, 1);
#endif
}

bool proofs_built() { return PTCHECK_HAVE_PROOFS != 0; }

}  // namespace ptc::bench
