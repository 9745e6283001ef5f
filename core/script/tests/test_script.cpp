// Tests of the .ops parser and printer (SPEC section 7).
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "core/ops/op_table.h"
#include "core/script/script.h"

namespace ptc {
namespace {

constexpr const char* kFile = "t.ops";

// Parses text that must parse.
Script parse_ok(std::string_view text) {
  auto r = parse_script(text, kFile);
  if (auto* e = std::get_if<ParseError>(&r)) {
    ADD_FAILURE() << "unexpected error: " << e->str() << "\nin:\n" << text;
    return Script{};
  }
  return std::get<Script>(std::move(r));
}

// The error of text that must not parse, as "FILE:LINE: message"; "parsed" when it parsed.
std::string parse_err(std::string_view text) {
  auto r = parse_script(text, kFile);
  if (auto* e = std::get_if<ParseError>(&r)) return e->str();
  return "parsed";
}

// The one op of a one-statement script.
Op one_op(std::string_view text) {
  Script s = parse_ok(text);
  EXPECT_EQ(s.ops.size(), 1u) << text;
  return s.ops.empty() ? Op{} : s.ops[0];
}

// print(s) parses back to s, and printing that gives the same text again.
void expect_fixed_point(const Script& s, std::string_view origin) {
  const std::string printed = print_script(s);
  auto r = parse_script(printed, kFile);
  auto* back = std::get_if<Script>(&r);
  ASSERT_NE(back, nullptr) << "printed text does not parse: " << std::get<ParseError>(r).str() << "\nprinted:\n"
                           << printed << "\norigin:\n" << origin;
  EXPECT_TRUE(same_script(s, *back)) << "printed:\n" << printed << "\norigin:\n" << origin;
  EXPECT_TRUE(back->has_config);
  EXPECT_EQ(print_script(*back), printed);
}

Expect number(int64_t v) {
  Expect e;
  e.kind = Expect::Kind::Number;
  e.value = v;
  return e;
}
Expect err_expect(int e) {
  Expect x;
  x.kind = Expect::Kind::Errno;
  x.value = -e;
  return x;
}
Expect bitmap(std::vector<BitRun> runs) {
  Expect e;
  e.kind = Expect::Kind::Bitmap;
  e.bitmap = std::move(runs);
  return e;
}

const char* const kSpecExample = R"(config ias=48 oas=48 pgsizes=4K,2M,1G bbml=1 hw_dirty=on flush=strict    # first statement; these are the defaults
map 0x40000000 0x80000000 1G rw          # prot: r or rw; a new writable mapping starts dirty
dirty 0x40000000 1G => {0x40000000+1G}   # read_and_clear_dirty; options: noclear, bitmap=SIZE, misalign=N
split 0x40000000 1G => 0
  @3 dev write 0x40002000                # during the op above, after its 3rd descriptor access:
  @9 dev fill 0x40003000                 #   read | write | fill (walk and cache) | evict IOVA | evict all
dirty 0x40000000 1G                      # no expectation: what it records depends on when the write landed
dev write 0x40001000 => 0x80001000       # a device access at a quiescent moment
dirty 0x40000000 1G => {0x40001000}
unmap 0x40000000 4K => 4096
unmap_dirty 0x40001000 4K => 4096 {}
phys 0x40002000 => 0x80002000
dev read 0x40000000 => fault
flush
merge 0x40000000 1G => 0                 # 1G has holes; the 2M regions without holes become blocks
)";

// ---------------------------------------------------------------------------------------------
// The SPEC example

TEST(Script, SpecExampleParses) {
  Script s = parse_ok(kSpecExample);
  EXPECT_TRUE(s.has_config);
  EXPECT_EQ(s.config, Config{});
  EXPECT_EQ(s.file, kFile);
  ASSERT_EQ(s.ops.size(), 12u);

  const Op& map = s.ops[0];
  EXPECT_EQ(map.kind, OpKind::Map);
  EXPECT_EQ(map.iova, 0x40000000u);
  EXPECT_EQ(map.paddr, 0x80000000u);
  EXPECT_EQ(map.size, kSize1G);
  EXPECT_EQ(map.prot, unsigned(PTC_PROT_READ | PTC_PROT_WRITE));
  EXPECT_FALSE(map.expect);
  EXPECT_EQ(map.line, 2);

  const Op& dirty = s.ops[1];
  EXPECT_EQ(dirty.kind, OpKind::Dirty);
  EXPECT_EQ(dirty.expect, bitmap({{0x40000000, kSize1G}}));

  const Op& split = s.ops[2];
  EXPECT_EQ(split.kind, OpKind::Split);
  EXPECT_EQ(split.expect, number(0));
  ASSERT_EQ(split.inject.size(), 2u);
  EXPECT_EQ(split.inject[0].after_access, 3u);
  EXPECT_EQ(split.inject[0].op.kind, OpKind::Dev);
  EXPECT_EQ(split.inject[0].op.dev, DevKind::Write);
  EXPECT_EQ(split.inject[0].op.iova, 0x40002000u);
  EXPECT_EQ(split.inject[0].op.line, 5);
  EXPECT_EQ(split.inject[1].after_access, 9u);
  EXPECT_EQ(split.inject[1].op.dev, DevKind::Fill);
  EXPECT_EQ(split.inject[1].op.line, 6);

  EXPECT_FALSE(s.ops[3].expect);
  EXPECT_EQ(s.ops[4].kind, OpKind::Dev);
  EXPECT_EQ(s.ops[4].expect, number(0x80001000));
  EXPECT_EQ(s.ops[5].expect, bitmap({{0x40001000, 0}}));
  EXPECT_EQ(s.ops[6].kind, OpKind::Unmap);
  EXPECT_EQ(s.ops[6].expect, number(4096));

  const Op& ud = s.ops[7];
  EXPECT_EQ(ud.kind, OpKind::UnmapDirty);
  ASSERT_TRUE(ud.expect);
  EXPECT_EQ(ud.expect->kind, Expect::Kind::Number);
  EXPECT_EQ(ud.expect->value, 4096);
  EXPECT_TRUE(ud.expect->has_bitmap);
  EXPECT_TRUE(ud.expect->bitmap.empty());

  EXPECT_EQ(s.ops[8].kind, OpKind::Phys);
  EXPECT_EQ(s.ops[8].expect, number(0x80002000));
  EXPECT_EQ(s.ops[9].dev, DevKind::Read);
  ASSERT_TRUE(s.ops[9].expect);
  EXPECT_EQ(s.ops[9].expect->kind, Expect::Kind::Fault);
  EXPECT_EQ(s.ops[10].kind, OpKind::Flush);
  EXPECT_EQ(s.ops[11].kind, OpKind::Merge);
  EXPECT_EQ(s.ops[11].line, 15);
}

TEST(Script, SpecExamplePrintsCanonically) {
  Script s = parse_ok(kSpecExample);
  EXPECT_EQ(print_script(s),
            "config ias=48 oas=48 pgsizes=4K,2M,1G bbml=1 hw_dirty=on flush=strict\n"
            "map 0x40000000 0x80000000 1G rw\n"
            "dirty 0x40000000 1G => {0x40000000+1G}\n"
            "split 0x40000000 1G => 0\n"
            "  @3 dev write 0x40002000\n"
            "  @9 dev fill 0x40003000\n"
            "dirty 0x40000000 1G\n"
            "dev write 0x40001000 => 0x80001000\n"
            "dirty 0x40000000 1G => {0x40001000}\n"
            "unmap 0x40000000 4K => 4096\n"
            "unmap_dirty 0x40001000 4K => 4096 {}\n"
            "phys 0x40002000 => 0x80002000\n"
            "dev read 0x40000000 => fault\n"
            "flush\n"
            "merge 0x40000000 1G => 0\n");
  expect_fixed_point(s, kSpecExample);
}

// ---------------------------------------------------------------------------------------------
// config

TEST(Script, DefaultsWithoutConfig) {
  Script s = parse_ok("map 0 0 4K r\n");
  EXPECT_FALSE(s.has_config);
  EXPECT_EQ(s.config, Config{});
  EXPECT_EQ(s.config.ias, 48u);
  EXPECT_EQ(s.config.oas, 48u);
  EXPECT_EQ(s.config.pgsizes, kSize4K | kSize2M | kSize1G);
  EXPECT_EQ(s.config.bbml, 1u);
  EXPECT_TRUE(s.config.hw_dirty);
  EXPECT_FALSE(s.config.lazy);
  EXPECT_EQ(print_script(s),
            "config ias=48 oas=48 pgsizes=4K,2M,1G bbml=1 hw_dirty=on flush=strict\nmap 0x0 0x0 4K r\n");
}

TEST(Script, EmptyScripts) {
  for (const char* text : {"", "\n", "   \n\t\n", "# only a comment\n", "\r\n\r\n", "#"}) {
    Script s = parse_ok(text);
    EXPECT_FALSE(s.has_config);
    EXPECT_TRUE(s.ops.empty());
    expect_fixed_point(s, text);
  }
}

TEST(Script, ConfigKeys) {
  Script s = parse_ok("config ias=39 oas=40 pgsizes=1G,4K bbml=2 hw_dirty=off flush=lazy\n");
  EXPECT_TRUE(s.has_config);
  EXPECT_EQ(s.config.ias, 39u);
  EXPECT_EQ(s.config.oas, 40u);
  EXPECT_EQ(s.config.pgsizes, kSize4K | kSize1G);
  EXPECT_EQ(s.config.bbml, 2u);
  EXPECT_FALSE(s.config.hw_dirty);
  EXPECT_TRUE(s.config.lazy);
  EXPECT_EQ(print_config(s.config), "config ias=39 oas=40 pgsizes=4K,1G bbml=2 hw_dirty=off flush=lazy");
  expect_fixed_point(s, "");
}

TEST(Script, ConfigPartialKeysKeepDefaults) {
  Script s = parse_ok("config bbml=0\nflush\n");
  Config want;
  want.bbml = 0;
  EXPECT_EQ(s.config, want);
  EXPECT_TRUE(s.has_config);

  Script bare = parse_ok("config\n");
  EXPECT_TRUE(bare.has_config);
  EXPECT_EQ(bare.config, Config{});
}

TEST(Script, ConfigPgsizesAnyOrderAndSpacing) {
  EXPECT_EQ(parse_ok("config pgsizes=2M,4K\n").config.pgsizes, kSize4K | kSize2M);
  EXPECT_EQ(parse_ok("config pgsizes=4K\n").config.pgsizes, kSize4K);
  EXPECT_EQ(parse_ok("config pgsizes = 0x1000 , 0x200000\n").config.pgsizes, kSize4K | kSize2M);
  EXPECT_EQ(parse_ok("config pgsizes=1G,2M,4K\n").config.pgsizes, kSize4K | kSize2M | kSize1G);
  EXPECT_EQ(parse_ok("config ias=0x30\n").config.ias, 48u);
}

TEST(Script, ConfigAfterCommentsIsStillFirst) {
  Script s = parse_ok("# header\n\n   config ias=32 oas=32\nmap 0 0 4K r\n");
  EXPECT_EQ(s.config.ias, 32u);
  EXPECT_EQ(s.ops.size(), 1u);
}

// ---------------------------------------------------------------------------------------------
// Statements and numbers

TEST(Script, Numbers) {
  EXPECT_EQ(one_op("phys 0").iova, 0u);
  EXPECT_EQ(one_op("phys 4096").iova, 4096u);
  EXPECT_EQ(one_op("phys 0x1000").iova, 0x1000u);
  EXPECT_EQ(one_op("phys 0X1000").iova, 0x1000u);
  EXPECT_EQ(one_op("phys 0xABCdef").iova, 0xabcdefu);
  EXPECT_EQ(one_op("phys 007").iova, 7u);  // decimal, not octal
  EXPECT_EQ(one_op("unmap 0 4K").size, 4096u);
  EXPECT_EQ(one_op("unmap 0 2M").size, kSize2M);
  EXPECT_EQ(one_op("unmap 0 1G").size, kSize1G);
  EXPECT_EQ(one_op("unmap 0 3G").size, 3 * kSize1G);
  EXPECT_EQ(one_op("unmap 0 0x10K").size, 0x10u << 10);
  EXPECT_EQ(one_op("unmap 0 1536K").size, 1536u << 10);
  EXPECT_EQ(one_op("phys 18446744073709551615").iova, UINT64_MAX);
  EXPECT_EQ(one_op("phys 0xffffffffffffffff").iova, UINT64_MAX);
  EXPECT_EQ(one_op("phys 0x0000000000000000000000000001").iova, 1u);
  EXPECT_EQ(one_op("phys 17179869183G").iova, UINT64_MAX - (kSize1G - 1));
}

TEST(Script, MapProt) {
  Op r = one_op("map 0x1000 0x2000 4K r");
  EXPECT_EQ(r.kind, OpKind::Map);
  EXPECT_EQ(r.iova, 0x1000u);
  EXPECT_EQ(r.paddr, 0x2000u);
  EXPECT_EQ(r.size, 4096u);
  EXPECT_EQ(r.prot, unsigned(PTC_PROT_READ));
  EXPECT_EQ(one_op("map 0 0 4K rw").prot, unsigned(PTC_PROT_READ | PTC_PROT_WRITE));
  // Invalid prots, for the -EINVAL case of SPEC 3; a generated op with them must print and reparse.
  EXPECT_EQ(one_op("map 0 0 4K w").prot, unsigned(PTC_PROT_WRITE));
  EXPECT_EQ(one_op("map 0 0 4K none").prot, 0u);
}

TEST(Script, EveryStatementKind) {
  Op u = one_op("unmap 0x40000000 2M");
  EXPECT_EQ(u.kind, OpKind::Unmap);
  EXPECT_EQ(u.iova, 0x40000000u);
  EXPECT_EQ(u.size, kSize2M);

  EXPECT_EQ(one_op("flush").kind, OpKind::Flush);
  Op sp = one_op("split 0x200000 2M");
  EXPECT_EQ(sp.kind, OpKind::Split);
  EXPECT_EQ(sp.size, kSize2M);
  Op mg = one_op("merge 0 1G");
  EXPECT_EQ(mg.kind, OpKind::Merge);
  EXPECT_EQ(mg.size, kSize1G);
  Op ph = one_op("phys 0x1234");
  EXPECT_EQ(ph.kind, OpKind::Phys);
  EXPECT_EQ(ph.iova, 0x1234u);

  Op d = one_op("dirty 0x1000 8K");
  EXPECT_EQ(d.kind, OpKind::Dirty);
  EXPECT_FALSE(d.noclear);
  EXPECT_EQ(d.bitmap_pgsize, kSize4K);
  EXPECT_EQ(d.misalign, 0u);
  Op ud = one_op("unmap_dirty 0x1000 8K");
  EXPECT_EQ(ud.kind, OpKind::UnmapDirty);

  struct {
    const char* text;
    DevKind dev;
    uint64_t iova;
  } devs[] = {
      {"dev read 0x1000", DevKind::Read, 0x1000},   {"dev write 0x2000", DevKind::Write, 0x2000},
      {"dev fill 0x3000", DevKind::Fill, 0x3000},   {"dev evict 0x4000", DevKind::Evict, 0x4000},
      {"dev evict all", DevKind::EvictAll, 0},
  };
  for (const auto& c : devs) {
    Op op = one_op(c.text);
    EXPECT_EQ(op.kind, OpKind::Dev) << c.text;
    EXPECT_EQ(op.dev, c.dev) << c.text;
    EXPECT_EQ(op.iova, c.iova) << c.text;
    EXPECT_EQ(print_statement(op), c.text);
  }

  Op fa = one_op("fail alloc 3");
  EXPECT_EQ(fa.kind, OpKind::FailAlloc);
  EXPECT_EQ(fa.fail_index, 3u);
  EXPECT_EQ(print_statement(fa), "fail alloc 3");
}

TEST(Script, DirtyOptions) {
  Op a = one_op("dirty 0 2M noclear bitmap=8K misalign=7");
  EXPECT_TRUE(a.noclear);
  EXPECT_EQ(a.bitmap_pgsize, 8192u);
  EXPECT_EQ(a.misalign, 7u);
  Op b = one_op("dirty 0 2M misalign=7 noclear bitmap=8K");
  EXPECT_EQ(a, b);
  Op c = one_op("dirty 0 2M bitmap=2M misalign=63 noclear");
  EXPECT_EQ(c.bitmap_pgsize, kSize2M);
  EXPECT_EQ(c.misalign, 63u);
  EXPECT_EQ(print_statement(a), "dirty 0x0 2M noclear bitmap=8K misalign=7");
  EXPECT_EQ(print_statement(one_op("dirty 0 4K bitmap=4K misalign=0")), "dirty 0x0 4K");
  EXPECT_EQ(print_statement(one_op("dirty 0 4K bitmap=0x1000000000")), "dirty 0x0 4K bitmap=64G");
  EXPECT_EQ(one_op("dirty 0 4K bitmap = 16K").bitmap_pgsize, 16384u);

  Op u = one_op("unmap_dirty 0 2M misalign=1 bitmap=64K");
  EXPECT_EQ(u.bitmap_pgsize, 65536u);
  EXPECT_EQ(u.misalign, 1u);
  EXPECT_FALSE(u.noclear);
  EXPECT_EQ(print_statement(u), "unmap_dirty 0x0 2M bitmap=64K misalign=1");

  // Any distance from a page boundary (SPEC 7), as iommufd's selftests use 0xff1: the bitmap starts 15
  // bytes before the next page. Printed in decimal, as every misalign.
  for (uint64_t mis : {uint64_t{64}, uint64_t{0x800}, uint64_t{0xff1}, uint64_t{4095}}) {
    Op big = one_op("dirty 0 2M misalign=" + std::to_string(mis));
    EXPECT_EQ(big.misalign, mis);
    EXPECT_EQ(print_statement(big), "dirty 0x0 2M misalign=" + std::to_string(mis));
    EXPECT_EQ(one_op(print_statement(big)), big);
  }
  EXPECT_EQ(one_op("unmap_dirty 0 2M misalign=0xff1").misalign, 0xff1u);
}

TEST(Script, Injections) {
  Script s = parse_ok(
      "map 0 0 2M rw\n"
      "  @0 dev read 0x1000 => 0x1000\n"
      "@1 dev evict all\n"
      "\t@2 unmap 0x400000 4K => 0\n"
      "# comment between\n"
      "  @0x10 dirty 0 4K noclear => {}\n"
      "  @1K phys 0 => 0x0\n"
      "  @ 5 dev evict 0x2000\n"
      "flush\n"
      "  @18446744073709551615 split 0 2M => EOPNOTSUPP\n"
      "dev read 0\n");
  ASSERT_EQ(s.ops.size(), 3u);
  const auto& inj = s.ops[0].inject;
  ASSERT_EQ(inj.size(), 6u);
  EXPECT_EQ(inj[0].after_access, 0u);
  EXPECT_EQ(inj[0].op.dev, DevKind::Read);
  EXPECT_EQ(inj[0].op.expect, number(0x1000));
  EXPECT_EQ(inj[1].op.dev, DevKind::EvictAll);
  EXPECT_EQ(inj[2].op.kind, OpKind::Unmap);
  EXPECT_EQ(inj[2].op.expect, number(0));
  EXPECT_EQ(inj[3].after_access, 16u);
  EXPECT_TRUE(inj[3].op.noclear);
  EXPECT_EQ(inj[4].after_access, 1024u);
  EXPECT_EQ(inj[5].after_access, 5u);
  EXPECT_EQ(inj[5].op.dev, DevKind::Evict);
  EXPECT_EQ(inj[5].op.line, 8);
  ASSERT_EQ(s.ops[1].inject.size(), 1u);
  EXPECT_EQ(s.ops[1].inject[0].after_access, UINT64_MAX);
  EXPECT_EQ(s.ops[1].inject[0].op.expect, err_expect(EOPNOTSUPP));
  EXPECT_TRUE(s.ops[2].inject.empty());
  expect_fixed_point(s, "");

  // Every target op takes injections.
  for (const char* target : {"map 0 0 4K r", "unmap 0 4K", "flush", "split 0 2M", "merge 0 2M", "dirty 0 4K",
                             "unmap_dirty 0 4K", "phys 0"}) {
    Script t = parse_ok(std::string(target) + "\n  @1 dev write 0\n");
    ASSERT_EQ(t.ops.size(), 1u) << target;
    EXPECT_EQ(t.ops[0].inject.size(), 1u) << target;
  }
}

// ---------------------------------------------------------------------------------------------
// Expectations

TEST(Script, ExpectNumbersAndErrnos) {
  EXPECT_EQ(one_op("map 0 0 4K r => 0").expect, number(0));
  EXPECT_EQ(one_op("map 0 0 4K r => EEXIST").expect, err_expect(EEXIST));
  EXPECT_EQ(one_op("map 0 0 4K r => ENOMEM").expect, err_expect(ENOMEM));
  EXPECT_EQ(one_op("map 1 0 4K r => EINVAL").expect, err_expect(EINVAL));
  EXPECT_EQ(one_op("split 0 2M => EOPNOTSUPP").expect, err_expect(EOPNOTSUPP));
  EXPECT_EQ(one_op("merge 0 2M => 0").expect, number(0));
  EXPECT_EQ(one_op("flush => 0").expect, number(0));
  EXPECT_EQ(one_op("unmap 0 2M => 2097152").expect, number(2097152));
  EXPECT_EQ(one_op("unmap 0 2M => 2M").expect, number(2097152));  // a number may have a suffix
  EXPECT_EQ(one_op("unmap 0 2M => EINVAL").expect, err_expect(EINVAL));
  EXPECT_EQ(one_op("unmap 0 1 => 9223372036854775807").expect, number(INT64_MAX));
  EXPECT_EQ(one_op("phys 0x1000 => 0").expect, number(0));
  EXPECT_EQ(one_op("phys 0x1000 => 0x80001000").expect, number(0x80001000));
  EXPECT_EQ(one_op("dev read 0 => 0x5000").expect, number(0x5000));
  EXPECT_EQ(one_op("dev fill 0 => 0x5000").expect, number(0x5000));
  EXPECT_EQ(one_op("dev write 0 => fault").expect->kind, Expect::Kind::Fault);
  EXPECT_EQ(one_op("dev fill 0 => fault").expect->kind, Expect::Kind::Fault);
  EXPECT_EQ(one_op("dirty 0 4K => EOPNOTSUPP").expect, err_expect(EOPNOTSUPP));
  EXPECT_EQ(one_op("unmap_dirty 0 4K => EINVAL").expect, err_expect(EINVAL));
}

// SPEC 3 writes errors as the negative values ops return: `=> -EINVAL` means `=> EINVAL`, for every
// errno name and every statement that takes one; the printer keeps the plain name.
TEST(Script, ExpectNegativeErrnoNames) {
  for (const char* name : {"EINVAL", "EEXIST", "ENOMEM", "EOPNOTSUPP"}) {
    for (const char* stmt : {"map 0 0 4K r", "unmap 0 4K", "flush", "split 0 2M", "merge 0 2M", "dirty 0 4K",
                             "unmap_dirty 0 4K"}) {
      const std::string plain = std::string(stmt) + " => " + name;
      const std::string negative = std::string(stmt) + " => -" + name;
      SCOPED_TRACE(negative);
      const Op op = one_op(negative);
      EXPECT_EQ(op, one_op(plain));
      EXPECT_EQ(print_statement(op), print_statement(one_op(plain)));
      EXPECT_EQ(print_expect(op, *op.expect), name);
    }
  }
  EXPECT_EQ(one_op("map 0 0 4K r=>-EEXIST").expect, err_expect(EEXIST));
  Script s = parse_ok("split 0 2M => -EOPNOTSUPP\n  @1 unmap 0x400000 4K => -EINVAL\n");
  ASSERT_EQ(s.ops.size(), 1u);
  ASSERT_EQ(s.ops[0].inject.size(), 1u);
  EXPECT_EQ(s.ops[0].expect, err_expect(EOPNOTSUPP));
  EXPECT_EQ(s.ops[0].inject[0].op.expect, err_expect(EINVAL));
}

TEST(Script, ExpectBitmapSets) {
  EXPECT_EQ(one_op("dirty 0 4K => {}").expect, bitmap({}));
  EXPECT_EQ(one_op("dirty 0 4K => { }").expect, bitmap({}));
  EXPECT_EQ(one_op("dirty 0 1G => {0x1000}").expect, bitmap({{0x1000, 0}}));
  EXPECT_EQ(one_op("dirty 0 1G => {0x1000,0x3000+8K}").expect, bitmap({{0x1000, 0}, {0x3000, 8192}}));
  EXPECT_EQ(one_op("dirty 0 1G => { 0x1000 , 0x3000 + 8K , 0x0 }").expect,
            bitmap({{0x1000, 0}, {0x3000, 8192}, {0, 0}}));
  EXPECT_EQ(one_op("dirty 0 1G=>{4096+4096}").expect, bitmap({{4096, 4096}}));
  // The set keeps the order written (the runner normalizes).
  EXPECT_EQ(one_op("dirty 0 1G => {0x3000, 0x1000}").expect, bitmap({{0x3000, 0}, {0x1000, 0}}));

  Op n = one_op("unmap_dirty 0 8K => 8192");
  ASSERT_TRUE(n.expect);
  EXPECT_EQ(n.expect->kind, Expect::Kind::Number);
  EXPECT_EQ(n.expect->value, 8192);
  EXPECT_FALSE(n.expect->has_bitmap);

  Op b = one_op("unmap_dirty 0 8K => 8192 {0x0+8K}");
  ASSERT_TRUE(b.expect);
  EXPECT_EQ(b.expect->kind, Expect::Kind::Number);
  EXPECT_TRUE(b.expect->has_bitmap);
  EXPECT_EQ(b.expect->bitmap, (std::vector<BitRun>{{0, 8192}}));
  EXPECT_EQ(print_expect(b, *b.expect), "8192 {0x0+8K}");
  EXPECT_EQ(print_statement(b), "unmap_dirty 0x0 8K => 8192 {0x0+8K}");

  Op m = one_op("dirty 0 1G => {0x1000, 0x3000+8K, 0x200000+2M, 0x7000+0x801}");
  EXPECT_EQ(print_statement(m), "dirty 0x0 1G => {0x1000, 0x3000+8K, 0x200000+2M, 0x7000+0x801}");
}

TEST(Script, PrintExpectForms) {
  Op unmap = one_op("unmap 0 4K");
  EXPECT_EQ(print_expect(unmap, number(4096)), "4096");
  EXPECT_EQ(print_expect(unmap, err_expect(EINVAL)), "EINVAL");
  Op phys = one_op("phys 0");
  EXPECT_EQ(print_expect(phys, number(0x80002000)), "0x80002000");
  Op dev = one_op("dev read 0");
  EXPECT_EQ(print_expect(dev, number(0)), "0x0");
  Expect fault;
  fault.kind = Expect::Kind::Fault;
  EXPECT_EQ(print_expect(dev, fault), "fault");
  EXPECT_EQ(print_expect(one_op("dirty 0 4K"), bitmap({})), "{}");
}

// ---------------------------------------------------------------------------------------------
// Printing helpers

TEST(Script, PrintSizeAndAddr) {
  EXPECT_EQ(print_size(4096), "4K");
  EXPECT_EQ(print_size(kSize2M), "2M");
  EXPECT_EQ(print_size(kSize1G), "1G");
  EXPECT_EQ(print_size(3 * kSize2M / 2), "3M");
  EXPECT_EQ(print_size(1536 * 1024), "1536K");
  EXPECT_EQ(print_size(1024), "1K");
  EXPECT_EQ(print_size(3 * kSize1G), "3G");
  EXPECT_EQ(print_size(kSize1G + kSize2M), "1026M");
  EXPECT_EQ(print_size(0), "0x0");
  EXPECT_EQ(print_size(1), "0x1");
  EXPECT_EQ(print_size(0x800), "2K");
  EXPECT_EQ(print_size(0x801), "0x801");
  EXPECT_EQ(print_size(UINT64_MAX), "0xffffffffffffffff");
  EXPECT_EQ(print_size(UINT64_MAX - (kSize1G - 1)), "17179869183G");
  EXPECT_EQ(print_addr(0), "0x0");
  EXPECT_EQ(print_addr(0x40000000), "0x40000000");
  EXPECT_EQ(print_addr(0xABCDEF), "0xabcdef");
  EXPECT_EQ(print_addr(UINT64_MAX), "0xffffffffffffffff");
}

TEST(Script, PrintStatementForms) {
  EXPECT_EQ(print_statement(one_op("map 4096 0x80000000 0x200000 rw => 0")), "map 0x1000 0x80000000 2M rw => 0");
  EXPECT_EQ(print_statement(one_op("unmap 0x1000 4097 => EINVAL")), "unmap 0x1000 0x1001 => EINVAL");
  EXPECT_EQ(print_statement(one_op("flush=>0")), "flush => 0");
  EXPECT_EQ(print_statement(one_op("split 0 2048K")), "split 0x0 2M");
  EXPECT_EQ(print_statement(one_op("merge 0 1024M")), "merge 0x0 1G");
  EXPECT_EQ(print_statement(one_op("phys 1 => 4096")), "phys 0x1 => 0x1000");
  EXPECT_EQ(print_statement(one_op("dev write 0x40001000 => fault")), "dev write 0x40001000 => fault");
  EXPECT_EQ(print_statement(one_op("map 0 0 4K none")), "map 0x0 0x0 4K none");
  EXPECT_EQ(print_statement(one_op("map 0 0 0 w")), "map 0x0 0x0 0x0 w");
  // Injections are not part of a statement.
  Script s = parse_ok("split 0 2M\n  @1 dev read 0\n");
  EXPECT_EQ(print_statement(s.ops[0]), "split 0x0 2M");
}

// ---------------------------------------------------------------------------------------------
// Lines, whitespace, comments, encodings

TEST(Script, WhitespaceCommentsAndCrlf) {
  const char* lf = "config bbml=2\nmap 0 0 4K rw # c\n  @1 dev read 0\nunmap 0 4K => 4096\n";
  const char* crlf = "config bbml=2\r\nmap 0 0 4K rw # c\r\n  @1 dev read 0\r\nunmap 0 4K => 4096\r\n";
  const char* spaced = "  \tconfig   bbml=2  \n\n\t map\t0  0 4K\trw\n@1 dev read 0 \n unmap 0 4K=>4096";
  Script a = parse_ok(lf), b = parse_ok(crlf), c = parse_ok(spaced);
  EXPECT_TRUE(same_script(a, b));
  EXPECT_TRUE(same_script(a, c));
  EXPECT_EQ(print_script(a), print_script(b));
  EXPECT_EQ(b.ops[1].line, 4);
  EXPECT_EQ(c.ops[1].line, 5);
}

TEST(Script, Utf8AndAnyBytesInComments) {
  Script s = parse_ok("map 0 0 4K r # größe: 4 KiB ✓\n# \xff\xfe\x01\x7f raw bytes\nflush#x\n");
  EXPECT_EQ(s.ops.size(), 2u);
  EXPECT_EQ(parse_ok("\xef\xbb\xbf# BOM at the start\nflush\n").ops.size(), 1u);
  std::string nul_comment = std::string("flush # a") + '\0' + "b\n";
  EXPECT_EQ(parse_ok(nul_comment).ops.size(), 1u);
}

TEST(Script, LongLines) {
  // A bitmap set of 100k runs on one line, and a million spaces.
  std::string set = "dirty 0x0 1G => {";
  for (int i = 0; i < 100000; ++i) set += (i ? ", " : "") + print_addr(uint64_t(i) * 4096);
  set += "}";
  Op op = one_op(set);
  ASSERT_TRUE(op.expect);
  EXPECT_EQ(op.expect->bitmap.size(), 100000u);
  EXPECT_TRUE(print_statement(op) == set);  // not EXPECT_EQ: a failure would print megabytes

  EXPECT_EQ(one_op("flush" + std::string(1000000, ' ')).kind, OpKind::Flush);
  // A number of a million digits: rejected, quickly.
  EXPECT_EQ(parse_err("phys " + std::string(1000000, '9')), "t.ops:1: number too large");
  EXPECT_EQ(parse_err("phys 0x" + std::string(1000000, '0') + "1"), "parsed");
  // A huge unknown word is quoted shortened.
  EXPECT_EQ(parse_err(std::string(100000, 'a')), "t.ops:1: unknown statement '" + std::string(40, 'a') + "...'");
}

// ---------------------------------------------------------------------------------------------
// Errors: every path, with its exact FILE:LINE message

struct ErrorCase {
  const char* text;
  const char* want;
};

TEST(Script, ErrorMessages) {
  const ErrorCase cases[] = {
      // statements
      {"foo", "t.ops:1: unknown statement 'foo'"},
      {"\n\n  bar 1 2", "t.ops:3: unknown statement 'bar'"},
      {"123", "t.ops:1: expected a statement, got '123'"},
      {"=> 0", "t.ops:1: expected a statement, got '=>'"},
      {"-", "t.ops:1: expected a statement, got '-'"},
      {"Map 0 0 4K r", "t.ops:1: unknown statement 'Map'"},
      {"map0x1000", "t.ops:1: unknown statement 'map0x1000'"},
      // numbers
      {"map x 0 4K r", "t.ops:1: expected a number after 'map', got 'x'"},
      {"map 0 x 4K r", "t.ops:1: expected a number after '0', got 'x'"},
      {"map", "t.ops:1: expected a number after 'map', got end of line"},
      {"map 0 0", "t.ops:1: expected a number after '0', got end of line"},
      {"map -1 0 4K r", "t.ops:1: expected a number after 'map', got '-'"},
      {"map 0 0 4k r", "t.ops:1: bad number '4k'"},
      {"map 0 0 4KB r", "t.ops:1: bad number '4KB'"},
      {"map 0x 0 4K r", "t.ops:1: bad number '0x'"},
      {"map 0xK 0 4K r", "t.ops:1: bad number '0xK'"},
      {"map 0xfg 0 4K r", "t.ops:1: bad number '0xfg'"},
      {"map 12abc 0 4K r", "t.ops:1: bad number '12abc'"},
      {"map 1_000 0 4K r", "t.ops:1: bad number '1_000'"},
      {"phys 18446744073709551616", "t.ops:1: number too large"},
      {"phys 0x10000000000000000", "t.ops:1: number too large"},
      {"phys 17179869184G", "t.ops:1: number too large"},
      {"phys 0xffffffffffffffffK", "t.ops:1: number too large"},
      {"phys 99999999999999999999zz", "t.ops:1: bad number '99999999999999999999zz'"},
      {"unmap 0 1.5M", "t.ops:1: trailing text '.5M'"},
      // map prot
      {"map 0 0 4K", "t.ops:1: prot must be r or rw, got end of line"},
      {"map 0 0 4K x", "t.ops:1: prot must be r or rw, got 'x'"},
      {"map 0 0 4K wr", "t.ops:1: prot must be r or rw, got 'wr'"},
      {"map 0 0 4K R", "t.ops:1: prot must be r or rw, got 'R'"},
      // trailing text
      {"map 0 0 4K rw xyz", "t.ops:1: trailing text 'xyz'"},
      {"map 0 0 4K rw 5 6  # c", "t.ops:1: trailing text '5 6'"},
      {"flush now", "t.ops:1: trailing text 'now'"},
      {"unmap 0 4K => 4096 4096", "t.ops:1: trailing text '4096'"},
      {"dirty 0 4K => {} x", "t.ops:1: trailing text 'x'"},
      {"dev evict all 0", "t.ops:1: trailing text '0'"},
      {"phys 0 => 0 =>", "t.ops:1: trailing text '=>'"},
      // dev
      {"dev", "t.ops:1: unknown device action end of line (read, write, fill, evict)"},
      {"dev jump 0", "t.ops:1: unknown device action 'jump' (read, write, fill, evict)"},
      {"dev 0", "t.ops:1: unknown device action '0' (read, write, fill, evict)"},
      {"dev read", "t.ops:1: expected a number after 'read', got end of line"},
      {"dev read all", "t.ops:1: expected a number after 'read', got 'all'"},
      {"dev evict", "t.ops:1: expected an address or 'all' after 'evict', got end of line"},
      {"dev evict some", "t.ops:1: expected an address or 'all' after 'evict', got 'some'"},
      // fail alloc
      {"fail", "t.ops:1: expected 'alloc' after 'fail', got end of line"},
      {"fail free 1", "t.ops:1: expected 'alloc' after 'fail', got 'free'"},
      {"fail alloc", "t.ops:1: expected a number after 'alloc', got end of line"},
      {"fail alloc 0", "t.ops:1: fail alloc N needs N >= 1"},
      {"fail alloc 1 => 0", "t.ops:1: fail alloc takes no '=> RESULT'"},
      // options
      {"dirty 0 4K bitmap=3K", "t.ops:1: bitmap= must be a power of two >= 4K"},
      {"dirty 0 4K bitmap=2K", "t.ops:1: bitmap= must be a power of two >= 4K"},
      {"dirty 0 4K bitmap=0", "t.ops:1: bitmap= must be a power of two >= 4K"},
      {"unmap_dirty 0 4K bitmap=12K", "t.ops:1: bitmap= must be a power of two >= 4K"},
      {"dirty 0 4K bitmap", "t.ops:1: expected '=' after 'bitmap', got end of line"},
      {"dirty 0 4K bitmap 8K", "t.ops:1: expected '=' after 'bitmap', got '8K'"},
      {"dirty 0 4K bitmap=", "t.ops:1: expected a number after '=', got end of line"},
      {"dirty 0 4K misalign=4096", "t.ops:1: misalign must be 0..4095"},
      {"unmap_dirty 0 4K misalign=0x1000", "t.ops:1: misalign must be 0..4095"},
      {"dirty 0 4K misalign=18446744073709551615", "t.ops:1: misalign must be 0..4095"},
      {"dirty 0 4K noclear noclear", "t.ops:1: duplicate option 'noclear'"},
      {"dirty 0 4K bitmap=8K misalign=1 bitmap=8K", "t.ops:1: duplicate option 'bitmap'"},
      {"unmap_dirty 0 4K misalign=1 misalign=1", "t.ops:1: duplicate option 'misalign'"},
      {"dirty 0 4K clear", "t.ops:1: unknown option 'clear' for dirty"},
      {"unmap_dirty 0 4K noclear", "t.ops:1: unknown option 'noclear' for unmap_dirty"},
      {"dirty 0 4K 8K", "t.ops:1: trailing text '8K'"},
      // results of the wrong kind
      {"map 0 0 4K r => fault", "t.ops:1: map expects a number or an errno name, got 'fault'"},
      {"map 0 0 4K r =>", "t.ops:1: map expects a number or an errno name, got end of line"},
      {"map 0 0 4K r => {}", "t.ops:1: map expects a number or an errno name, got '{'"},
      {"map 0 0 4K r => EFOO", "t.ops:1: unknown errno name 'EFOO'"},
      {"map 0 0 4K r => einval", "t.ops:1: map expects a number or an errno name, got 'einval'"},
      {"map 0 0 4K r => -22", "t.ops:1: expected an errno name after '-', got '22'"},
      {"map 0 0 4K r => -", "t.ops:1: expected an errno name after '-', got end of line"},
      {"map 0 0 4K r => -fault", "t.ops:1: expected an errno name after '-', got 'fault'"},
      {"map 0 0 4K r => -EFOO", "t.ops:1: unknown errno name 'EFOO'"},
      {"map 0 0 4K r => --EINVAL", "t.ops:1: expected an errno name after '-', got '-'"},
      {"dirty 0 4K => -{}", "t.ops:1: expected an errno name after '-', got '{'"},
      {"phys 0 => -EINVAL", "t.ops:1: phys expects an address, got '-'"},
      {"dev read 0 => -EINVAL", "t.ops:1: dev read expects an address or 'fault', got '-'"},
      {"unmap 0 4K => fault", "t.ops:1: unmap expects a number or an errno name, got 'fault'"},
      {"unmap 0 4K => 9223372036854775808", "t.ops:1: number too large"},
      {"flush => fault", "t.ops:1: flush expects a number or an errno name, got 'fault'"},
      {"split 0 2M => {}", "t.ops:1: split expects a number or an errno name, got '{'"},
      {"merge 0 2M => fault", "t.ops:1: merge expects a number or an errno name, got 'fault'"},
      {"phys 0 => fault", "t.ops:1: phys expects an address, got 'fault'"},
      {"phys 0 => EINVAL", "t.ops:1: phys expects an address, got 'EINVAL'"},
      {"dev read 0 => EFAULT", "t.ops:1: dev read expects an address or 'fault', got 'EFAULT'"},
      {"dev write 0 => {}", "t.ops:1: dev write expects an address or 'fault', got '{'"},
      {"dev fill 0 => Fault", "t.ops:1: dev fill expects an address or 'fault', got 'Fault'"},
      {"dev evict 0 => 0", "t.ops:1: dev evict takes no '=> RESULT'"},
      {"dev evict all => fault", "t.ops:1: dev evict all takes no '=> RESULT'"},
      {"dirty 0 4K => 0", "t.ops:1: dirty expects a bitmap set or an errno name, got '0'"},
      {"dirty 0 4K => fault", "t.ops:1: dirty expects a bitmap set or an errno name, got 'fault'"},
      {"unmap_dirty 0 4K => {}",
       "t.ops:1: unmap_dirty expects a number, a number and a bitmap set, or an errno name, got '{'"},
      {"unmap_dirty 0 4K => EINVAL {}", "t.ops:1: trailing text '{}'"},
      // bitmap sets
      {"dirty 0 4K => {", "t.ops:1: expected a number after '{', got end of line"},
      {"dirty 0 4K => {0x1000", "t.ops:1: expected ',' or '}' in a bitmap set, got end of line"},
      {"dirty 0 4K => {0x1000 0x2000}", "t.ops:1: expected ',' or '}' in a bitmap set, got '0x2000'"},
      {"dirty 0 4K => {0x1000,}", "t.ops:1: expected a number after ',', got '}'"},
      {"dirty 0 4K => {,}", "t.ops:1: expected a number after '{', got ','"},
      {"dirty 0 4K => {0x1000+}", "t.ops:1: expected a number after '+', got '}'"},
      {"dirty 0 4K => {0x1000+0}", "t.ops:1: a bitmap run needs a size > 0"},
      {"dirty 0 4K => {0xfffffffffffff000+8K}", "t.ops:1: bitmap run passes 2^64"},
      {"dirty 0 4K => {x}", "t.ops:1: expected a number after '{', got 'x'"},
      {"unmap_dirty 0 4K => 4096 {0x0", "t.ops:1: expected ',' or '}' in a bitmap set, got end of line"},
      // config
      {"config ibs=48", "t.ops:1: unknown config key 'ibs'"},
      {"config ias=48 ias=48", "t.ops:1: duplicate config key 'ias'"},
      {"config ias", "t.ops:1: expected '=' after 'ias', got end of line"},
      {"config ias=", "t.ops:1: expected a number after '=', got end of line"},
      {"config ias=40", "t.ops:1: ias must be 32, 36, 39, 42 or 48"},
      {"config ias=4294967344", "t.ops:1: ias must be 32, 36, 39, 42 or 48"},
      {"config oas=49", "t.ops:1: oas must be 32..48"},
      {"config oas=31", "t.ops:1: oas must be 32..48"},
      {"config bbml=3", "t.ops:1: bbml must be 0, 1 or 2"},
      {"config bbml=x", "t.ops:1: expected a number after '=', got 'x'"},
      {"config pgsizes=2M", "t.ops:1: pgsizes must include 4K"},
      {"config pgsizes=4K,8K", "t.ops:1: pgsizes may hold only 4K, 2M and 1G"},
      {"config pgsizes=12K", "t.ops:1: pgsizes may hold only 4K, 2M and 1G"},
      {"config pgsizes=4K,2M,4K", "t.ops:1: pgsizes lists 4K twice"},
      {"config pgsizes=4K,", "t.ops:1: expected a number after ',', got end of line"},
      {"config pgsizes=", "t.ops:1: expected a number after '=', got end of line"},
      {"config hw_dirty=1", "t.ops:1: hw_dirty must be on or off, got '1'"},
      {"config hw_dirty=", "t.ops:1: hw_dirty must be on or off, got end of line"},
      {"config flush=eager", "t.ops:1: flush must be strict or lazy, got 'eager'"},
      {"config 48", "t.ops:1: expected KEY=VALUE in config, got '48'"},
      {"config => 0", "t.ops:1: config takes no '=> RESULT'"},
      {"config ias=48 => 0", "t.ops:1: config takes no '=> RESULT'"},
      {"flush\nconfig ias=48", "t.ops:2: config must be the first statement"},
      {"config\nconfig", "t.ops:2: duplicate config line"},
      {"config ias=48\n\nflush\nconfig", "t.ops:4: duplicate config line"},
      // injections
      {"@1 dev read 0", "t.ops:1: '@' injection must follow a target operation"},
      {"config\n@1 dev read 0", "t.ops:2: '@' injection must follow a target operation"},
      {"dev read 0\n  @1 dev read 0", "t.ops:2: '@' injection must follow a target operation"},
      {"fail alloc 1\n  @1 dev read 0", "t.ops:2: '@' injection must follow a target operation"},
      {"map 0 0 4K r\ndev evict all\n  @1 phys 0", "t.ops:3: '@' injection must follow a target operation"},
      {"flush\n  @1 config", "t.ops:2: '@' injection cannot hold config"},
      {"flush\n  @1 fail alloc 1", "t.ops:2: '@' injection cannot hold 'fail alloc'"},
      {"flush\n  @1 @2 dev read 0", "t.ops:2: '@' injection cannot hold another '@'"},
      {"flush\n  @", "t.ops:2: expected a number after '@', got end of line"},
      {"flush\n  @x dev read 0", "t.ops:2: expected a number after '@', got 'x'"},
      {"flush\n  @1", "t.ops:2: expected a statement, got end of line"},
      {"flush\n  @1 => 0", "t.ops:2: expected a statement, got '=>'"},
      {"flush\n  @1 jump", "t.ops:2: unknown statement 'jump'"},
      {"flush\n  @1 dev read 0 => 1 2", "t.ops:2: trailing text '2'"},
      // bytes
      {"map 0 0 4K r\xc3\xa9", "t.ops:1: non-ASCII byte 0xc3 outside a comment"},
      {"flush\n\xef\xbb\xbf# BOM", "t.ops:2: non-ASCII byte 0xef outside a comment"},
      {"fl\x01ush", "t.ops:1: control character 0x01 outside a comment"},
      {"flush \x7f", "t.ops:1: control character 0x7f outside a comment"},
      // The first error wins.
      {"flush\nfoo\nbar", "t.ops:2: unknown statement 'foo'"},
  };
  for (const auto& c : cases) EXPECT_EQ(parse_err(c.text), c.want) << "input: " << c.text;
  // NUL outside a comment.
  EXPECT_EQ(parse_err(std::string("flush\0", 6)), "t.ops:1: control character 0x00 outside a comment");
}

TEST(Script, ParseErrorStr) {
  ParseError e{"dir/x.ops", 17, "unknown statement 'foo'"};
  EXPECT_EQ(e.str(), "dir/x.ops:17: unknown statement 'foo'");
  auto r = parse_script("flush\nflush\n\nfoo\n", "corpora/a.ops");
  ASSERT_TRUE(std::holds_alternative<ParseError>(r));
  const auto& err = std::get<ParseError>(r);
  EXPECT_EQ(err.file, "corpora/a.ops");
  EXPECT_EQ(err.line, 4);
  EXPECT_EQ(err.message, "unknown statement 'foo'");
}

// ---------------------------------------------------------------------------------------------
// Round trips

TEST(Script, RoundTripHandWritten) {
  const char* scripts[] = {
      kSpecExample,
      "",
      "config ias=32 oas=32 pgsizes=4K bbml=0 hw_dirty=off flush=lazy\nmap 0 0 4K r => 0\n",
      "config pgsizes=2M,4K\nmap 0x200000 0x400000 4M rw\nsplit 0x200000 2M => 0\n  @0 dev write 0x201000\n",
      "fail alloc 2\nmap 0 0 4K rw => ENOMEM\nfail alloc 1\nsplit 0 2M => ENOMEM\n",
      "dirty 0 1G noclear bitmap=2M misalign=5 => {0x0+2M, 0x40000000}\n",
      "unmap_dirty 0x1000 0x1001 bitmap=0x8000 => EINVAL\nunmap_dirty 0 4K => 0\nunmap_dirty 0 4K => 0 {0x0}\n",
      "map 0 0 0 none => EINVAL\nmap 0x1000 0 4K w => EINVAL\n",
      "dev evict all\ndev evict 0x1000\ndev fill 0x2000 => 0x3000\nflush => 0\n",
      "merge 0 1G => EOPNOTSUPP\n  @1 unmap 0x80000000 4K => 4096\n  @2 dirty 0x80000000 4K => {}\n"
      "  @3 unmap_dirty 0x80001000 4K => 4096 {}\n  @4 phys 0x80000000 => 0x0\n  @5 map 0 0 4K r => EEXIST\n"
      "  @6 split 0 4K\n  @7 merge 0 4K\n  @8 flush\n",
  };
  for (const char* text : scripts) {
    Script s = parse_ok(text);
    expect_fixed_point(s, text);
  }
}

// Random valid ops, built as data: print them, parse them back, compare.
class OpGen {
 public:
  explicit OpGen(uint64_t seed) : rng_(seed) {}

