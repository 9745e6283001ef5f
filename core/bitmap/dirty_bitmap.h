// The dirty bitmap (SPEC.md section 3, "The dirty bitmap (as Linux's iova_bitmap)").
//
// A bitmap has a base iova, a length in bytes, a bitmap page size (a power of two >= 4096) and a caller's
// byte buffer that may start at any byte address. Bit i covers iova [base + i*pgsize, base + (i+1)*pgsize);
// there are nbits = ceil(length / pgsize) bits in nbytes = ceil(nbits / 8) bytes; bit i is byte i/8,
// bit i%8 (Linux set_bit order on little-endian).
//
// record(iova, len) sets the bit of every bitmap page that [iova, iova+len) touches, after clipping the
// record to [base, base+length): what lies outside is ignored, len 0 records nothing. Addresses do not wrap:
// a record (or a bitmap range) whose end lies beyond 2^64 ends at 2^64. Nothing outside the caller's
// nbytes is ever read or written.
//
// Two writers with the same semantics:
//   plain_bitmap_record   the reference: a plain loop setting one bit at a time, slow on purpose;
//   WindowedBitmapWriter  the optimized writer, modelled on Linux's iova_bitmap (see below).
// The pure bit arithmetic both rely on lives in bitmap_math.h.
#ifndef PTCHECK_CORE_BITMAP_DIRTY_BITMAP_H
#define PTCHECK_CORE_BITMAP_DIRTY_BITMAP_H

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "ptcheck/target.h"

namespace ptc {

struct BitmapGeometry {
  uint64_t base = 0, length = 0, pgsize = 4096;
  // ceil(length / pgsize). Requires valid().
  uint64_t nbits() const;
  // ceil(nbits() / 8): the size of the caller's buffer. Requires valid().
  uint64_t nbytes() const;
  // pgsize is a power of two >= 4096.
  bool valid() const;
  // log2(pgsize). Requires valid().
  unsigned pgshift() const;
};

// The reference writer: obviously correct, a plain loop setting one bit at a time. Slow on purpose.
// Throws std::invalid_argument when !g.valid().
void plain_bitmap_record(const BitmapGeometry& g, uint8_t* bytes, uint64_t iova, uint64_t len);
// The bits plain_bitmap_record(g, ., iova, len) sets: [first, last], inclusive; false when it sets none.
// A checker compares a bitmap against these runs in time proportional to the records, not to the bits.
// Throws std::invalid_argument when !g.valid().
bool plain_bitmap_bits(const BitmapGeometry& g, uint64_t iova, uint64_t len, uint64_t* first, uint64_t* last);

// The optimized writer, modelled on Linux's iova_bitmap.
//
// It reaches the caller's bitmap only through a window: an aligned chunk [k*W, (k+1)*W) of the caller's
// ADDRESS space (W = window size in bytes, as Linux pins whole pages of the user's bitmap), intersected with
// the caller's nbytes. So the first window starts wherever the caller's buffer starts inside its chunk and
// may hold as little as one byte. Inside the window it works word-at-a-time on a local array of 64-bit words
// aligned like the caller's memory (local word m is the caller's 8-aligned address win_ua0 + 8m; the caller's
// misalignment becomes a bit offset, as Linux's pgoff): first/last word masks, whole words with one store
// each. Moving the window (a record outside the current one) writes the window back into the caller's bytes by
// OR-ing (the caller's buffer may already hold bits): whole 8-byte words where they lie inside the caller's
// buffer, single bytes at the buffer's unaligned head and tail; then it "loads" the next window: since
// write-back ORs, loading is positioning plus clearing the local words (the caller's bytes are not read).
// finish() writes back the last window; the destructor calls it. A record after finish() opens a window again.
//
// Records may arrive in any order (usually ascending); a record crossing a window edge is split across
// windows. window_bytes is rounded down to a multiple of 8; below 8 (including 0) it is 8.
class WindowedBitmapWriter {
 public:
  static constexpr size_t kDefaultWindowBytes = 512 * 4096;

  // Throws std::invalid_argument when !g.valid(). user_bytes may be null only when g.nbytes() == 0.
  WindowedBitmapWriter(const BitmapGeometry& g, uint8_t* user_bytes, size_t window_bytes = kDefaultWindowBytes);
  ~WindowedBitmapWriter();
  WindowedBitmapWriter(const WindowedBitmapWriter&) = delete;
  WindowedBitmapWriter& operator=(const WindowedBitmapWriter&) = delete;

  void record(uint64_t iova, uint64_t len);
  // Writes back the current window (if any); the caller's bytes are then complete.
  void finish();
  // How many times a window was loaded (the first load counts): for tests and benchmarks.
  uint64_t window_moves() const { return moves_; }
  // The window size in use (window_bytes after rounding), in bytes.
  size_t window_bytes() const { return static_cast<size_t>(wbytes_); }

 private:
  void load_window(uint64_t byte);  // writes back the current window, then loads the one holding `byte`
  void write_back();
  void set_local_bits(uint64_t first, uint64_t last);  // local bit indexes, inclusive

  BitmapGeometry g_;
  unsigned shift_;
  uint64_t nbits_, nbytes_;
  uint8_t* user_;
  uintptr_t ua_begin_, ua_end_;  // the caller's buffer [ua_begin_, ua_end_) as addresses
  uint64_t wbytes_;              // W
  std::vector<uint64_t> words_;  // the local copy; sized for the largest window this buffer can have
  bool have_window_ = false;
  uintptr_t win_ua0_ = 0;        // caller's (8-aligned) address of local word 0
  uint64_t win_bit0_ = 0;        // bitmap bit index of local bit 0, modulo 2^64 (may be "negative")
  uint64_t win_first_bit_ = 0, win_last_bit_ = 0;  // bitmap bits the window holds, inclusive
  size_t dirty_lo_ = 1, dirty_hi_ = 0;             // local words touched since the load (empty: lo > hi)
  uint64_t moves_ = 0;
};

// A ptc_dirty whose record() calls w.record(). Valid while w lives.
ptc_dirty as_ptc_dirty(WindowedBitmapWriter& w);

// A plain-writer sink, for a ptc_dirty that records through plain_bitmap_record (e.g. the reference model).
struct PlainBitmapSink {
  BitmapGeometry geometry;
  uint8_t* bytes = nullptr;
  void record(uint64_t iova, uint64_t len) { plain_bitmap_record(geometry, bytes, iova, len); }
};
// A ptc_dirty whose record() calls s.record(). Valid while s lives.
ptc_dirty as_ptc_dirty(PlainBitmapSink& s);

// The set bits of a bitmap as runs of bitmap pages: (iova of the first page, byte length), ascending,
// maximal (adjacent set bits merge). A page is whole (pgsize bytes) even where the bitmap's length ends
// inside it; a run whose end would lie beyond 2^64 is cut at 2^64. Used to print a bitmap as the script
// set syntax {ADDR+SIZE, ...}. Throws std::invalid_argument when !g.valid().
std::vector<std::pair<uint64_t, uint64_t>> bitmap_runs(const BitmapGeometry& g, const uint8_t* bytes);

}  // namespace ptc

#endif  // PTCHECK_CORE_BITMAP_DIRTY_BITMAP_H
