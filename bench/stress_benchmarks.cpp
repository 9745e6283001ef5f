// `ptcheck stress`'s speed, as `ptcheck stress --seed 1` runs (tools/ptcheck/stress_command.cpp): each
// iteration one real-thread history on the built-in table (3 CPU threads x 16 ops, 2 device threads,
// checked by the SMMU's oracles, the dirty accounting and linearizability) and one sequence of the
// deterministic scheduler (16 schedules through the differential runner), checked and explored while the
// next history's threads run (history_pipeline.h). Histories per second of wall
// time (the threads' work, not the benchmark thread's CPU time). Baseline: the CPU ops of the same
// histories, in the order they were called, on the table alone (core/runner/table_alone.h): what the
// table's own work in a history costs.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <string>
#include <vector>

#include "bench/registration.h"
#include "core/runner/table_alone.h"
#include "core/lpae/lpae_target.h"
#include "properties/concurrent/history_pipeline.h"
#include "properties/concurrent/threaded.h"

namespace ptc::bench {
namespace {

constexpr uint64_t kSeed = 1;  // `ptcheck stress --seed 1`: history i runs seed 1 + i

void stress_bench(benchmark::State& state) {
  conc::ThreadedOptions to;  // stress's defaults: 3 CPU + 2 device threads x 16 ops
  to.lin_budget = std::chrono::milliseconds(10000);
  conc::WorkerPool pool;  // as stress keeps its threads
  to.pool = &pool;
  const conc::SchedOptions so;  // 16 schedules a sequence, none written
  conc::SchedStats stats;
  // As stress runs them: each history checked while the next one's threads run.
  conc::HistoryPipeline pipeline(ptc_lpae_ops(), kSeed, to, so, &stats);
  uint64_t ops = 0, n = 0;
  for (auto _ : state) {
    const conc::CheckedHistory c = pipeline.next(true);
    ++n;
    ops += c.history.history.ops.size();
    const std::string what = c.history.bug() ? c.history.report : c.sequence ? c.sequence->report : "";
    if (!what.empty()) return state.SkipWithError(("stress reported a bug on the built-in table: " + what).c_str());
  }
  state.counters["histories"] = benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
  state.SetLabel(std::to_string(ops / std::max<uint64_t>(1, n)) + " ops a history");
}

// The CPU ops of `n` histories (seeds 1..n), each a script in call order.
std::vector<Script> history_cpu_ops(uint64_t n) {
  std::vector<Script> out;
  conc::ThreadedOptions to;
  for (uint64_t seed = kSeed; seed < kSeed + n; ++seed) {
    const conc::HistoryOutcome h = conc::run_threaded_history(ptc_lpae_ops(), seed, to);
    if (h.skipped) continue;
    std::vector<const conc::HistOp*> cpu;
    for (const conc::HistOp& x : h.history.ops)
      if (!x.snapshot && x.op.kind != OpKind::Dev) cpu.push_back(&x);
    std::stable_sort(cpu.begin(), cpu.end(),
                     [](const conc::HistOp* a, const conc::HistOp* b) { return a->call < b->call; });
    Script s;
    s.config = h.history.config;
    s.has_config = true;
    for (const conc::HistOp* x : cpu) s.ops.push_back(x->op);
    out.push_back(std::move(s));
  }
  return out;
}

void stress_alone_bench(benchmark::State& state, uint64_t n) {
  const std::vector<Script> scripts = history_cpu_ops(n);  // outside the timed loop
  if (scripts.empty()) return state.SkipWithError("no history ran");
  for (auto _ : state)
    for (const Script& s : scripts) benchmark::DoNotOptimize(run_table_alone(s, ptc_lpae_ops()));
  state.counters["histories"] =
      benchmark::Counter(double(state.iterations() * scripts.size()), benchmark::Counter::kIsRate);
  state.SetLabel(std::to_string(scripts.size()) + " histories");
}

}  // namespace

void register_stress_benchmarks(const SuiteOptions& o) {
  finish(benchmark::RegisterBenchmark("harness.stress", stress_bench), o, 2, 60)->UseRealTime();
  finish(benchmark::RegisterBenchmark("alone.stress", stress_alone_bench, o.quick ? 2 : 16), o, 2)->UseRealTime();
}

}  // namespace ptc::bench