  uint64_t pick(uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_); }
  uint64_t any_u64() {
    switch (pick(6)) {
      case 0: return 0;
      case 1: return UINT64_MAX;
      case 2: return pick(1u << 20) << 12;
      case 3: return uint64_t(1) << pick(64);
      case 4: return pick(4) * kSize1G + pick(3) * kSize2M;
      default: return rng_();
    }
  }
  Expect expect_number(bool address) {
    Expect e;
    e.kind = Expect::Kind::Number;
    e.value = int64_t((address ? any_u64() : pick(1u << 30)) & uint64_t(INT64_MAX));
    return e;
  }
  Expect expect_errno() {
    static const int kErrs[] = {EINVAL, EEXIST, ENOMEM, EOPNOTSUPP, ENOENT, EBUSY, EFAULT, ERANGE};
    Expect e;
    e.kind = Expect::Kind::Errno;
    e.value = -kErrs[pick(8)];
    return e;
  }
  std::vector<BitRun> runs() {
    std::vector<BitRun> v(pick(4));
    for (auto& r : v) {
      r.addr = any_u64() & ~uint64_t(0xfff) & ((uint64_t(1) << 48) - 1);
      r.size = pick(2) ? 0 : (1 + pick(1024)) * 4096;
    }
    return v;
  }
  Op op(bool injected) {
    static const OpKind kTop[] = {OpKind::Map,  OpKind::Unmap,      OpKind::Flush, OpKind::Split, OpKind::Merge,
                                  OpKind::Dirty, OpKind::UnmapDirty, OpKind::Phys,  OpKind::Dev,   OpKind::FailAlloc};
    Op op;
    op.kind = kTop[pick(injected ? 9 : 10)];
    const bool with_expect = pick(2);
    switch (op.kind) {
      case OpKind::Map:
        op.paddr = any_u64();
        op.prot = unsigned(pick(4));
        [[fallthrough]];
      case OpKind::Unmap:
      case OpKind::Split:
      case OpKind::Merge:
        op.iova = any_u64();
        op.size = any_u64();
        if (with_expect) op.expect = pick(2) ? expect_number(false) : expect_errno();
        break;
      case OpKind::Flush:
        if (with_expect) op.expect = pick(2) ? expect_number(false) : expect_errno();
        break;
      case OpKind::Phys:
        op.iova = any_u64();
        if (with_expect) op.expect = expect_number(true);
        break;
      case OpKind::Dirty:
      case OpKind::UnmapDirty:
        op.iova = any_u64();
        op.size = any_u64();
        op.noclear = op.kind == OpKind::Dirty && pick(2);
        op.bitmap_pgsize = uint64_t(4096) << pick(20);
        op.misalign = unsigned(pick(4096));
        if (with_expect) {
          if (pick(3) == 0) {
            op.expect = expect_errno();
          } else if (op.kind == OpKind::Dirty) {
            Expect e;
            e.kind = Expect::Kind::Bitmap;
            e.bitmap = runs();
            op.expect = e;
          } else {
            op.expect = expect_number(false);
            if (pick(2)) {
              op.expect->has_bitmap = true;
              op.expect->bitmap = runs();
            }
          }
        }
        break;
      case OpKind::Dev:
        op.dev = DevKind(1 + pick(5));
        if (op.dev != DevKind::EvictAll) op.iova = any_u64();
        if (with_expect && op.dev != DevKind::Evict && op.dev != DevKind::EvictAll) {
          if (pick(2)) {
            op.expect = expect_number(true);
          } else {
            Expect e;
            e.kind = Expect::Kind::Fault;
            op.expect = e;
          }
        }
        break;
      case OpKind::FailAlloc: op.fail_index = 1 + pick(100); break;
    }
    if (!injected && is_target_op(op.kind)) {
      const size_t n = pick(4) == 0 ? pick(4) : 0;
      for (size_t i = 0; i < n; ++i) op.inject.push_back(Injection{pick(3) ? pick(40) : any_u64(), this->op(true)});
    }
    return op;
  }
  Script script() {
    Script s;
    s.has_config = pick(2);
    static const unsigned kIas[] = {32, 36, 39, 42, 48};
    s.config.ias = kIas[pick(5)];
    s.config.oas = unsigned(32 + pick(17));
    s.config.pgsizes = kSize4K | (pick(2) ? kSize2M : 0) | (pick(2) ? kSize1G : 0);
    s.config.bbml = unsigned(pick(3));
    s.config.hw_dirty = pick(2);
    s.config.lazy = pick(2);
    const size_t n = pick(12);
    for (size_t i = 0; i < n; ++i) s.ops.push_back(op(false));
    return s;
  }

