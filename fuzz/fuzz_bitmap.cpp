// libFuzzer target: the optimized dirty-bitmap writer (ptc::WindowedBitmapWriter: windowed,
// word-at-a-time, any byte alignment of the caller's buffer, any bitmap page size) against the
// reference bit loop (ptc::plain_bitmap_record), byte for byte.
//
// Every input decodes (an exhausted input reads zeros). The input, in order (integers little-endian):
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
//                  the bits set in all past kBitBudget is decoded but given to neither writer
//
// The caller's buffer is a CallerBuffer: a page-aligned allocation of exactly the misalignment plus the
// buffer, so that the writer's windows (aligned chunks of the caller's address space, as Linux pins pages)
// meet the page boundary where a real caller's would, and ASan reports any access past the buffer's end;
// the misalignment bytes in front hold a canary that must survive. window_moves() must stay within the number of windows the records can touch.
#include <cinttypes>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "core/bitmap/caller_buffer.h"
#include "core/bitmap/dirty_bitmap.h"

namespace {

// Reads the fuzzer's bytes; past the end every read is zero, so every input decodes.
class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size) : p_(data), n_(size) {}
  uint8_t u8() {
    if (n_ == 0) return 0;
    --n_;
    return *p_++;
  }
  uint64_t uint(unsigned bytes) {
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; ++i) v |= uint64_t{u8()} << (8 * i);
    return v;
  }
  uint16_t u16() { return static_cast<uint16_t>(uint(2)); }
  uint32_t u32() { return static_cast<uint32_t>(uint(4)); }
  uint64_t u64() { return uint(8); }

 private:
  const uint8_t* p_;
  size_t n_;
};

// v % m, with m == 0 meaning "any value" (m is 2^64).
uint64_t mod(uint64_t v, uint64_t m) { return m == 0 ? v : v % m; }

constexpr uint64_t kMaxBytes = 64 * 1024;   // the caller's buffer: at most 64 KiB
constexpr uint64_t kMaxBits = kMaxBytes * 8;
// The bits all records of one input may set, so that an input costs at most a few milliseconds (the
// plain writer takes a step per bit): one record over a whole 64 KiB bitmap, or several shorter ones.
constexpr uint64_t kBitBudget = kMaxBits;

// The bitmap's length in bytes of iova. nbits <= kMaxBits for every choice.
uint64_t decode_length(ByteReader& in, uint64_t pg) {
  switch (in.u8() % 6) {
    case 0: return 0;
    case 1: return (1 + uint64_t{in.u8()}) * pg;                         // up to 256 whole pages
    case 2: return (1 + in.u16() % 2048) * pg - mod(in.u32(), pg);       // ends inside its last page
    case 3: return 1 + mod(in.u32(), pg);                                // less than a page (one bit)
    case 4: return (1 + in.u32() % kMaxBits) * pg - mod(in.u32(), pg);   // up to the full 64 KiB
    default: return 1 + mod(in.u64(), kMaxBits * pg);                    // any length that fits
  }
}

uint64_t decode_base(ByteReader& in, uint64_t pg, uint64_t length) {
  constexpr uint64_t kIas48 = (uint64_t{1} << 48) - 1;
  switch (in.u8() % 6) {
    case 0: return 0;
    case 1: return (in.u64() & kIas48) & ~(pg - 1);                      // pgsize-aligned
    case 2: return (in.u64() & kIas48) | 1;                             // odd: aligned to nothing
    case 3: return 0 - pg * (1 + uint64_t{in.u16()});                    // aligned, near 2^64
    case 4: return 0 - (1 + mod(in.u64(), length + 2 * pg));             // near 2^64, the range may pass it
    default: return in.u64();
  }
}

// Window sizes beyond 0..64: not multiples of a power of two, a page, the default, beyond any buffer.
constexpr size_t kWindows[] = {72,     96,    128,   136, 200, 256, 1000, 4096, 4104,
                               65536, ptc::WindowedBitmapWriter::kDefaultWindowBytes, size_t{1} << 30,
                               ~size_t{0}};

size_t decode_window(ByteReader& in) {
  const uint8_t v = in.u8();
  if (v <= 64) return v;
  return kWindows[(v - 65) % (sizeof kWindows / sizeof kWindows[0])];
}

struct Record {
  uint64_t iova, len;
};

