// Tests of the dirty bitmap (core/bitmap): the bit arithmetic, the plain (reference) writer, the windowed
// writer against it (hand-written edge cases and a seeded randomized differential test), the ptc_dirty
// adapters, bitmap_runs and the caller's buffer (CallerBuffer, ReusedCallerBuffer).
//
// The randomized test prints its seed; set PTCHECK_BITMAP_SEED=<n> to replay one, and
// PTCHECK_BITMAP_ITERS=<n> to run more (or fewer) iterations.
#include <gtest/gtest.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/bitmap/bitmap_math.h"
#include "core/bitmap/caller_buffer.h"
#include "core/bitmap/dirty_bitmap.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PTCHECK_TEST_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define PTCHECK_TEST_ASAN 1
#endif
#ifdef PTCHECK_TEST_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace ptc {
namespace {

constexpr uint64_t K4 = 4096, M2 = 2ull << 20, G1 = 1ull << 30;
constexpr uint64_t kMax = ~uint64_t{0};

struct Rec {
  uint64_t iova, len;
};

std::string hex(uint64_t v) {
  char b[32];
  std::snprintf(b, sizeof b, "0x%" PRIx64, v);
  return b;
}

std::string describe(const BitmapGeometry& g, size_t window, size_t mis, const std::vector<Rec>& recs) {
  std::ostringstream o;
  o << "geometry{base=" << hex(g.base) << " length=" << hex(g.length) << " pgsize=" << hex(g.pgsize)
    << "} nbits=" << g.nbits() << " window=" << window << " misalignment=" << mis << " records[" << recs.size()
    << "]={";
  for (size_t i = 0; i < recs.size(); i++) o << (i ? ", " : "") << hex(recs[i].iova) << "+" << hex(recs[i].len);
  o << "}";
  return o.str();
}

// The caller's buffer: nbytes at a chosen misalignment, between guard bytes that must stay untouched.
class GuardedBuffer {
 public:
  static constexpr size_t kGuard = 64;
  static constexpr uint8_t kGuardByte = 0xA5;
  GuardedBuffer(size_t nbytes, size_t misalignment)
      : n_(nbytes), storage_(new uint64_t[(kGuard * 2 + 16 + nbytes + 7) / 8]),
        raw_(reinterpret_cast<uint8_t*>(storage_.get())), total_((kGuard * 2 + 16 + nbytes + 7) / 8 * 8),
        off_(kGuard + misalignment % 16) {
    std::memset(raw_, kGuardByte, total_);
    std::memset(raw_ + off_, 0, n_);
  }
  uint8_t* data() { return raw_ + off_; }
  const uint8_t* data() const { return raw_ + off_; }
  size_t size() const { return n_; }
  bool guards_intact() const {
    for (size_t i = 0; i < total_; i++)
      if ((i < off_ || i >= off_ + n_) && raw_[i] != kGuardByte) return false;
    return true;
  }

 private:
  size_t n_;
  std::unique_ptr<uint64_t[]> storage_;  // 8-aligned storage, so `misalignment` is the buffer's address mod 8
  uint8_t* raw_;
  size_t total_, off_;
};

std::vector<uint8_t> plain_result(const BitmapGeometry& g, const std::vector<Rec>& recs,
                                  const std::vector<uint8_t>& prefill = {}) {
  std::vector<uint8_t> b(g.nbytes(), 0);
  if (!prefill.empty()) b = prefill;
  for (const Rec& r : recs) plain_bitmap_record(g, b.data(), r.iova, r.len);
  return b;
}

// Where the caller's buffer lies: `mis % 16` bytes into 8-aligned storage between guard bytes, or `mis` bytes
// past a page boundary in an allocation that ends where the buffer ends (CallerBuffer, as the runner places
// it: the writer's windows are chunks of the address space, so the page boundary is a window edge).
enum class Placement { Guarded, InPage };

// Runs the windowed writer into the caller's buffer; checks it against the plain writer and the bytes around.
::testing::AssertionResult windowed_matches(const BitmapGeometry& g, const std::vector<Rec>& recs, size_t window,
                                            size_t mis, const std::vector<uint8_t>& prefill = {},
                                            uint64_t* moves = nullptr, Placement placement = Placement::Guarded) {
  std::vector<uint8_t> want = plain_result(g, recs, prefill);
  const bool in_page = placement == Placement::InPage;
  GuardedBuffer guarded(in_page ? 0 : g.nbytes(), mis);
  std::optional<CallerBuffer> page;
  if (in_page) page.emplace(g.nbytes(), mis, GuardedBuffer::kGuardByte);
  uint8_t* data = in_page ? page->data() : guarded.data();
  if (!prefill.empty()) std::memcpy(data, prefill.data(), prefill.size());
  {
    WindowedBitmapWriter w(g, data, window);
    for (const Rec& r : recs) w.record(r.iova, r.len);
    w.finish();
    if (moves) *moves = w.window_moves();
  }
  if (!(in_page ? page->front_intact() : guarded.guards_intact()))
    return ::testing::AssertionFailure() << "bytes outside the caller's buffer written: "
                                         << describe(g, window, mis, recs);
  std::vector<uint8_t> got(data, data + g.nbytes());
  if (got != want) {
    size_t i = 0;
    while (got[i] == want[i]) i++;
    return ::testing::AssertionFailure() << "byte " << i << ": windowed " << hex(got[i]) << " plain "
                                         << hex(want[i]) << ": " << describe(g, window, mis, recs);
  }
  return ::testing::AssertionSuccess();
}

const size_t kWindows[] = {0, 1, 7, 8, 16, 24, 40, 64, 4096, WindowedBitmapWriter::kDefaultWindowBytes};

// Every window size and misalignment 0..7.
void check_all(const BitmapGeometry& g, const std::vector<Rec>& recs) {
  for (size_t window : kWindows)
    for (size_t mis = 0; mis < 8; mis++) EXPECT_TRUE(windowed_matches(g, recs, window, mis));
}

std::vector<uint64_t> set_bits(const BitmapGeometry& g, const std::vector<uint8_t>& b) {
  std::vector<uint64_t> out;
  for (uint64_t i = 0; i < g.nbits() && i / 8 < b.size(); i++)
    if ((b[i / 8] >> (i % 8)) & 1) out.push_back(i);
  return out;
}

using Runs = std::vector<std::pair<uint64_t, uint64_t>>;

// ---------------------------------------------------------------------------------------------------------
// bitmap_math

// A stand-in for a symbolic bit-vector type: 64-bit, only the operators bitmap_math.h may use, no conversion
// to bool or integers, no construction from integers. If a template branched on or converted a T, this would
// not compile.
class Sym {
 public:
  static Sym of(uint64_t v) { return Sym(v); }
  uint64_t value() const { return v_; }
  friend Sym operator+(Sym a, Sym b) { return Sym(a.v_ + b.v_); }
  friend Sym operator-(Sym a, Sym b) { return Sym(a.v_ - b.v_); }
  friend Sym operator&(Sym a, Sym b) { return Sym(a.v_ & b.v_); }
  friend Sym operator|(Sym a, Sym b) { return Sym(a.v_ | b.v_); }
  friend Sym operator^(Sym a, Sym b) { return Sym(a.v_ ^ b.v_); }
  friend Sym operator<<(Sym a, Sym b) { return Sym(b.v_ < 64 ? a.v_ << b.v_ : 0); }  // as bvshl
  friend Sym operator>>(Sym a, Sym b) { return Sym(b.v_ < 64 ? a.v_ >> b.v_ : 0); }  // as bvlshr
  Sym operator~() const { return Sym(~v_); }
  // T op int, as z3's mixed operators (the literal becomes a numeral of T's sort).
  friend Sym operator-(Sym a, int b) { return a - lit(b); }
  friend Sym operator&(Sym a, int b) { return a & lit(b); }
  friend Sym operator|(Sym a, int b) { return a | lit(b); }
  friend Sym operator<<(Sym a, int b) { return a << lit(b); }
  friend Sym operator>>(Sym a, int b) { return a >> lit(b); }

