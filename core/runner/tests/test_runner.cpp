// Unit tests of the differential runner. Each synthetic target wraps the optimized table and lies in
// one specific way; the runner must name the right oracle. (The broken builds of the table itself
// are exercised by the corpora/oracles scenarios.)
#include "core/runner/runner.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <variant>

#include "core/lpae/lpae_target.h"
#include "core/script/script.h"
#include "core/script/testing/parse_for_test.h"

namespace ptc {
namespace {

Script parse(const std::string& text) { return parse_for_test(text); }

const ptc_target_ops& real() { return *ptc_lpae_ops(); }

// Synthetic targets: the real table with one behaviour replaced.
ptc_target_ops with_phys_off_by_page() {
  ptc_target_ops o = real();
  o.iova_to_phys = [](struct ptc_target* t, uint64_t iova) -> uint64_t {
    const uint64_t pa = ptc_lpae_ops()->iova_to_phys(t, iova);
    return pa ? pa + 0x1000 : 0;
  };
  return o;
}
ptc_target_ops with_extra_record() {
  ptc_target_ops o = real();
  o.read_and_clear_dirty = [](struct ptc_target* t, uint64_t iova, uint64_t size, unsigned flags, const ptc_dirty* d) {
    const int r = ptc_lpae_ops()->read_and_clear_dirty(t, iova, size, flags, d);
    d->record(d->ctx, iova, 0x1000);  // always claims the first page
    return r;
  };
  return o;
}
ptc_target_ops with_silent_clear() {
  ptc_target_ops o = real();
  o.read_and_clear_dirty = [](struct ptc_target* t, uint64_t iova, uint64_t size, unsigned flags, const ptc_dirty* d) {
    static const ptc_dirty sink{nullptr, [](void*, uint64_t, uint64_t) {}};
    return ptc_lpae_ops()->read_and_clear_dirty(t, iova, size, flags, &sink);  // cleans, reports nothing
  };
  return o;
}
ptc_target_ops with_wrong_unmap_count() {
  ptc_target_ops o = real();
  o.unmap = [](struct ptc_target* t, uint64_t iova, uint64_t size) -> int64_t {
    const int64_t r = ptc_lpae_ops()->unmap(t, iova, size);
    return r > 0 ? r - 0x1000 : r;
  };
  return o;
}
ptc_target_ops refusing_everything() {
  ptc_target_ops o = real();
  o.create = [](const ptc_cfg*, const ptc_hw*) -> struct ptc_target* { return nullptr; };
  return o;
}

TEST(Runner, ConfigSignature) {
  EXPECT_EQ(config_signature(Config{}), "ias48-4K2M1G-bbml1-hd-strict");
  Config c;
  c.ias = 39;
  c.pgsizes = kSize4K | kSize2M;
  c.bbml = 2;
  c.hw_dirty = false;
  c.lazy = true;
  EXPECT_EQ(config_signature(c), "ias39-4K2M-bbml2-nohd-lazy");
}

TEST(Runner, HoldsOnTheRealTable) {
  const RunResult r = run_script(parse("map 0x1000 0x2000 4K rw => 0\n"
                                       "dev write 0x1000 => 0x2000\n"
                                       "dirty 0x0 1M => {0x1000}\n"
                                       "unmap 0x1000 4K => 4096\n"),
                                 &real());
  EXPECT_TRUE(r.ok()) << (r.failure ? r.failure->trace : "");
  EXPECT_EQ(r.statements, 4u);
}

TEST(Runner, WrongExpectationIsReportedWithLine) {
  const RunResult r = run_script(parse("map 0x1000 0x2000 4K rw\nphys 0x1000 => 0x3000\n"), &real());
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->line, 2);
  EXPECT_NE(r.failure->message.find("the script expects 0x3000"), std::string::npos) << r.failure->message;
  EXPECT_NE(r.failure->trace.find("replay: ptcheck run test.ops"), std::string::npos);
}

TEST(Runner, TranslationDivergence) {
  const ptc_target_ops o = with_phys_off_by_page();
  const RunResult r = run_script(parse("map 0x1000 0x2000 4K rw\n"), &o);
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->oracle, Oracle::Divergence);
  EXPECT_EQ(r.failure->signature, "divergence:map:ias48-4K2M1G-bbml1-hd-strict");
  EXPECT_NE(r.failure->message.find("iova_to_phys(0x1000) returns 0x3000"), std::string::npos) << r.failure->message;
}

TEST(Runner, ResultDivergence) {
  const ptc_target_ops o = with_wrong_unmap_count();
  const RunResult r = run_script(parse("map 0x1000 0x2000 8K rw\nunmap 0x0 1M\n"), &o);
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->oracle, Oracle::Divergence);
  EXPECT_NE(r.failure->message.find("returned 4096; the reference returns 8192"), std::string::npos)
      << r.failure->message;
}

TEST(Runner, PhantomDirty) {
  const ptc_target_ops o = with_extra_record();
  const RunResult r = run_script(parse("map 0x40000000 0x1000 8K rw\n"
                                       "dirty 0x40000000 8K\n"
                                       "dirty 0x40000000 8K\n"),
                                 &o);
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->oracle, Oracle::PhantomDirty);
  EXPECT_EQ(r.failure->line, 3);
}

