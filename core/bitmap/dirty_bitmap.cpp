// The dirty bitmap writers: see dirty_bitmap.h.
#include "core/bitmap/dirty_bitmap.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstring>
#include <stdexcept>
#include <string_view>

#include "core/bitmap/bitmap_math.h"

// Test-only broken builds of the windowed writer, which fuzz_bitmap must catch (core/bitmap/CMakeLists.txt
// builds one per name with PTC_BITMAP_BUG="<name>", fuzz/CMakeLists.txt the fuzz/fuzz_bitmap/finds tests):
//   tail_word_past_end  a whole-word store also where the word runs past the buffer's end (ASan)
//   stores_not_ors      a whole word replaces the caller's bits instead of OR-ing (the prefill)
//   drops_last_word     write-back leaves out the last touched word of a window (a byte mismatch)
//   reloads_each_word   reloads the window for every 64 bits of a record (window_moves past its bound)
// The library itself is built without: kBug is empty and every check below folds away.
#ifndef PTC_BITMAP_BUG
#define PTC_BITMAP_BUG ""
#endif
namespace {
constexpr std::string_view kBug{PTC_BITMAP_BUG};
static_assert(kBug.empty() || kBug == "tail_word_past_end" || kBug == "stores_not_ors" || kBug == "drops_last_word" ||
                  kBug == "reloads_each_word",
              "unknown PTC_BITMAP_BUG");
}  // namespace