 private:
  std::mt19937_64 rng_;
};

TEST(Script, RoundTripGeneratedScripts) {
  const uint64_t seed = 0x5eed0001;
  std::printf("RoundTripGeneratedScripts seed=0x%llx\n", (unsigned long long)seed);
  OpGen gen(seed);
  for (int i = 0; i < 5000; ++i) {
    Script s = gen.script();
    const std::string printed = print_script(s);
    auto r = parse_script(printed, kFile);
    auto* back = std::get_if<Script>(&r);
    ASSERT_NE(back, nullptr) << std::get<ParseError>(r).str() << "\n" << printed;
    ASSERT_TRUE(same_script(s, *back)) << printed;
    ASSERT_EQ(print_script(*back), printed);
  }
}

// ---------------------------------------------------------------------------------------------
// Robustness: random and mutated inputs never crash the parser, and what parses round-trips.

TEST(Script, RandomInputsNeverCrashAndRoundTrip) {
  const uint64_t seed = 0xC0FFEE5C817;
  const int kInputs = 200000;
  std::printf("RandomInputsNeverCrashAndRoundTrip seed=0x%llx inputs=%d\n", (unsigned long long)seed, kInputs);
  std::mt19937_64 rng(seed);
  auto pick = [&](size_t n) { return size_t(std::uniform_int_distribution<uint64_t>(0, n - 1)(rng)); };

  static const char* const kTokens[] = {
      "config", "map", "unmap", "flush", "split", "merge", "phys", "dirty", "unmap_dirty", "dev", "read", "write",
      "fill", "evict", "all", "fail", "alloc", "ias=48", "oas=40", "ias=39", "pgsizes=4K,2M", "pgsizes=1G,4K",
      "bbml=2", "bbml=0", "hw_dirty=off", "flush=lazy", "r", "rw", "w", "none", "noclear", "bitmap=8K",
      "bitmap=3K", "misalign=3", "misalign=64", "=>", "=", "{", "}", "+", ",", "@", "@3", "@0", "0", "1", "4096",
      "0x40000000", "0x1000", "4K", "2M", "1G", "0x10K", "18446744073709551615", "18446744073709551616",
      "0xffffffffffffffff", "99999999999999999999", "17179869184G", "EINVAL", "ENOMEM", "EEXIST", "EOPNOTSUPP",
      "EFOO", "fault", "#", " ", "  ", "\t", "\r", "\n", "\r\n", "\n  @1 ", "{0x1000+4K, 0x3000}", "{}", "é",
      "\xff", "\x00", "-", ".", "x",
  };
  constexpr size_t kNumTokens = sizeof kTokens / sizeof kTokens[0];

  OpGen gen(seed ^ 0x9e3779b97f4a7c15ull);
  size_t parsed = 0;
  for (int i = 0; i < kInputs; ++i) {
    std::string input;
    switch (pick(3)) {
      case 0: {  // tokens of the language glued by spaces, newlines and random bytes
        const size_t n = 1 + pick(24);
        for (size_t t = 0; t < n; ++t) {
          if (pick(8) == 0) input += char(pick(256));
          else input += std::string(kTokens[pick(kNumTokens)]) + (pick(3) ? " " : "");
        }
        break;
      }
      case 1: {  // a valid script, mutated a few times
        input = print_script(gen.script());
        const size_t n = 1 + pick(4);
        for (size_t m = 0; m < n && !input.empty(); ++m) {
          const size_t at = pick(input.size());
          switch (pick(4)) {
            case 0: input[at] = char(pick(256)); break;
            case 1: input.erase(at, 1 + pick(8)); break;
            case 2: input.insert(at, kTokens[pick(kNumTokens)]); break;
            default: input.insert(at, 1, char(pick(256))); break;
          }
        }
        break;
      }
      default: {  // valid statements, one a line, in random order (so @ and config land anywhere)
        const size_t n = 1 + pick(8);
        for (size_t l = 0; l < n; ++l) {
          if (pick(6) == 0) input += "  @" + std::to_string(pick(10)) + " ";
          if (pick(10) == 0) input += "config bbml=2 ";
          else input += print_statement(gen.op(false));
          input += pick(10) == 0 ? "\r\n" : "\n";
        }
        break;
      }
    }

    auto r = parse_script(input, kFile);
    if (auto* e = std::get_if<ParseError>(&r)) {
      ASSERT_GE(e->line, 1);
      ASSERT_FALSE(e->message.empty());
      continue;
    }
    ++parsed;
    const Script& s = std::get<Script>(r);
    const std::string printed = print_script(s);
    auto r2 = parse_script(printed, kFile);
    auto* back = std::get_if<Script>(&r2);
    ASSERT_NE(back, nullptr) << "input #" << i << " parsed but its print did not: " << std::get<ParseError>(r2).str();
    ASSERT_TRUE(same_script(s, *back)) << "input #" << i << " printed:\n" << printed;
    ASSERT_EQ(print_script(*back), printed) << "input #" << i;
  }
  std::printf("  %zu of %d inputs parsed\n", parsed, kInputs);
  // The generator must reach the success path often enough for the round-trip check to mean something.
  EXPECT_GT(parsed, size_t(kInputs / 20));
}

}  // namespace
}  // namespace ptc