 private:
  explicit Sym(uint64_t v) : v_(v) {}
  static Sym lit(int b) { return Sym(static_cast<uint64_t>(static_cast<int64_t>(b))); }
  uint64_t v_;
};

uint64_t ref_mask(unsigned lo, unsigned hi) {  // bits lo..hi inclusive, one at a time
  uint64_t m = 0;
  for (unsigned j = lo; j <= hi; j++) m |= uint64_t{1} << j;
  return m;
}

TEST(BitmapMath, ConstexprValues) {
  namespace bm = bitmap_math;
  static_assert(bm::first_word_mask<uint64_t>(0) == kMax);
  static_assert(bm::first_word_mask<uint64_t>(63) == uint64_t{1} << 63);
  static_assert(bm::first_word_mask<uint64_t>(64) == kMax);
  static_assert(bm::last_word_mask<uint64_t>(0) == 1);
  static_assert(bm::last_word_mask<uint64_t>(63) == kMax);
  static_assert(bm::last_word_mask<uint64_t>(65) == 3);
  static_assert(bm::range_word_mask<uint64_t>(3, 5) == 0x38);
  static_assert(bm::page_index<uint64_t>(0x5000, 0x1000, 12) == 4);
  static_assert(bm::byte_of_word<uint64_t>(0x1122334455667788, 0) == 0x88);
  static_assert(bm::byte_of_word<uint64_t>(0x1122334455667788, 7) == 0x11);
  static_assert(bm::saturating_last<uint64_t>(kMax, 1) == kMax);
  static_assert(bm::saturating_last<uint64_t>(kMax, 2) == kMax);
  static_assert(bm::saturating_last<uint64_t>(1, kMax) == kMax);
  static_assert(bm::saturating_last<uint64_t>(0, kMax) == kMax - 1);
  static_assert(bm::saturating_last<uint64_t>(0x1000, 0x1000) == 0x1fff);
  static_assert(bm::pages_covering<uint64_t>(0, 12) == 0);
  static_assert(bm::pages_covering<uint64_t>(1, 12) == 1);
  static_assert(bm::pages_covering<uint64_t>(4096, 12) == 1);
  static_assert(bm::pages_covering<uint64_t>(4097, 12) == 2);
  static_assert(bm::pages_covering<uint64_t>(kMax, 12) == uint64_t{1} << 52);
  static_assert(bm::pages_covering<uint64_t>(kMax, 63) == 2);
}

TEST(BitmapMath, MasksMatchReferenceExhaustively) {
  namespace bm = bitmap_math;
  for (uint64_t hi_word = 0; hi_word < 4; hi_word++) {
    for (unsigned b = 0; b < 64; b++) {
      uint64_t bit = hi_word * 64 + b;
      EXPECT_EQ(bm::first_word_mask(bit), ref_mask(b, 63)) << bit;
      EXPECT_EQ(bm::last_word_mask(bit), ref_mask(0, b)) << bit;
      EXPECT_EQ(bm::bit_in_word_mask(bit), uint64_t{1} << b);
      EXPECT_EQ(bm::bit_in_byte_mask(bit), uint64_t{1} << (b % 8));
      EXPECT_EQ(bm::word_index(bit), bit / 64);
      EXPECT_EQ(bm::byte_index(bit), bit / 8);
      EXPECT_EQ(bm::bit_in_word(bit), bit % 64);
      for (unsigned e = b; e < 64; e++) EXPECT_EQ(bm::range_word_mask(bit, hi_word * 64 + e), ref_mask(b, e));
    }
  }
}

TEST(BitmapMath, ArithmeticMatchesWideReference) {
  namespace bm = bitmap_math;
  std::mt19937_64 rng(12345);
  const uint64_t specials[] = {0, 1, 2, 4095, 4096, 4097, (1ull << 63) - 1, 1ull << 63, (1ull << 63) + 1,
                               kMax - 4096, kMax - 1, kMax};
  auto pick = [&](unsigned i) { return i < std::size(specials) ? specials[i] : rng() >> (rng() % 64); };
  for (unsigned i = 0; i < 4000; i++) {
    uint64_t a = pick(i % 40), l = pick((i / 40) % 40);
    unsigned __int128 sum = static_cast<unsigned __int128>(a) + l;
    EXPECT_EQ(bm::add_carry(a, l), static_cast<uint64_t>(sum >> 64));
    if (l != 0) {
      unsigned __int128 last = sum - 1;
      uint64_t want = last > kMax ? kMax : static_cast<uint64_t>(last);
      EXPECT_EQ(bm::saturating_last(a, l), want) << hex(a) << "+" << hex(l);
    }
    for (uint64_t s : {12u, 13u, 21u, 30u, 39u, 63u}) {
      uint64_t pg = uint64_t{1} << s;
      EXPECT_EQ(bm::pages_covering(a, s), a / pg + (a % pg != 0));
      if (a >= l) {
        EXPECT_EQ(bm::page_index(a, l, s), (a - l) / pg);
      }
    }
  }
}

// The templates instantiate with a type that offers only the allowed operators, and compute the same values.
TEST(BitmapMath, GenericOverSymbolicLikeType) {
  namespace bm = bitmap_math;
  std::mt19937_64 rng(777);
  for (int i = 0; i < 2000; i++) {
    uint64_t a = rng() >> (rng() % 64), b = rng() >> (rng() % 64), s = 12 + rng() % 20;
    Sym A = Sym::of(a), B = Sym::of(b), S = Sym::of(s);
    EXPECT_EQ(bm::first_word_mask(A).value(), bm::first_word_mask(a));
    EXPECT_EQ(bm::last_word_mask(A).value(), bm::last_word_mask(a));
    EXPECT_EQ(bm::range_word_mask(A, B).value(), bm::range_word_mask(a, b));
    EXPECT_EQ(bm::page_index(A, B, S).value(), bm::page_index(a, b, s));
    EXPECT_EQ(bm::word_index(A).value(), bm::word_index(a));
    EXPECT_EQ(bm::bit_in_word(A).value(), bm::bit_in_word(a));
    EXPECT_EQ(bm::byte_index(A).value(), bm::byte_index(a));
    EXPECT_EQ(bm::bit_in_byte_mask(A).value(), bm::bit_in_byte_mask(a));
    EXPECT_EQ(bm::bit_in_word_mask(A).value(), bm::bit_in_word_mask(a));
    EXPECT_EQ(bm::byte_of_word(A, B).value(), bm::byte_of_word(a, b));
    EXPECT_EQ(bm::add_carry(A, B).value(), bm::add_carry(a, b));
    EXPECT_EQ(bm::saturating_last(A, B).value(), bm::saturating_last(a, b));
    EXPECT_EQ(bm::pages_covering(A, S).value(), bm::pages_covering(a, s));
  }
}

// ---------------------------------------------------------------------------------------------------------
// Geometry and the plain writer

TEST(BitmapGeometryTest, SizesAndValidity) {
  BitmapGeometry g;
  EXPECT_TRUE(g.valid());
  EXPECT_EQ(g.nbits(), 0u);
  EXPECT_EQ(g.nbytes(), 0u);
  g.length = 1;
  EXPECT_EQ(g.nbits(), 1u);
  EXPECT_EQ(g.nbytes(), 1u);
  g.length = 8 * K4;
  EXPECT_EQ(g.nbits(), 8u);
  EXPECT_EQ(g.nbytes(), 1u);
  g.length = 8 * K4 + 1;
  EXPECT_EQ(g.nbits(), 9u);
  EXPECT_EQ(g.nbytes(), 2u);
  g.length = kMax;
  EXPECT_EQ(g.nbits(), uint64_t{1} << 52);
  EXPECT_EQ(g.nbytes(), uint64_t{1} << 49);
  g.pgsize = G1;
  g.length = 3 * G1 - 1;
  EXPECT_EQ(g.pgshift(), 30u);
  EXPECT_EQ(g.nbits(), 3u);
  for (uint64_t bad : {uint64_t{0}, uint64_t{1}, uint64_t{2048}, uint64_t{4095}, uint64_t{4097}, 3 * K4}) {
    BitmapGeometry b{0, K4, bad};
    EXPECT_FALSE(b.valid()) << bad;
    uint8_t byte = 0;
    EXPECT_THROW(plain_bitmap_record(b, &byte, 0, 1), std::invalid_argument);
    EXPECT_THROW(WindowedBitmapWriter(b, &byte), std::invalid_argument);
    EXPECT_THROW(bitmap_runs(b, &byte), std::invalid_argument);
  }
}

TEST(PlainWriter, BitOrderIsLinuxSetBitLittleEndian) {
  BitmapGeometry g{0x100000, 64 * K4, K4};
  std::vector<uint8_t> b(g.nbytes());
  plain_bitmap_record(g, b.data(), 0x100000 + 9 * K4, 1);  // bit 9: byte 1, bit 1
  EXPECT_EQ(b, (std::vector<uint8_t>{0, 0x02, 0, 0, 0, 0, 0, 0}));
  plain_bitmap_record(g, b.data(), 0x100000 + 63 * K4 + 100, 5);  // bit 63: byte 7, bit 7
  plain_bitmap_record(g, b.data(), 0x100000, 0);                  // len 0: nothing
  EXPECT_EQ(b, (std::vector<uint8_t>{0, 0x02, 0, 0, 0, 0, 0, 0x80}));
  plain_bitmap_record(g, b.data(), 0x100000 + K4 - 1, 2);  // one byte each side of a page edge: bits 0, 1
  EXPECT_EQ(b[0], 0x03);
}

TEST(PlainWriter, ClipsAndHandlesUnalignedBaseAndLength) {
  // base not aligned to pgsize: bit i covers [base + i*4K, base + (i+1)*4K).
  BitmapGeometry g{0x10000800, 3 * K4 + 1, K4};  // 4 bits; the range ends 1 byte into bit 3's page
  ASSERT_EQ(g.nbits(), 4u);
  std::vector<uint8_t> b(1);
  plain_bitmap_record(g, b.data(), 0x10001000, 1);  // inside bit 0's page [..0800, ..1800)
  EXPECT_EQ(b[0], 0x01);
  plain_bitmap_record(g, b.data(), 0x10001800, 1);  // bit 1
  EXPECT_EQ(b[0], 0x03);
  plain_bitmap_record(g, b.data(), 0, 0x10000800);  // wholly below
  plain_bitmap_record(g, b.data(), 0x10003801, K4);  // wholly above: past base+length, though in bit 3's page
  EXPECT_EQ(b[0], 0x03);
  plain_bitmap_record(g, b.data(), 0x10003800, 1);  // the last byte of the range: bit 3
  EXPECT_EQ(b[0], 0x0b);
  b[0] = 0;
  plain_bitmap_record(g, b.data(), 0, kMax);  // covers everything: all 4 bits, nothing more
  EXPECT_EQ(b[0], 0x0f);
}

// ---------------------------------------------------------------------------------------------------------
// The windowed writer: hand-written cases

TEST(WindowedWriter, HugeLeafAt4KGranularity) {
  // A 1G block recorded into a 4K-granular bitmap: 2^18 bits, 32 KiB of bitmap.
  BitmapGeometry g{0x40000000, 4 * G1, K4};
  std::vector<Rec> recs{{0x40000000 + G1, G1}};
  for (size_t window : {size_t{8}, size_t{16}, size_t{4096}, WindowedBitmapWriter::kDefaultWindowBytes})
    for (size_t mis : {0, 1, 5, 7}) EXPECT_TRUE(windowed_matches(g, recs, window, mis));
  std::vector<uint8_t> b = plain_result(g, recs);
  EXPECT_EQ(bitmap_runs(g, b.data()), (Runs{{0x40000000 + G1, G1}}));
  // A 2M block too, half outside the range on either side.
  BitmapGeometry g2{0x200000 + M2 / 2, 4 * M2, K4};
  check_all(g2, {{0x200000, M2}, {0x200000 + 4 * M2, M2}});
}

TEST(WindowedWriter, RecordsCrossingWindowEdges) {
  BitmapGeometry g{0, 1024 * K4, K4};  // 128 bytes of bitmap
  // With an 8-byte window on an aligned buffer every 64 bits is a window edge.
  uint64_t moves = 0;
  EXPECT_TRUE(windowed_matches(g, {{60 * K4, 10 * K4}}, 8, 0, {}, &moves));
  EXPECT_EQ(moves, 2u);
  EXPECT_TRUE(windowed_matches(g, {{63 * K4, 2 * K4}}, 8, 0, {}, &moves));  // the last bit and the first bit
  EXPECT_EQ(moves, 2u);
  EXPECT_TRUE(windowed_matches(g, {{0, 1024 * K4}}, 8, 0, {}, &moves));  // every window
  EXPECT_EQ(moves, 16u);
  EXPECT_TRUE(windowed_matches(g, {{0, 1024 * K4}}, 8, 3, {}, &moves));  // unaligned: a partial window each end
  EXPECT_EQ(moves, 17u);
  EXPECT_TRUE(windowed_matches(g, {{K4, K4}, {2 * K4, K4}, {30 * K4, 3 * K4}}, 8, 0, {}, &moves));  // ascending
  EXPECT_EQ(moves, 1u);
  // Records ending exactly at, and starting exactly at, each edge; and each crossing by one bit.
  std::vector<Rec> recs;
  for (uint64_t e = 64; e < 1024; e += 64) {
    recs.push_back({(e - 1) * K4, K4});
    recs.push_back({e * K4, K4 / 2});
    recs.push_back({(e - 1) * K4 + K4 - 1, 2});
  }
  check_all(g, recs);
  check_all(g, {{5 * K4, 1000 * K4}});
}

TEST(WindowedWriter, BitmapsShorterThanOneWord) {
  for (uint64_t nbits = 1; nbits < 64; nbits++) {
    BitmapGeometry g{0x7000000, nbits * K4, K4};
    check_all(g, {{0x7000000, nbits * K4}});
    check_all(g, {{0x7000000 + (nbits - 1) * K4, 1}});
    check_all(g, {{0, kMax}});
    check_all(g, {{0x7000000 + (nbits / 2) * K4, K4}});
  }
}

TEST(WindowedWriter, EachMisalignmentOfTheCallersStart) {
  BitmapGeometry g{0, 200 * K4, K4};  // 25 bytes
  for (size_t mis = 0; mis < 8; mis++) {
    for (size_t window : kWindows) {
      for (uint64_t first = 0; first < 200; first += 7) {
        for (uint64_t n : {1u, 2u, 8u, 9u, 63u, 64u, 65u, 130u}) {
          EXPECT_TRUE(windowed_matches(g, {{first * K4, n * K4}}, window, mis));
        }
      }
    }
  }
}

TEST(WindowedWriter, ExactAllocationAtEachMisalignment) {
  // The buffer ends exactly at the end of a heap allocation, so under ASan any access past the caller's
  // nbytes is caught (not just writes, as the guard bytes do).
  for (uint64_t nbits : {1u, 7u, 8u, 9u, 63u, 64u, 65u, 100u, 1000u}) {
    BitmapGeometry g{0, nbits * K4, K4};
    size_t nbytes = g.nbytes();
    for (size_t mis : {0u, 1u, 2u, 3u, 4u, 5u, 6u, 7u, 0xff1u, 0xff8u, 0xfffu}) {
      for (size_t window : kWindows) {
        CallerBuffer buf(nbytes, mis);
        {
          WindowedBitmapWriter w(g, buf.data(), window);
          w.record(0, kMax);
        }
        std::vector<uint8_t> want = plain_result(g, {{0, kMax}});
        EXPECT_EQ(std::vector<uint8_t>(buf.data(), buf.data() + nbytes), want) << nbits << " " << mis << " " << window;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// The caller's buffer in its page (SPEC 7 misalign=N), and the windowed writer across page boundaries

// Distances from a page boundary: iommufd's 0xff1, the last bytes and words of a page, its middle, its start.
const size_t kPageMisaligns[] = {0, 1, 7, 8, 0x7ff, 0x801, 0xfe8, 0xff0, 0xff1, 0xff7, 0xff8, 0xff9, 0xffe, 0xfff};

TEST(CallerBufferTest, StartsMisalignBytesPastAPageBoundary) {
  for (size_t mis : kPageMisaligns) {
    for (size_t n : {size_t{0}, size_t{1}, size_t{15}, size_t{16}, size_t{4096}, size_t{5000}}) {
      CallerBuffer b(n, mis, 0x5a);
      EXPECT_EQ(reinterpret_cast<uintptr_t>(b.data()) % CallerBuffer::kPageSize, mis) << n;
      EXPECT_EQ(b.front() + mis, b.data());
      EXPECT_EQ(b.size(), n);
      EXPECT_EQ(b.misalign(), mis);
      EXPECT_EQ(std::vector<uint8_t>(b.data(), b.data() + n), std::vector<uint8_t>(n, 0));
      EXPECT_TRUE(b.front_intact());
      if (n) b.data()[n - 1] = 0xff;  // the caller's own bytes are not the front
      EXPECT_TRUE(b.front_intact());
    }
  }
  CallerBuffer b(8, 0xff1, 0x5a);
  b.data()[-1] = 0;
  EXPECT_FALSE(b.front_intact());
  EXPECT_THROW(CallerBuffer(8, CallerBuffer::kPageSize), std::invalid_argument);
}

#ifdef PTCHECK_TEST_ASAN
TEST(CallerBufferTest, EndsWhereTheCallersBytesEnd) {
  // Nothing lies after the caller's last byte: a writer stepping past it is an ASan report.
  for (size_t mis : kPageMisaligns) {
    for (size_t n : {size_t{1}, size_t{15}, size_t{17}, size_t{4096}}) {
      CallerBuffer b(n, mis);
      EXPECT_FALSE(__asan_address_is_poisoned(b.data() + n - 1)) << mis << " " << n;
      EXPECT_TRUE(__asan_address_is_poisoned(b.data() + n)) << mis << " " << n;
    }
  }
}
#endif

TEST(ReusedCallerBufferTest, EachPlacementIsACallerBufferOfItsOwn) {
  ReusedCallerBuffer b(5000);
  // Every placement after another one that filled its front and wrote (and declared) all its bytes.
  for (size_t mis : kPageMisaligns) {
    for (size_t n : {size_t{0}, size_t{1}, size_t{15}, size_t{16}, size_t{4096}, size_t{5000}}) {
      uint8_t* p = b.place(n, mis, 0x5a);
      EXPECT_EQ(p, b.data());
      EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % CallerBuffer::kPageSize, mis) << n;
      EXPECT_EQ(b.front() + mis, p);
      EXPECT_EQ(b.size(), n);
      EXPECT_EQ(std::vector<uint8_t>(p, p + n), std::vector<uint8_t>(n, 0)) << mis << " " << n;
      EXPECT_TRUE(b.front_intact());
      if (mis) {
        b.data()[-1] = 0;
        EXPECT_FALSE(b.front_intact());
        b.data()[-1] = 0x5a;
      }
      std::memset(p, 0xff, n);
      b.written(0, n);
    }
  }
  // The front of a placement far into its page lies in the caller's bytes of the next one.
  b.place(16, 0xfff, 0x5a);
  uint8_t* p = b.place(5000, 0, 0);
  EXPECT_EQ(std::vector<uint8_t>(p, p + 5000), std::vector<uint8_t>(5000, 0));
  // Only the declared bytes come back to zero: a run pays for what it wrote, not for the whole buffer.
  p[100] = p[4999] = 1;
  b.written(100, 101);
  p = b.place(5000, 0, 0);
  EXPECT_EQ(p[100], 0);
  EXPECT_EQ(p[4999], 1);
  b.written_anywhere();
  p = b.place(5000, 0, 0);
  EXPECT_EQ(p[4999], 0);
  EXPECT_THROW(b.place(8, CallerBuffer::kPageSize, 0), std::invalid_argument);
  EXPECT_THROW(b.place(5001, 0, 0), std::invalid_argument);
}

#ifdef PTCHECK_TEST_ASAN
TEST(ReusedCallerBufferTest, EndsWhereTheCallersBytesEnd) {
  // As CallerBuffer: nothing after the caller's last byte is addressable, however long the placement before.
  ReusedCallerBuffer b(5000);
  for (size_t mis : kPageMisaligns) {
    for (size_t n : {size_t{5000}, size_t{1}, size_t{15}, size_t{17}, size_t{4096}}) {
      uint8_t* p = b.place(n, mis, 0);
      EXPECT_FALSE(__asan_address_is_poisoned(b.front())) << mis << " " << n;
      EXPECT_FALSE(__asan_address_is_poisoned(p + n - 1)) << mis << " " << n;
      EXPECT_TRUE(__asan_address_is_poisoned(p + n)) << mis << " " << n;
      EXPECT_TRUE(__asan_address_is_poisoned(b.front() + CallerBuffer::kPageSize + 4999)) << mis << " " << n;
    }
  }
  uint8_t* p = b.place(0, 0xff1, 0);
  EXPECT_TRUE(__asan_address_is_poisoned(p));
}
#endif

TEST(WindowedWriter, PageWindowAtIommufdMisalignment) {
  // misalign 0xff1: bytes 0..14 of the bitmap lie before the page boundary, byte 15 after it. A 4 KiB
  // window is a page of the caller's address space, so the first holds 15 bytes (bits 0..119).
  const uint64_t base = 0x40000000;
  BitmapGeometry g{base, 512 * K4, K4};  // 64 bytes: 15 in the first page, 49 in the next
  struct Case {
    Rec rec;
    uint64_t moves;
  } cases[] = {
      {{base, 120 * K4}, 1},             // bits 0..119: all in the first page
      {{base + 119 * K4, 2 * K4}, 2},    // bits 119, 120: the last bit before the boundary and the first after
      {{base + 119 * K4 + K4 - 1, 2}, 2},  // two bytes of iova, one each side of the page boundary
      {{base + 120 * K4, K4}, 1},        // bit 120 alone: only the second page
      {{base, 121 * K4}, 2},
      {{base, 512 * K4}, 2},             // everything
      {{0, kMax}, 2},
  };
  for (const Case& c : cases) {
    uint64_t moves = 0;
    EXPECT_TRUE(windowed_matches(g, {c.rec}, 4096, 0xff1, {}, &moves, Placement::InPage));
    EXPECT_EQ(moves, c.moves) << hex(c.rec.iova) << "+" << hex(c.rec.len);
  }
  // A bitmap longer than a page: 15 bytes, a whole page, 5 bytes: three windows, two page boundaries.
  BitmapGeometry h{base, (15 + 4096 + 5) * 8 * K4, K4};
  uint64_t moves = 0;
  EXPECT_TRUE(windowed_matches(h, {{0, kMax}}, 4096, 0xff1, {}, &moves, Placement::InPage));
  EXPECT_EQ(moves, 3u);
  const uint64_t second_boundary_bit = (15 + 4096) * 8;
  EXPECT_TRUE(windowed_matches(h, {{base + (second_boundary_bit - 1) * K4, 2 * K4}}, 4096, 0xff1, {}, &moves,
                               Placement::InPage));
  EXPECT_EQ(moves, 2u);
  // A 1G leaf at 4K granularity and a page each side: bytes 32767..65536 of the bitmap, which lie at
  // 0xff1 + byte in the caller's pages 8..16: nine windows.
  BitmapGeometry huge{base, 4 * G1, K4};
  EXPECT_TRUE(windowed_matches(huge, {{base + G1 - K4, G1 + 2 * K4}}, 4096, 0xff1, {}, &moves, Placement::InPage));
  EXPECT_EQ(moves, 9u);
}

TEST(WindowedWriter, RecordsAcrossPageBoundariesAtEachWindow) {
  // Windows smaller than a page (the runner's 16 bytes), a page, larger ones, and ones that are not powers of
  // two; records ending at, starting at and crossing the caller's page boundary.
  const size_t windows[] = {8, 16, 24, 64, 1000, 2048, 4096, 4104, 8192, WindowedBitmapWriter::kDefaultWindowBytes};
  for (size_t mis : kPageMisaligns) {
    const uint64_t boundary_byte = (CallerBuffer::kPageSize - mis) % CallerBuffer::kPageSize;  // first byte after
    const uint64_t edge = boundary_byte * 8;  // the first bit in the next page
    for (uint64_t extra : {uint64_t{1}, uint64_t{9}, uint64_t{300}}) {
      BitmapGeometry g{0x80000000, (edge + extra * 8) * K4 - 0x800, K4};
      std::vector<std::vector<Rec>> record_sets{
          {{0, kMax}},
          {{g.base + edge * K4, K4}},
          {{g.base + (edge ? edge - 1 : 0) * K4, 2 * K4}},
          {{g.base + (edge >= 70 ? edge - 70 : 0) * K4, 140 * K4}},
          {{g.base + (edge >= 64 ? edge - 64 : 0) * K4, 64 * K4}, {g.base + edge * K4 + 1, 64 * K4}},
          {{g.base + edge * K4 - 1, 2}, {g.base, K4}, {g.base + g.length - 1, 1}},
      };
      for (size_t window : windows)
        for (const auto& recs : record_sets)
          EXPECT_TRUE(windowed_matches(g, recs, window, mis, {}, nullptr, Placement::InPage)) << mis;
    }
  }
}

TEST(WindowedWriter, PageSizes4K2M1G) {
  for (uint64_t pg : {K4, M2, G1}) {
    BitmapGeometry g{16 * G1, 300 * pg, pg};
    check_all(g, {{16 * G1, 1}, {16 * G1 + 64 * pg - 1, 2}, {16 * G1 + 100 * pg + 5, 77 * pg}});
    check_all(g, {{16 * G1 + 5 * pg, G1}});  // a 1G leaf: 1 page at 1G, 512 at 2M, 2^18 (clipped) at 4K
    check_all(g, {{16 * G1 + 299 * pg, 2 * pg}, {0, 16 * G1 + 1}});
  }
}

TEST(WindowedWriter, BaseNotAlignedToPgsize) {
  for (uint64_t pg : {K4, M2}) {
    BitmapGeometry g{0x123456789000 + 0x800, 100 * pg + 0x123, pg};
    check_all(g, {{0x123456789000, pg}, {g.base + 10 * pg - 1, 2}, {g.base + 50 * pg + 0x7ff, 20 * pg}});
    check_all(g, {{g.base + 100 * pg, pg}});  // the last, partial page
    check_all(g, {{g.base + 100 * pg + 0x123, pg}});  // just past base+length: nothing
  }
}

TEST(WindowedWriter, RecordsOutsideTheRange) {
  BitmapGeometry g{0x100000, 130 * K4, K4};
  std::vector<Rec> recs{{0, 0x100000}, {0x100000 + 130 * K4, K4}, {kMax, 1}, {0, 0}, {0x100000, 0}};
  check_all(g, recs);
  std::vector<uint8_t> b = plain_result(g, recs);
  EXPECT_TRUE(set_bits(g, b).empty());
  check_all(g, {{0xff000, 2 * K4}, {0x100000 + 129 * K4 + 1, 10 * K4}});  // straddling each end
}

TEST(WindowedWriter, LengthNotAMultipleOfPgsize) {
  for (uint64_t extra : {1u, 100u, 4095u}) {
    BitmapGeometry g{0, 70 * K4 + extra, K4};  // 71 bits
    ASSERT_EQ(g.nbits(), 71u);
    check_all(g, {{70 * K4, K4}});
    check_all(g, {{70 * K4 + extra, K4}});  // outside: nothing
    std::vector<uint8_t> b = plain_result(g, {{0, kMax}});
    EXPECT_EQ(set_bits(g, b).size(), 71u);
  }
}

TEST(WindowedWriter, OverflowNear2To64) {
  // The range's last page ends at 2^64 exactly.
  BitmapGeometry g{kMax - 100 * K4 + 1, 100 * K4, K4};
  std::vector<std::vector<Rec>> cases{
      {{kMax, 1}},                   // the last byte of the address space
      {{kMax, kMax}},                // iova + len wraps
      {{kMax - K4, 1ull << 63}},     // wraps
      {{0, kMax}},                   // ends at 2^64 - 1 (exclusive): the last byte is not included
      {{g.base - 1, 2}},             // straddles base
      {{1, kMax}},                   // ends at 2^64 exactly
      {{g.base + 64 * K4, kMax}}};
  for (const auto& recs : cases) check_all(g, recs);
  std::vector<uint8_t> b = plain_result(g, {{kMax, kMax}});
  EXPECT_EQ(set_bits(g, b), std::vector<uint64_t>{99});
  b = plain_result(g, {{0, kMax}});
  EXPECT_EQ(set_bits(g, b).size(), 100u);  // [0, 2^64-1) still reaches the last page
  // base + length beyond 2^64: the range ends at 2^64; bits for pages past it are never set.
  BitmapGeometry over{kMax - 4 * K4 + 1, 8 * K4, K4};
  ASSERT_EQ(over.nbits(), 8u);
  check_all(over, {{0, kMax}});
  check_all(over, {{kMax, kMax}});
  b = plain_result(over, {{0, kMax}, {kMax, 5}});
  EXPECT_EQ(set_bits(over, b), (std::vector<uint64_t>{0, 1, 2, 3}));
  EXPECT_EQ(bitmap_runs(over, b.data()), (Runs{{over.base, 4 * K4}}));
}

TEST(WindowedWriter, OrsIntoExistingBitsAndAcceptsAnyOrder) {
  BitmapGeometry g{0, 500 * K4, K4};
  std::vector<uint8_t> prefill(g.nbytes());
  for (size_t i = 0; i < prefill.size(); i++) prefill[i] = static_cast<uint8_t>(i * 37 + 11);
  prefill.back() &= 0x0f;  // bits past nbits stay clear (500 bits: 4 in the last byte)
  std::vector<Rec> recs{{400 * K4, 3 * K4}, {2 * K4, K4}, {450 * K4, 40 * K4}, {0, K4}, {200 * K4, 100 * K4}};
  for (size_t window : kWindows)
    for (size_t mis = 0; mis < 8; mis++) EXPECT_TRUE(windowed_matches(g, recs, window, mis, prefill));
}

TEST(WindowedWriter, FinishDestructorAndRecordAfterFinish) {
  BitmapGeometry g{0, 256 * K4, K4};
  std::vector<uint8_t> b(g.nbytes());
  {
    WindowedBitmapWriter w(g, b.data(), 16);
    EXPECT_EQ(w.window_bytes(), 16u);
    EXPECT_EQ(w.window_moves(), 0u);
    w.record(3 * K4, K4);
    w.finish();
    EXPECT_EQ(b[0], 0x08);
    w.finish();  // idempotent
    w.record(200 * K4, K4);  // opens a window again; written back by the destructor
    EXPECT_EQ(w.window_moves(), 2u);
  }
  EXPECT_EQ(b[25], 0x01);
  // window_bytes rounding
  EXPECT_EQ(WindowedBitmapWriter(g, b.data(), 0).window_bytes(), 8u);
  EXPECT_EQ(WindowedBitmapWriter(g, b.data(), 5).window_bytes(), 8u);
  EXPECT_EQ(WindowedBitmapWriter(g, b.data(), 23).window_bytes(), 16u);
  // An empty bitmap needs no buffer.
  BitmapGeometry empty{0x1000, 0, K4};
  WindowedBitmapWriter w(empty, nullptr);
  w.record(0, kMax);
  w.finish();
  EXPECT_EQ(w.window_moves(), 0u);
}

TEST(WindowedWriter, PtcDirtyAdapters) {
  BitmapGeometry g{0x200000, 100 * K4, K4};
  std::vector<uint8_t> a(g.nbytes()), b(g.nbytes());
  {
    WindowedBitmapWriter w(g, a.data(), 8);
    ptc_dirty d = as_ptc_dirty(w);
    EXPECT_EQ(d.ctx, &w);
    d.record(d.ctx, 0x200000 + 5 * K4, 70 * K4);
  }
  PlainBitmapSink s{g, b.data()};
  ptc_dirty d = as_ptc_dirty(s);
  d.record(d.ctx, 0x200000 + 5 * K4, 70 * K4);
  EXPECT_EQ(a, b);
  EXPECT_EQ(bitmap_runs(g, a.data()), (Runs{{0x200000 + 5 * K4, 70 * K4}}));
}

// ---------------------------------------------------------------------------------------------------------
// bitmap_runs

TEST(BitmapRuns, RunsOfPages) {
  BitmapGeometry g{0x10000, 40 * K4, K4};
  std::vector<uint8_t> b(g.nbytes(), 0);
  EXPECT_TRUE(bitmap_runs(g, b.data()).empty());
  b = {0x01, 0x00, 0x00, 0x00, 0x00};
  EXPECT_EQ(bitmap_runs(g, b.data()), (Runs{{0x10000, K4}}));
  b = {0xf0, 0x01, 0x00, 0x80, 0x00};  // bits 4..8 (across a byte), 31
  EXPECT_EQ(bitmap_runs(g, b.data()), (Runs{{0x10000 + 4 * K4, 5 * K4}, {0x10000 + 31 * K4, K4}}));
  b = {0xff, 0xff, 0xff, 0xff, 0xff};  // bits past nbits (40) are ignored: there are none here
  EXPECT_EQ(bitmap_runs(g, b.data()), (Runs{{0x10000, 40 * K4}}));
  // 37 bits: the last byte's top 3 bits are padding and ignored; the last page is whole though the
  // range ends inside it.
  BitmapGeometry h{0x10800, 36 * K4 + 1, K4};
  EXPECT_EQ(bitmap_runs(h, b.data()), (Runs{{0x10800, 37 * K4}}));
  b = {0x05, 0, 0, 0, 0x10};  // bits 0, 2, 36
  EXPECT_EQ(bitmap_runs(h, b.data()), (Runs{{0x10800, K4}, {0x10800 + 2 * K4, K4}, {0x10800 + 36 * K4, K4}}));
  BitmapGeometry big{0, 20 * M2, M2};
  std::vector<uint8_t> c{0x0e, 0x08, 0x00};
  EXPECT_EQ(bitmap_runs(big, c.data()), (Runs{{M2, 3 * M2}, {11 * M2, M2}}));
}

TEST(BitmapRuns, NearTheTopOfTheAddressSpace) {
  // The last page sticks out past 2^64 (base not aligned): the run is cut at 2^64.
  BitmapGeometry g{kMax - 2 * K4 + 1 - 0x800, 2 * K4 + 0x800, K4};
  ASSERT_EQ(g.nbits(), 3u);
  std::vector<uint8_t> b{0x07};
  EXPECT_EQ(bitmap_runs(g, b.data()), (Runs{{g.base, 2 * K4 + 0x800}}));
  // Bits whose page would start past 2^64 are not reported.
  BitmapGeometry over{kMax - 2 * K4 + 1, 8 * K4, K4};
  std::vector<uint8_t> all{0xff};
  EXPECT_EQ(bitmap_runs(over, all.data()), (Runs{{over.base, 2 * K4}}));
}

TEST(BitmapRuns, RoundTripsWithThePlainWriter) {
  std::mt19937_64 rng(99);
  for (int it = 0; it < 200; it++) {
    BitmapGeometry g{(rng() % 1000) * K4 + (rng() % 2) * 0x123, (1 + rng() % 300) * K4, K4};
    std::vector<uint8_t> b(g.nbytes());
    for (int r = 0; r < 6; r++) plain_bitmap_record(g, b.data(), g.base + rng() % g.length, 1 + rng() % (20 * K4));
    // Recording the runs back into an empty bitmap gives the same bitmap.
    std::vector<uint8_t> c(g.nbytes());
    Runs runs = bitmap_runs(g, b.data());
    for (size_t i = 0; i + 1 < runs.size(); i++) EXPECT_LT(runs[i].first + runs[i].second, runs[i + 1].first);
    for (auto [iova, len] : runs) plain_bitmap_record(g, c.data(), iova, len);
    EXPECT_EQ(b, c);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Randomized differential test: windowed writer vs plain writer

uint64_t env_u64(const char* name, uint64_t dflt) {
  const char* s = std::getenv(name);
  return s && *s ? std::strtoull(s, nullptr, 0) : dflt;
}

struct Gen {
  std::mt19937_64 rng;
  explicit Gen(uint64_t seed) : rng(seed) {}
  uint64_t below(uint64_t n) { return n ? rng() % n : 0; }
  bool chance(unsigned percent) { return below(100) < percent; }
  template <class T, size_t N>
  T pick(const T (&a)[N]) { return a[below(N)]; }
};

BitmapGeometry random_geometry(Gen& r) {
  static const unsigned kShifts[] = {12, 12, 12, 13, 16, 21, 21, 30};
  BitmapGeometry g;
  g.pgsize = uint64_t{1} << r.pick(kShifts);
  uint64_t nbits;
  switch (r.below(4)) {
    case 0: nbits = r.below(9); break;        // tiny, including empty
    case 1: nbits = r.below(130); break;      // around one or two words
    case 2: nbits = r.below(1200); break;
    default: nbits = r.below(6000); break;
  }
  g.length = nbits * g.pgsize;
  if (nbits && r.chance(40)) g.length -= r.below(g.pgsize);  // not a multiple of pgsize
  switch (r.below(6)) {
    case 0: g.base = 0; break;
    case 1: g.base = r.below(1ull << 40) & ~(g.pgsize - 1); break;  // aligned
    case 2: g.base = r.below(1ull << 40); break;                    // unaligned
    case 3: g.base = kMax - g.length + 1; break;                    // ends at 2^64 exactly
    case 4: g.base = kMax - r.below(g.length + 4 * g.pgsize); break;  // near/over 2^64
    default: g.base = r.rng() & ~(r.below(2) ? g.pgsize - 1 : 0); break;
  }
  return g;
}

Rec random_record(Gen& r, const BitmapGeometry& g, uint64_t& cursor) {
  uint64_t pg = g.pgsize;
  uint64_t span = g.length ? g.length : pg;
  uint64_t iova;
  switch (r.below(8)) {
    case 0: iova = r.rng(); break;                                      // anywhere
    case 1: iova = g.base - r.below(4 * pg); break;                     // around the start
    case 2: iova = g.base + g.length - r.below(4 * pg) + r.below(4 * pg); break;  // around the end
    case 3: iova = kMax - r.below(4 * pg); break;                       // near 2^64
    case 4: iova = cursor + r.below(3 * pg); break;                     // ascending, as a table walk
    default: iova = g.base + r.below(span); break;                      // inside
  }
  if (r.chance(30)) iova &= ~(pg - 1);  // page aligned
  uint64_t len;
  if (r.chance(4)) {
    len = r.chance(50) ? r.rng() : kMax - r.below(3);  // huge, usually past 2^64
  } else {
    switch (r.below(7)) {
      case 0: len = 0; break;
      case 1: len = 1 + r.below(pg); break;
      case 2: len = K4; break;
      case 3: len = M2; break;
      case 4: len = r.chance(50) ? G1 : 512 * G1; break;  // a huge leaf
      default: len = 1 + r.below(span / 8 + pg); break;
    }
  }
  // Keep the plain writer's one-bit-at-a-time loop bounded: nbits <= 6000, so this is always fine.
  cursor = iova + len;
  return {iova, len};
}

TEST(WindowedWriter, RandomizedDifferential) {
  const uint64_t seed = env_u64("PTCHECK_BITMAP_SEED", 0x5eed'b17a'2024ull);
  const uint64_t iters = env_u64("PTCHECK_BITMAP_ITERS", 10000);
  std::printf("[ randomized ] seed=0x%" PRIx64 " iterations=%" PRIu64 " (PTCHECK_BITMAP_SEED to replay)\n", seed,
              iters);
  static const size_t kRandWindows[] = {0, 3, 8, 8, 16, 16, 24, 40, 64, 136, 4096, 512 * 4096};
  Gen r(seed);
  uint64_t failures = 0, total_moves = 0, mixed = 0;
  for (uint64_t it = 0; it < iters && failures < 5; it++) {
    BitmapGeometry g = random_geometry(r);
    size_t window = r.pick(kRandWindows);
    // Half in a page at any distance from its boundary (often its last bytes, as iommufd's 0xff1).
    const Placement placement = r.chance(50) ? Placement::InPage : Placement::Guarded;
    const size_t mis = placement == Placement::Guarded ? r.below(16)
                       : r.chance(50)                  ? CallerBuffer::kPageSize - 1 - r.below(64)
                                                       : r.below(CallerBuffer::kPageSize);
    std::vector<Rec> recs;
    uint64_t cursor = g.base - r.below(2 * g.pgsize);
    size_t nrec = r.below(r.chance(20) ? 200 : 25);
    for (size_t i = 0; i < nrec; i++) recs.push_back(random_record(r, g, cursor));
    if (r.chance(25)) std::sort(recs.begin(), recs.end(), [](Rec a, Rec b) { return a.iova < b.iova; });
    std::vector<uint8_t> prefill;
    if (r.chance(25) && g.nbytes()) {
      prefill.resize(g.nbytes());
      for (auto& x : prefill) x = r.chance(80) ? 0 : static_cast<uint8_t>(r.rng());
    }
    uint64_t moves = 0;
    ::testing::AssertionResult res = windowed_matches(g, recs, window, mis, prefill, &moves, placement);
    total_moves += moves;
    std::vector<uint8_t> want = plain_result(g, recs);
    size_t nset = set_bits(g, want).size();
    mixed += nset > 0 && nset < g.nbits();
    if (!res) {
      failures++;
      ADD_FAILURE() << "seed=0x" << std::hex << seed << std::dec << " iteration=" << it
                    << (prefill.empty() ? "" : " (prefilled buffer)") << ": " << res.message();
    }
  }
  // How much the run exercised: bitmaps ending neither empty nor full, and window loads.
  std::printf("[ randomized ] %" PRIu64 " of %" PRIu64 " bitmaps partly set, %" PRIu64 " window loads\n", mixed, iters,
              total_moves);
}

}  // namespace
}  // namespace ptc
