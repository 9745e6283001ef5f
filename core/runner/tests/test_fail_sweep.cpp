// Unit tests of the fail sweep's variants (core/runner/fail_sweep.h): which operations are swept, what a
// variant says, and that a run tells whether the swept operation reached its Nth allocation.
#include "core/runner/fail_sweep.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <string>

#include "core/lpae/lpae_target.h"
#include "core/script/script.h"
#include "core/script/testing/parse_for_test.h"

namespace ptc {
namespace {

const char kScript[] =
    "map 0x40000000 0x80000000 2M rw => 0\n"
    "dev write 0x40000000\n"
    "fail alloc 2\n"
    "dev read 0x40000000\n"
    "split 0x40000000 2M\n"
    "map 0x40000000 0x80000000 4K rw => -EEXIST\n"
    "  @1 dev read 0x40000000 => 0x80000000\n"
    "phys 0x40000000 => 0x80000000\n";

TEST(FailSweep, SweepsEveryTargetOpTheScriptDoesNotArm) {
  const Script s = parse_for_test(kScript);
  // map (0), split (4) is armed by the script's own `fail alloc 2`, map (5), phys (6).
  EXPECT_EQ(fail_sweep_ops(s), (std::vector<size_t>{0, 5, 6}));
}

TEST(FailSweep, VariantFailsTheNthAllocationAndDropsLaterExpectations) {
  const Script s = parse_for_test(kScript);
  const FailSweepVariant v = fail_sweep_variant(s, 5, 3, "out/v.ops");
  EXPECT_EQ(v.n, 3u);
  EXPECT_EQ(v.source_line, 6);
  EXPECT_EQ(v.script.file, "out/v.ops");
  ASSERT_EQ(v.script.ops.size(), s.ops.size() + 1);
  const Op& fail = v.script.ops[v.op_index - 1];
  EXPECT_EQ(fail.kind, OpKind::FailAlloc);
  EXPECT_EQ(fail.fail_index, 3u);
  EXPECT_EQ(v.script.ops[v.op_index].kind, OpKind::Map);
  // Before the swept op: the script's own statements and expectations, its own `fail alloc` kept.
  EXPECT_TRUE(v.script.ops[0].expect);
  EXPECT_EQ(v.script.ops[2].kind, OpKind::FailAlloc);
  EXPECT_EQ(v.script.ops[2].fail_index, 2u);
  // From the swept op on: no expectation, injected ones included.
  for (size_t i = v.op_index; i < v.script.ops.size(); ++i) {
    EXPECT_FALSE(v.script.ops[i].expect) << i;
    for (const Injection& inj : v.script.ops[i].inject) EXPECT_FALSE(inj.op.expect) << i;
  }
  // The lines are the text's: the replay file names the statement the trace names.
  auto parsed = parse_script(v.text, "out/v.ops");
  ASSERT_TRUE(std::holds_alternative<Script>(parsed));
  EXPECT_TRUE(same_script(std::get<Script>(parsed), v.script));
  EXPECT_EQ(std::get<Script>(parsed).ops[v.op_index].line, v.line);
  EXPECT_NE(v.text.find("line 6, `map 0x40000000 0x80000000 4K rw => EEXIST`, with its table allocation 3 failing"),
            std::string::npos)
      << v.text;
}

TEST(FailSweep, VariantKeepsTheContractOffTheTextUnlessTheScriptNamesIt) {
  Script s = parse_for_test("map 0x40000000 0x80000000 4K rw\n");
  s.config.contract = Contract::Linux;  // given on the command line
  FailSweepVariant v = fail_sweep_variant(s, 0, 1, "v.ops");
  EXPECT_EQ(v.text.find("contract="), std::string::npos);
  EXPECT_EQ(v.script.config.contract, Contract::Linux);
  EXPECT_FALSE(v.script.has_contract);
  s = parse_for_test("config contract=linux\nmap 0x40000000 0x80000000 4K rw\n");
  v = fail_sweep_variant(s, 0, 1, "v.ops");
  EXPECT_NE(v.text.find("contract=linux"), std::string::npos);
  EXPECT_TRUE(v.script.has_contract);
}

TEST(FailSweep, ARunTellsWhetherTheNthAllocationWasReached) {
  // The built-in table maps 4K into an empty table with three new tables (L1, L2, L3).
  const Script s = parse_for_test("map 0x40000000 0x80000000 4K rw => 0\nphys 0x40000000 => 0x80000000\n");
  for (uint64_t n = 1; n <= 4; ++n) {
    const FailSweepVariant v = fail_sweep_variant(s, 0, n, "v.ops");
    const RunResult r = run_script(v.script, ptc_lpae_ops());
    EXPECT_TRUE(r.ok()) << n << ": " << (r.failure ? r.failure->trace : "");
    EXPECT_EQ(fail_sweep_reached(v, r), n <= 3) << n;
  }
  // phys allocates nothing: its first allocation is never reached.
  const FailSweepVariant v = fail_sweep_variant(s, 1, 1, "v.ops");
  EXPECT_FALSE(fail_sweep_reached(v, run_script(v.script, ptc_lpae_ops())));
}

}  // namespace
}  // namespace ptc