namespace ptc {

namespace bm = bitmap_math;

namespace {

void require_valid(const BitmapGeometry& g) {
  if (!g.valid()) throw std::invalid_argument("dirty bitmap: pgsize must be a power of two >= 4096");
}

// The clipped record [lo, hi] (inclusive) of [iova, iova+len) against [base, base+length), both saturated at
// 2^64 - 1. False when nothing remains.
bool clip(const BitmapGeometry& g, uint64_t iova, uint64_t len, uint64_t* lo, uint64_t* hi) {
  if (len == 0 || g.length == 0) return false;
  uint64_t last = bm::saturating_last(iova, len);
  uint64_t range_last = bm::saturating_last(g.base, g.length);
  *lo = std::max(iova, g.base);
  *hi = std::min(last, range_last);
  return *lo <= *hi;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// Geometry

bool BitmapGeometry::valid() const { return pgsize >= 4096 && (pgsize & (pgsize - 1)) == 0; }

unsigned BitmapGeometry::pgshift() const { return static_cast<unsigned>(std::countr_zero(pgsize)); }

uint64_t BitmapGeometry::nbits() const { return bm::pages_covering<uint64_t>(length, pgshift()); }

uint64_t BitmapGeometry::nbytes() const { return nbits() / 8 + (nbits() % 8 != 0); }

// ---------------------------------------------------------------------------------------------------------
// The reference writer

bool plain_bitmap_bits(const BitmapGeometry& g, uint64_t iova, uint64_t len, uint64_t* first, uint64_t* last) {
  require_valid(g);
  // The reference writer does its own arithmetic, in 128 bits, and shares none of the windowed
  // writer's bit math (bitmap_math.h): a shared helper would be a shared bug. Addresses do not wrap:
  // whatever lies at or past 2^64 is outside.
  using u128 = unsigned __int128;
  const u128 top = u128(1) << 64;
  const u128 range_end = std::min<u128>(u128(g.base) + g.length, top);
  const u128 lo = std::max<u128>(iova, g.base);
  const u128 hi = std::min<u128>(std::min<u128>(u128(iova) + len, top), range_end);  // exclusive
  if (len == 0 || lo >= hi) return false;
  const u128 nbits = (u128(g.length) + g.pgsize - 1) / g.pgsize;
  // Bit i covers [base + i*pgsize, base + (i+1)*pgsize): every bit from lo's to (hi-1)'s.
  const u128 f = (lo - g.base) / g.pgsize, l = std::min<u128>((hi - 1 - g.base) / g.pgsize, nbits - 1);
  if (f > l) return false;
  *first = uint64_t(f);
  *last = uint64_t(l);
  return true;
}

void plain_bitmap_record(const BitmapGeometry& g, uint8_t* bytes, uint64_t iova, uint64_t len) {
  uint64_t first = 0, last = 0;
  if (!plain_bitmap_bits(g, iova, len, &first, &last)) return;
  // One bit at a time.
  for (uint64_t i = first;; ++i) {
    bytes[i / 8] = static_cast<uint8_t>(bytes[i / 8] | (1u << unsigned(i % 8)));
    if (i == last) break;
  }
}

// ---------------------------------------------------------------------------------------------------------
// The windowed writer

WindowedBitmapWriter::WindowedBitmapWriter(const BitmapGeometry& g, uint8_t* user_bytes, size_t window_bytes)
    : g_(g), shift_(0), nbits_(0), nbytes_(0), user_(user_bytes) {
  require_valid(g);
  shift_ = g.pgshift();
  nbits_ = g.nbits();
  nbytes_ = g.nbytes();
  if (nbytes_ > 0 && user_bytes == nullptr) throw std::invalid_argument("dirty bitmap: null buffer");
  wbytes_ = std::max<uint64_t>(8, window_bytes & ~uint64_t{7});
  ua_begin_ = reinterpret_cast<uintptr_t>(user_bytes);
  ua_end_ = ua_begin_ + nbytes_;
  // No window holds more words than W/8, nor more than the words spanning the whole buffer.
  uint64_t span_words = (((ua_end_ + 7) & ~uintptr_t{7}) - (ua_begin_ & ~uintptr_t{7})) / 8;
  words_.assign(std::min<uint64_t>(wbytes_ / 8, span_words), 0);
}

WindowedBitmapWriter::~WindowedBitmapWriter() { finish(); }

void WindowedBitmapWriter::finish() {
  if (!have_window_) return;
  write_back();
  have_window_ = false;
}

void WindowedBitmapWriter::record(uint64_t iova, uint64_t len) {
  if (nbits_ == 0) return;
  uint64_t lo, hi;
  if (!clip(g_, iova, len, &lo, &hi)) return;
  uint64_t bit = bm::page_index<uint64_t>(lo, g_.base, shift_);
  uint64_t last = bm::page_index<uint64_t>(hi, g_.base, shift_);
  assert(last < nbits_);
  for (;;) {
    if (!have_window_ || bit < win_first_bit_ || bit > win_last_bit_ || kBug == "reloads_each_word")
      load_window(bm::byte_index(bit));
    uint64_t seg_last = std::min(last, win_last_bit_);
    if constexpr (kBug == "reloads_each_word") seg_last = std::min(seg_last, bit | 63);
    // Local bit = bitmap bit - win_bit0_ (mod 2^64): exact, since the window holds both.
    set_local_bits(bit - win_bit0_, seg_last - win_bit0_);
    if (seg_last == last) break;
    bit = seg_last + 1;  // the rest of the record lies in the next window(s)
  }
}

void WindowedBitmapWriter::load_window(uint64_t byte) {
  finish();
  assert(byte < nbytes_);
  uintptr_t ua = ua_begin_ + byte;
  uintptr_t chunk = ua - ua % wbytes_;  // k*W: the window's chunk of the caller's address space
  uintptr_t start = std::max(chunk, ua_begin_);
  uintptr_t end = chunk + std::min<uint64_t>(wbytes_, ua_end_ - chunk);  // no overflow: ua_end_ > chunk
  win_ua0_ = start & ~uintptr_t{7};  // == chunk except in the first window
  win_bit0_ = (static_cast<uint64_t>(win_ua0_) - static_cast<uint64_t>(ua_begin_)) * 8;  // mod 2^64
  win_first_bit_ = static_cast<uint64_t>(start - ua_begin_) * 8;
  win_last_bit_ = std::min<uint64_t>(static_cast<uint64_t>(end - ua_begin_) * 8 - 1, nbits_ - 1);
  assert((end - win_ua0_ + 7) / 8 <= words_.size());
  have_window_ = true;
  dirty_lo_ = 1;
  dirty_hi_ = 0;
  moves_++;
}

void WindowedBitmapWriter::set_local_bits(uint64_t first, uint64_t last) {
  assert(first <= last);
  size_t wf = static_cast<size_t>(bm::word_index(first));
  size_t wl = static_cast<size_t>(bm::word_index(last));
  assert(wl < words_.size());
  if (wf == wl) {
    words_[wf] |= bm::range_word_mask(first, last);
  } else {
    words_[wf] |= bm::first_word_mask(first);
    std::fill(words_.begin() + static_cast<ptrdiff_t>(wf + 1), words_.begin() + static_cast<ptrdiff_t>(wl),
              ~uint64_t{0});
    words_[wl] |= bm::last_word_mask(last);
  }
  if (dirty_lo_ > dirty_hi_) {
    dirty_lo_ = wf;
    dirty_hi_ = wl;
  } else {
    dirty_lo_ = std::min(dirty_lo_, wf);
    dirty_hi_ = std::max(dirty_hi_, wl);
  }
}

void WindowedBitmapWriter::write_back() {
  if (dirty_lo_ > dirty_hi_) return;
  for (size_t m = dirty_lo_; m <= dirty_hi_ - (kBug == "drops_last_word" && dirty_hi_ > dirty_lo_); m++) {
    uint64_t w = words_[m];
    if (w == 0) continue;
    uintptr_t ua = win_ua0_ + 8 * m;
    if constexpr (std::endian::native == std::endian::little) {
      if (ua >= ua_begin_ && ua_end_ - ua >= (kBug == "tail_word_past_end" ? 1u : 8u)) {
        // A whole aligned word of the caller's buffer: one load, OR, one store. The local word's byte k is
        // bitmap byte (ua - ua_begin_) + k, which on a little-endian host is the byte at ua + k.
        uint8_t* p = user_ + (ua - ua_begin_);
        uint64_t v;
        std::memcpy(&v, p, 8);
        v = kBug == "stores_not_ors" ? w : v | w;
        std::memcpy(p, &v, 8);
        continue;
      }
    }
    // The buffer's unaligned head or tail (or a big-endian host): byte by byte, only inside the buffer.
    for (uint64_t k = 0; k < 8; k++) {
      uintptr_t a = ua + k;
      uint8_t b = static_cast<uint8_t>(bm::byte_of_word(w, k));
      if (b == 0) continue;
      assert(a >= ua_begin_ && a < ua_end_);  // bits are only ever set inside the buffer
      if (a < ua_begin_ || a >= ua_end_) continue;
      user_[a - ua_begin_] |= b;
    }
  }
  std::fill(words_.begin() + static_cast<ptrdiff_t>(dirty_lo_), words_.begin() + static_cast<ptrdiff_t>(dirty_hi_ + 1),
            uint64_t{0});
  dirty_lo_ = 1;
  dirty_hi_ = 0;
}

// ---------------------------------------------------------------------------------------------------------
// Adapters and printing

ptc_dirty as_ptc_dirty(WindowedBitmapWriter& w) {
  ptc_dirty d;
  d.ctx = &w;
  d.record = [](void* ctx, uint64_t iova, uint64_t len) { static_cast<WindowedBitmapWriter*>(ctx)->record(iova, len); };
  return d;
}

ptc_dirty as_ptc_dirty(PlainBitmapSink& s) {
  ptc_dirty d;
  d.ctx = &s;
  d.record = [](void* ctx, uint64_t iova, uint64_t len) { static_cast<PlainBitmapSink*>(ctx)->record(iova, len); };
  return d;
}

std::vector<std::pair<uint64_t, uint64_t>> bitmap_runs(const BitmapGeometry& g, const uint8_t* bytes) {
  require_valid(g);
  std::vector<std::pair<uint64_t, uint64_t>> runs;
  uint64_t nbits = g.nbits();
  // Bits whose page would start at or beyond 2^64 are not addresses: stop before them.
  uint64_t addressable = (~uint64_t{0} - g.base) / g.pgsize + 1;  // pages starting in [base, 2^64)
  nbits = std::min(nbits, addressable);
  auto is_set = [&](uint64_t i) { return (bytes[i / 8] >> (i % 8)) & 1; };
  uint64_t i = 0;
  while (i < nbits) {
    if (bytes[i / 8] == 0) {  // skip empty bytes quickly
      i = (i / 8 + 1) * 8;
      continue;
    }
    if (!is_set(i)) {
      i++;
      continue;
    }
    uint64_t j = i;
    while (j + 1 < nbits && is_set(j + 1)) j++;
    uint64_t start = g.base + i * g.pgsize;
    uint64_t npages = j - i + 1;
    uint64_t room = 0 - start;  // 2^64 - start (start != 0 unless base == 0 and i == 0: then room is 0 == 2^64)
    uint64_t len = npages * g.pgsize;
    if (start != 0 && npages > room / g.pgsize) len = room;  // the run's end lies beyond 2^64
    runs.emplace_back(start, len);
    i = j + 1;
  }
  return runs;
}

}  // namespace ptc
