// The dirty-bitmap writer (WindowedBitmapWriter, as Linux's iova_bitmap) in GB/s of bitmap, against a
// memset of the same bytes. Two record patterns over the bitmap of 64 GiB of 4K pages (2 MiB of bitmap):
// one record per 4K page (what a table scanning 4K leaves reports) and one per 2 MiB run (whole words).
// And fuzz_bitmap's per-input work (core/bitmap/bitmap_fuzz.h: decode, the windowed writer into a reused
// caller's buffer, every check) over its seed corpus, beside a plain bit loop (plain_bitmap_record) over
// the same records.
#include <benchmark/benchmark.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "bench/corpus_files.h"
#include "bench/direct_table.h"
#include "bench/registration.h"
#include "core/bitmap/bitmap_fuzz.h"
#include "core/bitmap/dirty_bitmap.h"

namespace ptc::bench {
namespace {

void writer_bench(benchmark::State& state, uint64_t bytes, uint64_t record_len) {
  const BitmapGeometry g{kIova, bytes, k4K};
  std::vector<uint8_t> buffer(g.nbytes());
  WindowedBitmapWriter w(g, buffer.data());
  for (auto _ : state) {
    for (uint64_t a = kIova; a < kIova + bytes; a += record_len) w.record(a, record_len);
    w.finish();
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(int64_t(state.iterations() * g.nbytes()));
  state.SetLabel(std::to_string(bytes / record_len) + " records into " + std::to_string(g.nbytes() >> 10) + " KiB");
}

void memset_bench(benchmark::State& state, uint64_t bytes) {
  const BitmapGeometry g{kIova, bytes, k4K};
  std::vector<uint8_t> buffer(g.nbytes());
  for (auto _ : state) {
    std::memset(buffer.data(), 0xff, buffer.size());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(int64_t(state.iterations() * g.nbytes()));
}

// The fuzz_bitmap seed corpus, as the fuzzer reads it: each input's bytes.
std::vector<std::string> fuzz_bitmap_seeds(const std::string& corpora) {
  std::vector<std::string> out;
  for (const std::string& f : files_under(corpora + "/fuzz/fuzz_bitmap", "")) out.push_back(slurp(f));
  return out;
}

// What fuzz_bitmap's LLVMFuzzerTestOneInput does for each input.
void fuzz_bitmap_bench(benchmark::State& state, std::vector<std::string> seeds) {
  if (seeds.empty()) return state.SkipWithError("no fuzz_bitmap seeds found (corpora/ moved?)");
  BitmapFuzzRunner runner;
  BitmapFuzzInput in;
  std::string why;
  for (auto _ : state) {
    for (const std::string& s : seeds) {
      if (!decode_bitmap_fuzz_input(reinterpret_cast<const uint8_t*>(s.data()), s.size(), &in, &why))
        return state.SkipWithError(("the decoder broke: " + why).c_str());
      if (!runner.run(in)) return state.SkipWithError(("the oracle fired: " + runner.failure()).c_str());
    }
  }
  state.counters["execs"] = benchmark::Counter(double(state.iterations() * seeds.size()), benchmark::Counter::kIsRate);
  state.SetLabel(std::to_string(seeds.size()) + " inputs");
}

// The baseline: the same records (those the fuzzer gives the writer) through the plain bit loop into a
// zeroed buffer of the input's size.
void plain_fuzz_bitmap_bench(benchmark::State& state, std::vector<std::string> seeds) {
  if (seeds.empty()) return state.SkipWithError("no fuzz_bitmap seeds found (corpora/ moved?)");
  std::vector<std::unique_ptr<BitmapFuzzInput>> inputs;
  std::string why;
  for (const std::string& s : seeds) {
    inputs.push_back(std::make_unique<BitmapFuzzInput>());
    if (!decode_bitmap_fuzz_input(reinterpret_cast<const uint8_t*>(s.data()), s.size(), inputs.back().get(), &why))
      return state.SkipWithError(("the decoder broke: " + why).c_str());
  }
  std::vector<uint8_t> bytes(BitmapFuzzInput::kMaxBytes);
  for (auto _ : state) {
    for (const auto& in : inputs) {
      std::memset(bytes.data(), 0, in->g.nbytes());
      for (unsigned i = 0; i < in->nrec; ++i)
        if (in->records[i].given) plain_bitmap_record(in->g, bytes.data(), in->records[i].iova, in->records[i].len);
      benchmark::ClobberMemory();
    }
  }
  state.counters["execs"] = benchmark::Counter(double(state.iterations() * inputs.size()), benchmark::Counter::kIsRate);
  state.SetLabel(std::to_string(inputs.size()) + " inputs");
}

}  // namespace

void register_bitmap_benchmarks(const SuiteOptions& o) {
  const uint64_t bytes = o.quick ? 256ull << 20 : 64ull << 30;
  finish(benchmark::RegisterBenchmark("bitmap.pages", writer_bench, bytes, k4K), o, 2);
  finish(benchmark::RegisterBenchmark("bitmap.runs", writer_bench, bytes, k2M), o, 2);
  finish(benchmark::RegisterBenchmark("floor.memset", memset_bench, bytes), o, 2);
  const std::vector<std::string> seeds = fuzz_bitmap_seeds(o.corpora_dir);
  finish(benchmark::RegisterBenchmark("harness.fuzz_bitmap", fuzz_bitmap_bench, seeds), o, 20);
  finish(benchmark::RegisterBenchmark("plain.fuzz_bitmap", plain_fuzz_bitmap_bench, seeds), o, 20);
}

}  // namespace ptc::bench
