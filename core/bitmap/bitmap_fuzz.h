// fuzz_bitmap's per-input work, shared by the fuzzer (fuzz/fuzz_bitmap.cpp) and the benchmark suite
// (bench/bitmap_benchmarks.cpp, `fuzz.bitmap`), so that the benchmark measures the fuzzer's own code path.
//
// An input is decoded (decode_bitmap_fuzz_input; its byte layout is the one fuzz/fuzz_bitmap.cpp's header
// describes, and a committed input must keep its meaning: docs/fuzzing.md), then BitmapFuzzRunner::run records
// it through the optimized writer (WindowedBitmapWriter) into a caller's buffer placed as SPEC 7 places it,
// and compares every byte of that buffer with the expected bitmap, the canary in front of it and the
// writer's window moves with their bound.
#ifndef PTCHECK_CORE_BITMAP_BITMAP_FUZZ_H
#define PTCHECK_CORE_BITMAP_BITMAP_FUZZ_H

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/bitmap/dirty_bitmap.h"

namespace ptc {

struct BitmapFuzzRecord {
  uint64_t iova = 0, len = 0;
  bool given = false;    // within the bit budget: given to the writer (else decoded only)
  bool touches = false;  // the clipped record holds a bitmap bit: then [first, last] are its bits
  uint64_t first = 0, last = 0;
};

struct BitmapFuzzInput {
  static constexpr uint64_t kMaxBytes = 64 * 1024;  // the caller's buffer: at most 64 KiB
  static constexpr unsigned kMaxRecords = 64;

  bool prefill = false, finish_midway = false, by_destructor = false, via_abi = false;
  BitmapGeometry g;
  size_t window = 0;
  unsigned misalign = 0;
  uint8_t density = 0;  // with prefill
  uint64_t seed = 0;    // with prefill
  unsigned nrec = 0, mid = 0;  // mid: finish() before record `mid` (nrec + 1: never)
  std::array<BitmapFuzzRecord, kMaxRecords> records;  // the first nrec are the input's
};

// Decodes any bytes (an exhausted input reads zeros). False, with *why, only when the decoder broke its
// own promises (a bad page size, a buffer over 64 KiB, a clipped record past the last bit): a harness bug.
bool decode_bitmap_fuzz_input(const uint8_t* data, size_t size, BitmapFuzzInput* out, std::string* why);

// Runs decoded inputs one after another, reusing its buffers: each run costs in proportion to the bytes
// it prefills or records (and one compare of the caller's bytes), not to the 64 KiB a buffer may have.
class BitmapFuzzRunner {
 public:
  BitmapFuzzRunner();
  ~BitmapFuzzRunner();
  BitmapFuzzRunner(const BitmapFuzzRunner&) = delete;
  BitmapFuzzRunner& operator=(const BitmapFuzzRunner&) = delete;

  // True when the writer's bytes equal the expected ones, the canary is intact and the window moves are
  // within their bound; else false with failure() saying what differed and where.
  bool run(const BitmapFuzzInput& in);
  const std::string& failure() const { return failure_; }
  // The caller's buffer as the last run left it (its size is that input's g.nbytes()): for tests.
  const uint8_t* caller_bytes() const;

 private:
  struct Arena;
  void fail_dirty(uint64_t nbytes);
  std::unique_ptr<Arena> arena_;
  std::string failure_;
};

}  // namespace ptc

#endif  // PTCHECK_CORE_BITMAP_BITMAP_FUZZ_H
