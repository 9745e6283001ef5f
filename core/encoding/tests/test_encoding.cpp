// The fuzz_ops encoding: stable (a committed corpus keeps its meaning), total (any bytes decode to a
// valid, printable script within the limits), and text scripts pass through.
#include "core/encoding/fuzz_input.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <variant>
#include <vector>

#include "core/script/script.h"

namespace ptc {
namespace {

std::string decode_text(const std::vector<uint8_t>& b) { return print_script(decode_fuzz_input(b.data(), b.size())); }

// A fixed input and the program it must decode to, forever: changing what version 1 means breaks
// every committed corpus. (Add new ids or a new version byte instead.)
TEST(Encoding, Version1IsStable) {
  const std::vector<uint8_t> input = {
      1, 0x09, 0x00,                  // v1; ias 39, bbml 1, hw_dirty on, strict; 4K+2M+1G, oas 48
      1, 0, 1, 2, 3, 4, 0, 0, 0,      // map: region (1G + 2*2M + 3*4K), size 2M, output = iova, rw; no @
      4, 3, 0, 0, 4, 0,               // split: recent address #0 + 0, 2M; no @
      6, 5, 0x10, 0x00, 8, 0x34, 2,   // dirty: 1G + 0x10 pages, 1G, bitmap 8K misalign 3; two @:
      5, 0, 1, 1, 3, 0, 0, 0,         //   @5 dev write inside the range, page 3
      0xff, 0x80, 6, 1, 1, 0, 0, 0, 4,  //   @255 another op: unmap at region 0, 2M (disjoint)
      200,                            // not an op id: skipped
      9, 2, 2, 1, 0,                  // dev fill 2M below the top of the IAS
      10, 3,                          // fail alloc 4
  };
  const std::string got = decode_text(input);
  EXPECT_EQ(got,
            "config ias=39 oas=48 pgsizes=4K,2M,1G bbml=1 hw_dirty=on flush=strict\n"
            "map 0x40403000 0x40403000 2M rw\n"
            "split 0x40403000 2M\n"
            "dirty 0x40010000 1G bitmap=8K misalign=3\n"
            "  @5 dev write 0x40013000\n"
            "  @255 unmap 0x0 2M\n"
            "dev fill 0x7fffe00000\n"
            "fail alloc 4\n");
}

// Version 2 adds one meaning, to a bit version 1 ignored: bit 7 of a dirty op's options byte places the
// caller's bitmap far into a page (SPEC 7 misalign, iommufd's 0xff1). Nothing else changes: the same bytes
// are read, so the statements after it decode as before; a version-1 input keeps its meaning.
TEST(Encoding, Version2PlacesTheBitmapFarIntoAPage) {
  auto dirty_with_options = [](uint8_t version, uint8_t options) {
    return std::vector<uint8_t>{version, 0x09, 0x00,
                                6,   5, 0x10, 0x00, 8, options, 0,  // dirty: 1G + 0x10 pages, 1G; no @
                                10,  3};                            // fail alloc 4
  };
  const std::string v1 = decode_text(dirty_with_options(1, 0x34));
  EXPECT_EQ(v1, "config ias=39 oas=48 pgsizes=4K,2M,1G bbml=1 hw_dirty=on flush=strict\n"
                "dirty 0x40010000 1G bitmap=8K misalign=3\nfail alloc 4\n");
  EXPECT_EQ(decode_text(dirty_with_options(1, 0xb4)), v1);  // version 1 ignores bit 7
  EXPECT_EQ(decode_text(dirty_with_options(0, 0xb4)), v1);
  EXPECT_EQ(decode_text(dirty_with_options(2, 0x34)), v1);  // bit 7 clear: as version 1
  EXPECT_EQ(decode_text(dirty_with_options(2, 0x84)),
            "config ias=39 oas=48 pgsizes=4K,2M,1G bbml=1 hw_dirty=on flush=strict\n"
            "dirty 0x40010000 1G bitmap=8K misalign=4081\nfail alloc 4\n");  // 0xff1
  EXPECT_EQ(kFuzzEncodingVersion, 2);
  // Every choice lies in the page, far into it, and reads back as a script.
  for (unsigned m = 0; m < 8; ++m) {
    const std::vector<uint8_t> in = dirty_with_options(kFuzzEncodingVersion, uint8_t(0x80 | (m << 4)));
    const Script s = decode_fuzz_input(in.data(), in.size());
    ASSERT_EQ(s.ops.size(), 2u);
    EXPECT_GE(s.ops[0].misalign, 0x800u) << m;
    EXPECT_LT(s.ops[0].misalign, 4096u) << m;
    const std::string text = print_script(s);
    EXPECT_EQ(decode_text(std::vector<uint8_t>(text.begin(), text.end())), text);
  }
}

TEST(Encoding, UnknownIdsAreSkipped) {
  std::vector<uint8_t> a = {1, 0, 0, 1, 0, 1, 2, 3, 4, 0, 0, 0, 8, 0, 0};
  std::vector<uint8_t> b = a;
  b.insert(b.begin() + 12, {77, 201, 0});
  EXPECT_EQ(decode_text(a), decode_text(b));
}

TEST(Encoding, TextScriptsPassThrough) {
  const std::string text = "config bbml=2\nmap 0x1000 0x2000 4K rw => 0\ndirty 0x0 1M => {0x1000}\n";
  const Script s = decode_fuzz_input(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  ASSERT_EQ(s.ops.size(), 2u);
  EXPECT_EQ(s.config.bbml, 2u);
  EXPECT_EQ(s.ops[0].size, 4096u);
  // `=> RESULT` claims are dropped: a mutated expectation proves nothing; the oracles still apply.
  EXPECT_FALSE(s.ops[0].expect);
  EXPECT_FALSE(s.ops[1].expect);
}

TEST(Encoding, TextInjectionsOutsideTheCallerContractAreDropped) {
  const std::string text =
      "map 0x40000000 0x80000000 1G rw\n"
      "unmap 0x40000000 1G\n"
      "  @22 unmap 0x40200000 4K\n"     // inside the outer range: two ops on one range at once
      "  @3 dev write 0x40200000\n"     // a device action: fine
      "  @4 map 0x80000000 0x1000 4K rw\n"  // disjoint: fine
      "  @5 flush\n";
  const Script s = decode_fuzz_input(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  ASSERT_EQ(s.ops.size(), 2u);
  ASSERT_EQ(s.ops[1].inject.size(), 3u);
  EXPECT_EQ(s.ops[1].inject[0].op.kind, OpKind::Dev);
  EXPECT_EQ(s.ops[1].inject[1].op.kind, OpKind::Map);
  EXPECT_EQ(s.ops[1].inject[2].op.kind, OpKind::Flush);
}

TEST(Encoding, ContractOverlapNeverWrapsAround) {
  Op outer, inner;
  outer.kind = inner.kind = OpKind::Unmap;
  outer.iova = 0xfffffffffffff000;
  outer.size = 0x2000;  // would wrap past 2^64
  inner.iova = 0x1000;
  inner.size = 0x1000;
  EXPECT_FALSE(injection_breaks_contract(outer, inner));
  inner.iova = 0xfffffffffffff800;
  EXPECT_TRUE(injection_breaks_contract(outer, inner));
  inner.kind = OpKind::Phys;  // an address: size 0 counts as one byte
  inner.size = 0;
  EXPECT_TRUE(injection_breaks_contract(outer, inner));
  inner.iova = outer.iova - 1;
  EXPECT_FALSE(injection_breaks_contract(outer, inner));
}

TEST(Encoding, TextBeyondTheLimitsIsDecodedAsBytes) {
  const std::string text = "map 0x0 0x0 0x100000000000 rw\n";  // 16 TiB
  const Script s = decode_fuzz_input(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  EXPECT_TRUE(within_fuzz_limits(s));
}

// Any bytes: no crash, within the limits, and printable as a script that parses back to itself
// (so `ptcheck explain` can show every input). Seed printed; PTCHECK_ENCODING_SEED replays.
TEST(Encoding, AnyBytesDecodeToAValidScript) {
  const char* env = std::getenv("PTCHECK_ENCODING_SEED");
  const uint64_t seed = env ? std::strtoull(env, nullptr, 0) : 0x5eed0e5c;
  std::printf("seed 0x%llx (PTCHECK_ENCODING_SEED=0x%llx replays)\n", (unsigned long long)seed, (unsigned long long)seed);
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 20000; ++i) {
    std::vector<uint8_t> in(rng() % 200);
    for (auto& b : in) b = uint8_t(rng());
    if (!in.empty()) in[0] = 1;
    const Script s = decode_fuzz_input(in.data(), in.size());
    ASSERT_TRUE(within_fuzz_limits(s)) << "input " << i;
    const std::string text = print_script(s);
    auto back = parse_script(text, "decoded.ops");
    ASSERT_TRUE(std::holds_alternative<Script>(back)) << "input " << i << ": " << std::get<ParseError>(back).str() << "\n" << text;
    EXPECT_TRUE(same_script(std::get<Script>(back), s)) << "input " << i << "\n" << text;
  }
}

}  // namespace
}  // namespace ptc