// One record; `prev_end` is the end of the previous one (for ascending runs).
Record decode_record(ByteReader& in, const ptc::BitmapGeometry& g, uint64_t nbits, uint64_t prev_end) {
  const uint64_t pg = g.pgsize, base = g.base, length = g.length;
  const uint64_t end = base + length;  // mod 2^64
  switch (in.u8() % 10) {
    case 0: {  // inside the range, a few pages long
      uint64_t iova = base + mod(in.u64(), length);
      return {iova, 1 + mod(in.u64(), 4 * pg)};
    }
    case 1: {  // starts before the base: ends before it, at it, or beyond it
      uint64_t back = 1 + mod(in.u64(), 2 * pg);
      return {base - back, mod(in.u64(), back + 2 * pg + 1)};
    }
    case 2: {  // around the end of the range
      uint64_t back = mod(in.u64(), 2 * pg + 1);
      return {end - back, mod(in.u64(), 4 * pg + 1)};
    }
    case 3: {  // huge: the whole address space or nearly (saturates at 2^64)
      uint64_t iova = (in.u8() & 1) ? 0 : base - in.u32();
      return {iova, ~uint64_t{0} - in.u32()};
    }
    case 4: {  // near 2^64
      uint64_t iova = 0 - (1 + mod(in.u64(), 4 * pg));
      uint64_t len = (in.u8() & 1) ? 1 + mod(in.u64(), 8 * pg) : ~uint64_t{0} - in.u16();
      return {iova, len};
    }
    case 5:  // length 0 records nothing
      return {base + mod(in.u64(), length), 0};
    case 6: {  // the whole range, or one byte less or more
      uint64_t adj = in.u8() % 3;
      return {base, length + adj - 1};
    }
    case 7: {  // anything
      uint64_t iova = in.u64();
      return {iova, in.u64()};
    }
    case 8: {  // whole bitmap pages, give or take a byte
      uint64_t iova = base + mod(in.u64(), nbits) * pg;
      uint64_t len = (1 + uint64_t{in.u16()} % 4096) * pg;
      switch (in.u8() % 4) {
        case 1: len -= 1; break;
        case 2: len += 1; break;
        case 3: iova += 1; break;
        default: break;
      }
      return {iova, len};
    }
    default: {  // ascending: after the previous record, with a gap of whole pages (and a bit)
      uint64_t gap = uint64_t{in.u16()} % 64 * pg;
      if (in.u8() & 1) gap += mod(in.u32(), pg);
      return {prev_end + gap, 1 + mod(in.u64(), 64 * pg)};
    }
  }
}

// The clipped record as bitmap bits [first, last], computed independently in 128-bit arithmetic.
bool clipped_bits(const ptc::BitmapGeometry& g, const Record& r, uint64_t* first, uint64_t* last) {
  using u128 = unsigned __int128;
  const u128 top = u128{1} << 64;  // addresses end at 2^64
  if (r.len == 0 || g.length == 0) return false;
  u128 lo = r.iova > g.base ? r.iova : g.base;
  u128 rec_end = u128{r.iova} + r.len, range_end = u128{g.base} + g.length;
  u128 hi = rec_end < range_end ? rec_end : range_end;  // exclusive
  if (hi > top) hi = top;
  if (lo >= hi) return false;
  *first = static_cast<uint64_t>((lo - g.base) / g.pgsize);
  *last = static_cast<uint64_t>((hi - 1 - g.base) / g.pgsize);
  return true;
}

