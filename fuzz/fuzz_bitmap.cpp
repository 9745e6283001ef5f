// libFuzzer target: the optimized dirty-bitmap writer (ptc::WindowedBitmapWriter: windowed,
// word-at-a-time, any byte alignment of the caller's buffer, any bitmap page size) against the
// expected bitmap, byte for byte. The per-input work is core/bitmap/bitmap_fuzz.h's (the benchmark
// `fuzz.bitmap` runs the same code).
//
// Every input decodes (an exhausted input reads zeros). The input, in order (integers little-endian; the
// functions named are core/bitmap/bitmap_fuzz.cpp's):
//   u8  flags      bit 0: prefill both buffers with the same random bits (the writer ORs)
//                  bit 1: call finish() before record number `mid` (a record after finish() reopens)
//                  bit 2: end with the destructor instead of an explicit finish()
//                  bit 3: record through the ptc_dirty adapters (as_ptc_dirty), as targets do
//   u8  k          pgsize = 4K << (k % 19): every power of two 4K..1G
//   u8  lsel       the bitmap length, see decode_length(): 0, tiny, short, long, raw; nbytes <= 64 KiB
//   u8  bsel       the base iova, see decode_base(): 0, pgsize-aligned, unaligned, near 2^64, raw
//   u8  wsel       window bytes: 0..64 as is, else one of kWindows (larger ones, the default)
//   u8  misalign   where the caller's buffer starts in its page (SPEC 7): bit 7 clear: (m % 8) bytes past a page
//                  boundary; bit 7 set: 4095 - (m & 0x7f) bytes, 0xf80..0xfff, 1 to 128 bytes before the next
//                  page (iommufd's selftests use 0xff1), so a page-sized window first holds only those bytes
//   [prefill]      u8 density, u64 seed
//   u8  nrec       % 65 records
//   [finish]       u8 mid
//   records        u8 selector, then the fields decode_record() reads for it; a record that would take
//                  the bits set in all past kBitBudget (2^19: a whole 64 KiB bitmap) is decoded but not recorded
//
// The caller's buffer is placed as CallerBuffer places it, in an allocation reused from input to input
// (ReusedCallerBuffer): the misalignment bytes in front of it hold a canary that must survive, and with
// AddressSanitizer every byte after the buffer's end is poisoned, so ASan reports any access past it. The
// expected bitmap is the prefill ORed with every given record's bits: records of up to 16 bits as
// plain_bitmap_record (the reference bit loop) sets them, longer ones from their clipped bit range, computed
// in 128-bit arithmetic apart from the writer's bitmap_math.h. Every byte of the caller's buffer is
// compared. window_moves() must stay within the number of windows the records can touch.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/bitmap/bitmap_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static ptc::BitmapFuzzRunner runner;  // its buffers live from input to input
  static ptc::BitmapFuzzInput input;
  std::string why;
  if (!ptc::decode_bitmap_fuzz_input(data, size, &input, &why)) {
    std::fprintf(stderr, "fuzz_bitmap: %s\n", why.c_str());
    abort();
  }
  if (!runner.run(input)) {
    std::fprintf(stderr, "fuzz_bitmap: %s\n", runner.failure().c_str());
    abort();
  }
  return 0;
}