TEST(Runner, LostDirtyFromTheLedger) {
  const ptc_target_ops o = with_silent_clear();
  // The first read must report the new mapping (a divergence); a later write that is never reported
  // is a lost write. Start from a state the lying target reports correctly: nothing dirty.
  const RunResult r = run_script(parse("config hw_dirty=on\n"
                                       "map 0x40000000 0x1000 8K rw\n"
                                       "dirty 0x40000000 8K\n"),
                                 &o);
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->oracle, Oracle::Divergence);
  const RunResult w = run_script(parse("map 0x40000000 0x1000 8K rw\n"
                                       "unmap_dirty 0x40000000 8K\n"
                                       "map 0x40000000 0x1000 8K rw\n"
                                       "dev write 0x40001000\n"
                                       "dirty 0x40000000 8K\n"),
                                 &o);
  ASSERT_TRUE(w.failure);
  EXPECT_EQ(w.failure->oracle, Oracle::LostDirty) << w.failure->trace;
  EXPECT_NE(w.failure->message.find("page 0x40001000"), std::string::npos) << w.failure->message;
}

TEST(Runner, DeviceOutcomeExpectation) {
  const RunResult r = run_script(parse("map 0x1000 0x2000 4K r\ndev write 0x1000 => 0x2000\n"), &real());
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->oracle, Oracle::DeviceOutcome);
}

TEST(Runner, RefusedConfigIsSkipped) {
  const ptc_target_ops o = refusing_everything();
  const RunResult r = run_script(parse("map 0x1000 0x2000 4K r\n"), &o);
  EXPECT_TRUE(r.skipped);
  EXPECT_TRUE(r.ok());
}

TEST(Runner, EnomemIsAllOrNothing) {
  const RunResult r = run_script(parse("fail alloc 2\nmap 0x1000 0x2000 4K r => ENOMEM\nphys 0x1000 => 0\n"), &real());
  EXPECT_TRUE(r.ok()) << (r.failure ? r.failure->trace : "");
}

TEST(Runner, InjectionsRunDuringAndAfterTheOp) {
  // @0 runs before the first access; @1000000 is past the op's last access and runs right after it.
  const RunResult r = run_script(parse("map 0x40000000 0x80000000 2M rw\n"
                                       "split 0x40000000 2M => 0\n"
                                       "  @0 dev write 0x40001000 => 0x80001000\n"
                                       "  @1000000 dev read 0x40002000 => 0x80002000\n"
                                       "  @1000000 map 0x50000000 0x1000 4K r => 0\n"
                                       "phys 0x50000000 => 0x1000\n"),
                                 &real());
  EXPECT_TRUE(r.ok()) << (r.failure ? r.failure->trace : "");
  EXPECT_EQ(r.statements, 6u);
}

Op map_op(uint64_t iova, uint64_t pa, uint64_t size) {
  Op op;
  op.kind = OpKind::Map;
  op.iova = iova;
  op.paddr = pa;
  op.size = size;
  op.prot = PTC_PROT_READ | PTC_PROT_WRITE;
  return op;
}

TEST(Session, StatementsRunOneAtATimeAndNumberThemselves) {
  Session s(Config{}, &real(), {}, "seq.ops");
  ASSERT_TRUE(s.started());
  EXPECT_TRUE(s.step(map_op(0x1000, 0x2000, 0x1000)));
  Op dev;
  dev.kind = OpKind::Dev;
  dev.dev = DevKind::Write;
  dev.iova = 0x1000;
  EXPECT_TRUE(s.step(dev));
  EXPECT_TRUE(s.finish());
  ASSERT_EQ(s.script().ops.size(), 2u);
  EXPECT_EQ(s.script().ops[0].line, 1);
  EXPECT_EQ(s.script().ops[1].line, 2);
  EXPECT_EQ(s.statements(), 2u);
}

TEST(Session, FailureTraceShowsTheSequenceAndStopsFurtherSteps) {
  const ptc_target_ops o = with_phys_off_by_page();
  Session s(Config{}, &o, {}, "seq.ops");
  EXPECT_FALSE(s.step(map_op(0x1000, 0x2000, 0x1000)));
  ASSERT_TRUE(s.failure());
  EXPECT_EQ(s.failure()->oracle, Oracle::Divergence);
  EXPECT_EQ(s.failure()->line, 1);
  EXPECT_NE(s.failure()->trace.find("map 0x1000 0x2000 4K rw"), std::string::npos) << s.failure()->trace;
  EXPECT_FALSE(s.step(map_op(0x3000, 0x2000, 0x1000)));  // nothing runs after a failure
  EXPECT_EQ(s.script().ops.size(), 1u);
  EXPECT_FALSE(s.finish());
}

TEST(Session, FailureInsideAnInjectionEndsTheRunCleanly) {
  // The injected map fails its check while the outer op is still running; tearing the target down
  // afterwards must not run the dead op's injections (ASan reported a use after free).
  ptc_target_ops o = real();
  o.iova_to_phys = [](struct ptc_target* t, uint64_t iova) -> uint64_t {
    const uint64_t pa = ptc_lpae_ops()->iova_to_phys(t, iova);
    return pa && iova >= 0x80000000 ? pa + 0x1000 : pa;  // wrong only for the injected map's range
  };
  const RunResult r = run_script(parse("map 0x40000000 0x80000000 2M rw\n"
                                       "split 0x40000000 2M\n"
                                       "  @0 map 0x80000000 0x5000 4K rw\n"
                                       "  @2 dev write 0x40001000\n"),
                                 &o);
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->oracle, Oracle::Divergence);
  EXPECT_EQ(r.failure->line, 3) << r.failure->trace;
}

TEST(Session, RefusedConfigDoesNotStart) {
  const ptc_target_ops o = refusing_everything();
  Session s(Config{}, &o);
  EXPECT_FALSE(s.started());
  EXPECT_NE(s.skip_reason().find("refuses config"), std::string::npos);
  EXPECT_FALSE(s.step(map_op(0x1000, 0x2000, 0x1000)));
}

}  // namespace
}  // namespace ptc