uint64_t splitmix64(uint64_t& s) {
  uint64_t z = (s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

constexpr uint8_t kCanary = 0xa5;

// The misalignment byte: as before bit 7 was read, 0..7; with it, the last 128 bytes of a page.
unsigned decode_misalign(uint8_t m) {
  if (!(m & 0x80)) return m % 8;
  return unsigned(ptc::CallerBuffer::kPageSize) - 1 - (m & 0x7f);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteReader in(data, size);
  const uint8_t flags = in.u8();
  const bool prefill = flags & 1, finish_midway = flags & 2, by_destructor = flags & 4, via_abi = flags & 8;

  ptc::BitmapGeometry g;
  g.pgsize = uint64_t{4096} << (in.u8() % 19);
  g.length = decode_length(in, g.pgsize);
  g.base = decode_base(in, g.pgsize, g.length);
  const size_t window = decode_window(in);
  const unsigned misalign = decode_misalign(in.u8());
  if (!g.valid()) {
    std::fprintf(stderr, "fuzz_bitmap: decoder made pgsize 0x%" PRIx64 "\n", g.pgsize);
    abort();
  }
  const uint64_t nbits = g.nbits(), nbytes = g.nbytes();
  if (nbytes > kMaxBytes) {
    std::fprintf(stderr, "fuzz_bitmap: decoder made %" PRIu64 " bytes (> 64 KiB)\n", nbytes);
    abort();
  }

  // The caller's buffer, `misalign` bytes into a page behind canary bytes; the plain writer's copy.
  ptc::CallerBuffer caller(nbytes, misalign, kCanary);
  std::unique_ptr<uint8_t[]> plain(new uint8_t[nbytes + 1]);  // +1: never a zero-length array
  uint8_t* user = caller.data();
  std::memset(plain.get(), 0, nbytes);
  if (prefill) {
    const uint8_t density = in.u8();
    uint64_t seed = in.u64();
    for (uint64_t i = 0; i < nbytes; ++i) {
      uint64_t r = splitmix64(seed);
      uint8_t b = static_cast<uint8_t>(r);
      if (density % 3 == 0) b &= static_cast<uint8_t>(r >> 8) & static_cast<uint8_t>(r >> 16);  // sparse
      else if (density % 3 == 2) b |= static_cast<uint8_t>(r >> 8);                           // dense
      user[i] = plain[i] = b;
    }
  }

  const unsigned nrec = in.u8() % 65;
  const unsigned mid = finish_midway ? in.u8() % (nrec + 1) : nrec + 1;

  uint64_t moves = 0, moves_bound = 0, bit_budget = kBitBudget;
  unsigned written = 0;  // records given to both writers
  const uint64_t wbytes = window < 8 ? 8 : (window & ~size_t{7});
  {
    ptc::WindowedBitmapWriter w(g, user, window);
    ptc::PlainBitmapSink sink{g, plain.get()};
    const ptc_dirty wd = ptc::as_ptc_dirty(w), pd = ptc::as_ptc_dirty(sink);
    if (w.window_bytes() != wbytes) {
      std::fprintf(stderr, "fuzz_bitmap: window_bytes() %zu for %zu, expected %" PRIu64 "\n", w.window_bytes(),
                   window, wbytes);
      abort();
    }
    uint64_t prev_end = g.base;
    for (unsigned i = 0; i < nrec; ++i) {
      const Record r = decode_record(in, g, nbits, prev_end);
      prev_end = r.iova + r.len;
      if (i == mid) w.finish();
      uint64_t first, last;
      const bool touches = clipped_bits(g, r, &first, &last);
      if (touches) {
        if (last >= nbits) {
          std::fprintf(stderr, "fuzz_bitmap: clipped record reaches bit %" PRIu64 " of %" PRIu64 "\n", last, nbits);
          abort();
        }
        // Past the budget, records are decoded but not written.
        if (last - first + 1 > bit_budget) continue;
        bit_budget -= last - first + 1;
        // A record touches at most the windows its bytes span: one per W bytes, +1 for the chunk edges.
        // (Window chunks are aligned in the caller's address space, so the first can be short.)
        const uint64_t span = last / 8 - first / 8 + 1;
        moves_bound += span / wbytes + 2;
      }
      if (via_abi) {
        wd.record(wd.ctx, r.iova, r.len);
        pd.record(pd.ctx, r.iova, r.len);
      } else {
        w.record(r.iova, r.len);
        ptc::plain_bitmap_record(g, plain.get(), r.iova, r.len);
      }
      ++written;
    }
    if (mid == nrec) w.finish();  // finish() twice (or a finish() with no window) must be harmless
    if (!by_destructor) w.finish();
    moves = w.window_moves();
  }  // the destructor writes back whatever is left

  const unsigned long long nrecs = written;
  char where[256];
  std::snprintf(where, sizeof where,
                "(geometry base 0x%" PRIx64 " length 0x%" PRIx64 " pgsize 0x%" PRIx64 " nbytes %" PRIu64
                ", window %zu, misalign %u, %llu records)",
                g.base, g.length, g.pgsize, nbytes, window, misalign, nrecs);

  for (unsigned i = 0; i < misalign; ++i) {
    if (caller.front()[i] != kCanary) {
      std::fprintf(stderr, "fuzz_bitmap: wrote byte %d before the caller's buffer: 0x%02x %s\n",
                   int(i) - int(misalign), caller.front()[i], where);
      abort();
    }
  }
  for (uint64_t k = 0; k < nbytes; ++k) {
    if (user[k] != plain[k]) {
      std::fprintf(stderr, "fuzz_bitmap: mismatch at byte %" PRIu64 ": windowed 0x%02x plain 0x%02x %s\n", k,
                   user[k], plain[k], where);
      abort();
    }
  }
  if (moves > moves_bound) {
    std::fprintf(stderr, "fuzz_bitmap: %" PRIu64 " window moves, at most %" PRIu64 " expected %s\n", moves,
                 moves_bound, where);
    abort();
  }
  return 0;
}
