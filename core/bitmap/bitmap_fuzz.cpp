// fuzz_bitmap's per-input work: see bitmap_fuzz.h. The input layout is documented in fuzz/fuzz_bitmap.cpp.
#include "core/bitmap/bitmap_fuzz.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "core/bitmap/caller_buffer.h"

namespace ptc {

namespace {

constexpr uint64_t kMaxBytes = BitmapFuzzInput::kMaxBytes;
constexpr uint64_t kMaxBits = kMaxBytes * 8;
// The bits all records of one input may set: one record over a whole 64 KiB bitmap, or several shorter
// ones. (The expected bitmap is filled a byte at a time, so this bounds bytes, not steps of a bit loop.)
constexpr uint64_t kBitBudget = kMaxBits;

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
                               65536, WindowedBitmapWriter::kDefaultWindowBytes, size_t{1} << 30,
                               ~size_t{0}};

size_t decode_window(ByteReader& in) {
  const uint8_t v = in.u8();
  if (v <= 64) return v;
  return kWindows[(v - 65) % (sizeof kWindows / sizeof kWindows[0])];
}

// One record; `prev_end` is the end of the previous one (for ascending runs).
BitmapFuzzRecord decode_record(ByteReader& in, const BitmapGeometry& g, uint64_t nbits, uint64_t prev_end) {
  const uint64_t pg = g.pgsize, base = g.base, length = g.length;
  const uint64_t end = base + length;  // mod 2^64
  BitmapFuzzRecord r;
  switch (in.u8() % 10) {
    case 0: {  // inside the range, a few pages long
      r.iova = base + mod(in.u64(), length);
      r.len = 1 + mod(in.u64(), 4 * pg);
      break;
    }
    case 1: {  // starts before the base: ends before it, at it, or beyond it
      uint64_t back = 1 + mod(in.u64(), 2 * pg);
      r.iova = base - back;
      r.len = mod(in.u64(), back + 2 * pg + 1);
      break;
    }
    case 2: {  // around the end of the range
      uint64_t back = mod(in.u64(), 2 * pg + 1);
      r.iova = end - back;
      r.len = mod(in.u64(), 4 * pg + 1);
      break;
    }
    case 3: {  // huge: the whole address space or nearly (saturates at 2^64)
      r.iova = (in.u8() & 1) ? 0 : base - in.u32();
      r.len = ~uint64_t{0} - in.u32();
      break;
    }
    case 4: {  // near 2^64
      r.iova = 0 - (1 + mod(in.u64(), 4 * pg));
      r.len = (in.u8() & 1) ? 1 + mod(in.u64(), 8 * pg) : ~uint64_t{0} - in.u16();
      break;
    }
    case 5:  // length 0 records nothing
      r.iova = base + mod(in.u64(), length);
      r.len = 0;
      break;
    case 6: {  // the whole range, or one byte less or more
      uint64_t adj = in.u8() % 3;
      r.iova = base;
      r.len = length + adj - 1;
      break;
    }
    case 7: {  // anything
      r.iova = in.u64();
      r.len = in.u64();
      break;
    }
    case 8: {  // whole bitmap pages, give or take a byte
      r.iova = base + mod(in.u64(), nbits) * pg;
      r.len = (1 + uint64_t{in.u16()} % 4096) * pg;
      switch (in.u8() % 4) {
        case 1: r.len -= 1; break;
        case 2: r.len += 1; break;
        case 3: r.iova += 1; break;
        default: break;
      }
      break;
    }
    default: {  // ascending: after the previous record, with a gap of whole pages (and a bit)
      uint64_t gap = uint64_t{in.u16()} % 64 * pg;
      if (in.u8() & 1) gap += mod(in.u32(), pg);
      r.iova = prev_end + gap;
      r.len = 1 + mod(in.u64(), 64 * pg);
      break;
    }
  }
  return r;
}

// The clipped record as bitmap bits [first, last], computed in 128-bit arithmetic, independently of the
// windowed writer's bitmap_math.h and of plain_bitmap_record.
bool clipped_bits(const BitmapGeometry& g, uint64_t iova, uint64_t len, uint64_t* first, uint64_t* last) {
  using u128 = unsigned __int128;
  const u128 top = u128{1} << 64;  // addresses end at 2^64
  if (len == 0 || g.length == 0) return false;
  u128 lo = iova > g.base ? iova : g.base;
  u128 rec_end = u128{iova} + len, range_end = u128{g.base} + g.length;
  u128 hi = rec_end < range_end ? rec_end : range_end;  // exclusive
  if (hi > top) hi = top;
  if (lo >= hi) return false;
  *first = static_cast<uint64_t>((lo - g.base) / g.pgsize);
  *last = static_cast<uint64_t>((hi - 1 - g.base) / g.pgsize);
  return true;
}

// The misalignment byte: as before bit 7 was read, 0..7; with it, the last 128 bytes of a page.
unsigned decode_misalign(uint8_t m) {
  if (!(m & 0x80)) return m % 8;
  return unsigned(CallerBuffer::kPageSize) - 1 - (m & 0x7f);
}

uint64_t splitmix64(uint64_t& s) {
  uint64_t z = (s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// The prefill's bytes: byte i from the (i+1)th splitmix64 output of the seed.
void prefill_bytes(uint8_t density, uint64_t seed, uint8_t* out, uint64_t n) {
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t r = splitmix64(seed);
    uint8_t b = static_cast<uint8_t>(r);
    if (density % 3 == 0) b &= static_cast<uint8_t>(r >> 8) & static_cast<uint8_t>(r >> 16);  // sparse
    else if (density % 3 == 2) b |= static_cast<uint8_t>(r >> 8);                           // dense
    out[i] = b;
  }
}

// Sets bits [first, last] of `bytes` (bit i is byte i/8, bit i%8): a byte at a time.
void set_bits(uint8_t* bytes, uint64_t first, uint64_t last) {
  const uint64_t b0 = first / 8, b1 = last / 8;
  const uint8_t head = static_cast<uint8_t>(0xffu << (first % 8)), tail = static_cast<uint8_t>(0xffu >> (7 - last % 8));
  if (b0 == b1) {
    bytes[b0] |= head & tail;
    return;
  }
  bytes[b0] |= head;
  std::memset(bytes + b0 + 1, 0xff, b1 - b0 - 1);
  bytes[b1] |= tail;
}

constexpr uint8_t kCanary = 0xa5;

// Records of at most this many bits are expected as plain_bitmap_record writes them: the edge cases (at
// the base, the end, 2^64, a page boundary) are short, and a step per bit stays cheap there.
constexpr uint64_t kPlainBits = 16;

std::string describe(const BitmapFuzzInput& in, unsigned written) {
  char where[256];
  std::snprintf(where, sizeof where,
                "(geometry base 0x%" PRIx64 " length 0x%" PRIx64 " pgsize 0x%" PRIx64 " nbytes %" PRIu64
                ", window %zu, misalign %u, %u records)",
                in.g.base, in.g.length, in.g.pgsize, in.g.nbytes(), in.window, in.misalign, written);
  return where;
}

}  // namespace

bool decode_bitmap_fuzz_input(const uint8_t* data, size_t size, BitmapFuzzInput* out, std::string* why) {
  ByteReader in(data, size);
  BitmapFuzzInput& d = *out;
  const uint8_t flags = in.u8();
  d.prefill = flags & 1;
  d.finish_midway = flags & 2;
  d.by_destructor = flags & 4;
  d.via_abi = flags & 8;
  d.g = BitmapGeometry{};
  d.g.pgsize = uint64_t{4096} << (in.u8() % 19);
  d.g.length = decode_length(in, d.g.pgsize);
  d.g.base = decode_base(in, d.g.pgsize, d.g.length);
  d.window = decode_window(in);
  d.misalign = decode_misalign(in.u8());
  char msg[160];
  if (!d.g.valid()) {
    std::snprintf(msg, sizeof msg, "decoder made pgsize 0x%" PRIx64, d.g.pgsize);
    *why = msg;
    return false;
  }
  const uint64_t nbits = d.g.nbits(), nbytes = d.g.nbytes();
  if (nbytes > kMaxBytes) {
    std::snprintf(msg, sizeof msg, "decoder made %" PRIu64 " bytes (> 64 KiB)", nbytes);
    *why = msg;
    return false;
  }
  d.density = 0;
  d.seed = 0;
  if (d.prefill) {
    d.density = in.u8();
    d.seed = in.u64();
  }
  d.nrec = in.u8() % (BitmapFuzzInput::kMaxRecords + 1);
  d.mid = d.finish_midway ? in.u8() % (d.nrec + 1) : d.nrec + 1;

  uint64_t prev_end = d.g.base, bit_budget = kBitBudget;
  for (unsigned i = 0; i < d.nrec; ++i) {
    BitmapFuzzRecord& r = d.records[i];
    r = decode_record(in, d.g, nbits, prev_end);
    prev_end = r.iova + r.len;
    r.touches = clipped_bits(d.g, r.iova, r.len, &r.first, &r.last);
    r.given = true;
    if (!r.touches) continue;
    if (r.last >= nbits) {
      std::snprintf(msg, sizeof msg, "clipped record reaches bit %" PRIu64 " of %" PRIu64, r.last, nbits);
      *why = msg;
      return false;
    }
    // Past the budget, records are decoded but given to no writer.
    if (r.last - r.first + 1 > bit_budget) {
      r.given = false;
      continue;
    }
    bit_budget -= r.last - r.first + 1;
  }
  return true;
}

struct BitmapFuzzRunner::Arena {
  ReusedCallerBuffer caller{kMaxBytes};
  // The expected bitmap (+1: a valid byte also for an empty bitmap); zero outside [dirty_lo, dirty_hi).
  std::unique_ptr<uint8_t[]> want{new uint8_t[kMaxBytes + 1]()};
  uint64_t dirty_lo = 0, dirty_hi = 0;
};

BitmapFuzzRunner::BitmapFuzzRunner() : arena_(new Arena) {}
BitmapFuzzRunner::~BitmapFuzzRunner() = default;

void BitmapFuzzRunner::fail_dirty(uint64_t nbytes) {
  // A run that failed may have written where no record reached (either writer): zero all of it next time.
  arena_->caller.written_anywhere();
  arena_->dirty_lo = 0;
  arena_->dirty_hi = nbytes;
}

const uint8_t* BitmapFuzzRunner::caller_bytes() const { return arena_->caller.data(); }

bool BitmapFuzzRunner::run(const BitmapFuzzInput& in) {
  Arena& a = *arena_;
  const BitmapGeometry& g = in.g;
  const uint64_t nbytes = g.nbytes();
  failure_.clear();

  // The caller's buffer, `misalign` bytes into a page behind canary bytes, zero; the expected bytes, zero.
  uint8_t* const user = a.caller.place(nbytes, in.misalign, kCanary);
  uint8_t* const want = a.want.get();
  if (a.dirty_lo < a.dirty_hi) std::memset(want + a.dirty_lo, 0, a.dirty_hi - a.dirty_lo);
  uint64_t lo = nbytes, hi = 0;  // the bytes this run sets: [lo, hi)
  auto touched = [&](uint64_t b0, uint64_t b1) {
    lo = b0 < lo ? b0 : lo;
    hi = b1 > hi ? b1 : hi;
  };
  if (in.prefill && nbytes > 0) {
    prefill_bytes(in.density, in.seed, want, nbytes);
    std::memcpy(user, want, nbytes);
    touched(0, nbytes);
  }

  uint64_t moves = 0, moves_bound = 0;
  unsigned written = 0;  // records given to the writer
  const uint64_t wbytes = in.window < 8 ? 8 : (in.window & ~size_t{7});
  {
    WindowedBitmapWriter w(g, user, in.window);
    PlainBitmapSink sink{g, want};
    const ptc_dirty wd = as_ptc_dirty(w), pd = as_ptc_dirty(sink);
    if (w.window_bytes() != wbytes) {
      char msg[160];
      std::snprintf(msg, sizeof msg, "window_bytes() %zu for %zu, expected %" PRIu64, w.window_bytes(), in.window,
                    wbytes);
      failure_ = msg;
    }
    for (unsigned i = 0; i < in.nrec && failure_.empty(); ++i) {
      const BitmapFuzzRecord& r = in.records[i];
      if (i == in.mid) w.finish();
      if (!r.given) continue;
      // The expected bits: short records (and those that hold no bit) through the reference writer, which
      // states the meaning a step per bit; longer ones a byte at a time from clipped_bits.
      if (!r.touches || r.last - r.first < kPlainBits) {
        if (in.via_abi)
          pd.record(pd.ctx, r.iova, r.len);
        else
          plain_bitmap_record(g, want, r.iova, r.len);
      } else {
        set_bits(want, r.first, r.last);
      }
      if (r.touches) {
        touched(r.first / 8, r.last / 8 + 1);
        // A record touches at most the windows its bytes span: one per W bytes, +1 for the chunk edges.
        // (Window chunks are aligned in the caller's address space, so the first can be short.)
        const uint64_t span = r.last / 8 - r.first / 8 + 1;
        moves_bound += span / wbytes + 2;
      }
      if (in.via_abi)
        wd.record(wd.ctx, r.iova, r.len);
      else
        w.record(r.iova, r.len);
      ++written;
    }
    if (in.mid == in.nrec) w.finish();  // finish() twice (or a finish() with no window) must be harmless
    if (!in.by_destructor) w.finish();
    moves = w.window_moves();
  }  // the destructor writes back whatever is left
  a.dirty_lo = lo;
  a.dirty_hi = hi;
  a.caller.written(lo, hi);
  if (!failure_.empty()) {
    fail_dirty(nbytes);
    return false;
  }

  char msg[160];
  if (!a.caller.front_intact()) {
    unsigned i = 0;
    while (a.caller.front()[i] == kCanary) ++i;
    std::snprintf(msg, sizeof msg, "wrote byte %d before the caller's buffer: 0x%02x ", int(i) - int(in.misalign),
                  a.caller.front()[i]);
    failure_ = msg;
  } else if (std::memcmp(user, want, nbytes) != 0) {
    // Every byte of the caller's buffer, also those no record reached (a writer may write anywhere in it).
    uint64_t k = 0;
    while (user[k] == want[k]) ++k;
    std::snprintf(msg, sizeof msg, "mismatch at byte %" PRIu64 ": windowed 0x%02x expected 0x%02x ", k, user[k],
                  want[k]);
    failure_ = msg;
  } else if (moves > moves_bound) {
    std::snprintf(msg, sizeof msg, "%" PRIu64 " window moves, at most %" PRIu64 " expected ", moves, moves_bound);
    failure_ = msg;
  }
  if (failure_.empty()) return true;
  failure_ += describe(in, written);
  fail_dirty(nbytes);
  return false;
}

}  // namespace ptc
