// Tests of fuzz_bitmap's per-input work (core/bitmap/bitmap_fuzz.h): the input layout keeps its meaning,
// and one run leaves nothing behind for the next (the runner reuses its buffers).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/bitmap/bitmap_fuzz.h"

namespace ptc {
namespace {

void put(std::vector<uint8_t>& v, uint64_t x, unsigned bytes) {
  for (unsigned i = 0; i < bytes; ++i) v.push_back(static_cast<uint8_t>(x >> (8 * i)));
}

// 8192 pages of 4K at 0 (1,024 bytes of bitmap), window 64, misalign 0xff1, a dense prefill, one record
// over the whole range.
std::vector<uint8_t> whole_range_prefilled() {
  std::vector<uint8_t> v = {1, 0, 4};   // prefill; 4K pages; length: (1 + u32 % 2^19) pages - (u32 % 4K)
  put(v, 8191, 4);
  put(v, 0, 4);
  v.insert(v.end(), {0, 64, 0x8e, 2});  // base 0; window 64; misalign 4095 - 14; density 2 (dense)
  put(v, 0x1234567890abcdefull, 8);     // seed
  v.insert(v.end(), {1, 6, 1});         // one record: the whole range, adj 1 (length + 0)
  return v;
}

// The same bitmap, no prefill, one record of length 0 (records nothing).
std::vector<uint8_t> empty_record() {
  std::vector<uint8_t> v = {0, 0, 4};
  put(v, 8191, 4);
  put(v, 0, 4);
  v.insert(v.end(), {0, 64, 0, 1, 5});
  put(v, 77, 8);
  return v;
}

BitmapFuzzInput decode(const std::vector<uint8_t>& bytes) {
  BitmapFuzzInput in;
  std::string why;
  EXPECT_TRUE(decode_bitmap_fuzz_input(bytes.data(), bytes.size(), &in, &why)) << why;
  return in;
}

TEST(BitmapFuzz, DecodesTheDocumentedLayout) {
  const BitmapFuzzInput in = decode(whole_range_prefilled());
  EXPECT_TRUE(in.prefill);
  EXPECT_FALSE(in.finish_midway || in.by_destructor || in.via_abi);
  EXPECT_EQ(in.g.base, 0u);
  EXPECT_EQ(in.g.length, 8192u * 4096);
  EXPECT_EQ(in.g.pgsize, 4096u);
  EXPECT_EQ(in.window, 64u);
  EXPECT_EQ(in.misalign, 0xff1u);
  EXPECT_EQ(in.density, 2);
  EXPECT_EQ(in.seed, 0x1234567890abcdefull);
  ASSERT_EQ(in.nrec, 1u);
  EXPECT_EQ(in.mid, 2u);  // no finish() midway
  const BitmapFuzzRecord& r = in.records[0];
  EXPECT_EQ(r.iova, 0u);
  EXPECT_EQ(r.len, 8192u * 4096);
  EXPECT_TRUE(r.given && r.touches);
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.last, 8191u);
}

TEST(BitmapFuzz, ARunStartsFromZeroedBuffersWhateverRanBefore) {
  BitmapFuzzRunner runner;
  const BitmapFuzzInput full = decode(whole_range_prefilled()), empty = decode(empty_record());
  ASSERT_TRUE(runner.run(full)) << runner.failure();
  EXPECT_EQ(std::vector<uint8_t>(runner.caller_bytes(), runner.caller_bytes() + 1024), std::vector<uint8_t>(1024, 0xff));
  // At another misalignment, over bytes the run before set (and its canary): nothing of it is left.
  ASSERT_TRUE(runner.run(empty)) << runner.failure();
  EXPECT_EQ(std::vector<uint8_t>(runner.caller_bytes(), runner.caller_bytes() + 1024), std::vector<uint8_t>(1024, 0));
  ASSERT_TRUE(runner.run(full)) << runner.failure();
  ASSERT_TRUE(runner.run(empty)) << runner.failure();
  EXPECT_EQ(std::vector<uint8_t>(runner.caller_bytes(), runner.caller_bytes() + 1024), std::vector<uint8_t>(1024, 0));
}

}  // namespace
}  // namespace ptc
