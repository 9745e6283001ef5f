// Unit tests of the differential runner. Each synthetic target wraps the optimized table and lies in
// one specific way; the runner must name the right oracle. (The broken builds of the table itself
// are exercised by the corpora/oracles scenarios.)
#include "core/runner/runner.h"
#include "core/runner/target_loader.h"

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

// Linux's iommu_map: page by page, and on a failure it unmaps what it mapped (SPEC 5.2: a device may
// see such a page while the map runs; a write through it needs no dirty record).
ptc_target_ops mapping_page_by_page() {
  ptc_target_ops o = real();
  o.map = [](struct ptc_target* t, uint64_t iova, uint64_t pa, uint64_t size, unsigned prot) -> int {
    for (uint64_t off = 0; off < size; off += 0x1000) {
      const int r = ptc_lpae_ops()->map(t, iova + off, pa + off, 0x1000, prot);
      if (r == 0) continue;
      if (off) ptc_lpae_ops()->unmap(t, iova, off);
      return r;
    }
    return 0;
  };
  return o;
}

// The transient page of a failing map (issue 13): fails on a runner that allows a device access
// during a map only the translation before or after it.
TEST(Runner, FailingMapMayShowItsPagesWhileItRuns) {
  const ptc_target_ops target = mapping_page_by_page();
  std::string script = "config pgsizes=4K\nfail alloc 4\nmap 0x401ff000 0x80000000 8K rw\n";
  for (int n = 1; n <= 60; ++n) script += "  @" + std::to_string(n) + " dev write 0x401ff000\n";
  script += "dev write 0x401ff000 => fault\ndirty 0x40000000 4M => {}\n";
  const RunResult r = run_script(parse(script), &target);
  ASSERT_TRUE(r.ok()) << r.failure->trace;
  // The page was visible while the map ran (a device write reached it): else the test proves nothing.
  for (int n = 1; n <= 60; ++n) {
    const RunResult probe = run_script(parse("config pgsizes=4K\nfail alloc 4\nmap 0x401ff000 0x80000000 8K rw\n  @" +
                                             std::to_string(n) + " dev write 0x401ff000 => 0x80000000\n"),
                                       &target);
    if (probe.ok()) return;
  }
  FAIL() << "no device write reached the map's first page while it ran";
}

ptc_target_ops without_split_and_merge() {
  ptc_target_ops o = real();
  o.split = nullptr;
  o.merge = nullptr;
  return o;
}

// SPEC 6: a NULL entry means the table does not offer the operation: its statements are skipped
// with the reason, never called (on a runner that calls them, this test crashes).
TEST(Runner, AnOperationTheTargetDoesNotOfferIsSkipped) {
  const ptc_target_ops target = without_split_and_merge();
  const RunResult r = run_script(parse("map 0x40000000 0x80000000 2M rw => 0\n"
                                       "split 0x40000000 2M => 0\n"
                                       "  @1 dev write 0x40001000\n"
                                       "dirty 0x40000000 2M => {0x40001000}\n"   // counted on the split: not checked
                                       "merge 0x40000000 2M\n"),
                                 &target);
  ASSERT_TRUE(r.ok()) << r.failure->trace;
  ASSERT_EQ(r.skipped_statements.size(), 2u);
  EXPECT_EQ(r.skipped_statements[0].line, 2);
  EXPECT_NE(r.skipped_statements[0].reason.find("does not offer split"), std::string::npos);
  EXPECT_NE(r.skipped_statements[1].reason.find("does not offer merge"), std::string::npos);
  // The oracles still hold after a skip: a phantom record is caught.
  ptc_target_ops lying = with_extra_record();
  lying.split = nullptr;
  const RunResult bad = run_script(parse("map 0x40000000 0x80000000 2M rw => 0\nsplit 0x40000000 2M\n"
                                         "dirty 0x40000000 2M\ndirty 0x40200000 2M\n"),
                                   &lying);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.failure->oracle, Oracle::PhantomDirty);
}

// SPEC 9: contract=linux issues nothing Linux's callers never would (a map over a mapped page, an
// unmap of a hole or of part of a block, a dirty read of a hole); contract=spec issues all of it.
TEST(Runner, TheLinuxProfileSkipsWhatItsCallersNeverIssue) {
  const std::string body = "map 0x40000000 0x80000000 2M rw => 0\n"
                           "map 0x40000000 0x90000000 4K rw => EEXIST\n"
                           "unmap 0x40000000 4K => EINVAL\n"
                           "dirty 0x40000000 4M\n"
                           "unmap_dirty 0x40200000 2M => 0 {}\n"
                           "phys 0x40000000 => 0x80000000\n";
  const RunResult spec = run_script(parse(body), &real());
  ASSERT_TRUE(spec.ok()) << spec.failure->trace;
  EXPECT_TRUE(spec.skipped_statements.empty());
  const RunResult linux_run = run_script(parse("config contract=linux\n" + body), &real());
  ASSERT_TRUE(linux_run.ok()) << linux_run.failure->trace;
  ASSERT_EQ(linux_run.skipped_statements.size(), 4u);
  EXPECT_NE(linux_run.skipped_statements[0].reason.find("map over a mapped page"), std::string::npos);
  EXPECT_NE(linux_run.skipped_statements[1].reason.find("cuts a leaf"), std::string::npos);
  EXPECT_NE(linux_run.skipped_statements[2].reason.find("dirty read of a range with a hole"), std::string::npos);
  EXPECT_NE(linux_run.skipped_statements[3].reason.find("hole"), std::string::npos);
  // The failure report names the profile.
  const RunResult caught = run_script(parse("config contract=linux\nmap 0x1000 0x2000 4K rw => 0\nphys 0x1000 => 0x3000\n"), &real());
  ASSERT_FALSE(caught.ok());
  EXPECT_NE(caught.failure->trace.find("contract linux"), std::string::npos) << caught.failure->trace;
  EXPECT_NE(caught.failure->signature.find("-linux"), std::string::npos) << caught.failure->signature;
}

// A dirty walk that skips the first page of its range: it neither records nor cleans it.
ptc_target_ops with_walk_skipping_first_page() {
  ptc_target_ops o = real();
  o.read_and_clear_dirty = [](struct ptc_target* t, uint64_t iova, uint64_t size, unsigned flags, const ptc_dirty* d) {
    return size > 0x1000 ? ptc_lpae_ops()->read_and_clear_dirty(t, iova + 0x1000, size - 0x1000, flags, d) : 0;
  };
  return o;
}

// The most specific oracle wins (issue 13; docs/HARNESS.md "The order of the checks"): a read that
// skips a leaf a device wrote is lost-dirty, not the divergence of the dirty state it left behind; one
// that skips a leaf only a map made dirty did not record it (divergence of the records).
TEST(Runner, ASkippedLeafIsLostDirtyWhenADeviceWroteIt) {
  const ptc_target_ops target = with_walk_skipping_first_page();
  // Only the map made the page dirty: the read's records diverge.
  const RunResult mapped = run_script(parse("config pgsizes=4K\nmap 0x40000000 0x80000000 8K rw\ndirty 0x40000000 8K\n"),
                                      &target);
  ASSERT_FALSE(mapped.ok());
  EXPECT_EQ(mapped.failure->oracle, Oracle::Divergence) << mapped.failure->trace;
  EXPECT_NE(mapped.failure->message.find("did not record page 0x40000000"), std::string::npos) << mapped.failure->message;
  // A device wrote it after a read cleaned it (the read's range starts one unmapped page earlier, the
  // page it skips): the next read loses the write.
  const RunResult written = run_script(parse("config pgsizes=4K\nmap 0x40000000 0x80000000 8K rw\n"
                                             "dirty 0x3ffff000 12K\ndev write 0x40000000\ndirty 0x40000000 8K\n"),
                                       &target);
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.failure->oracle, Oracle::LostDirty) << written.failure->trace;
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

// misalign=0xff1 (SPEC 7): the caller's bitmap starts 15 bytes before a page boundary. With the runner's
// small window, a page-sized one (a window is an aligned chunk of the caller's address space, as Linux
// pins the bitmap page by page) and the default, records across the boundary reach the caller's bitmap.
TEST(Runner, BitmapAtAPageMisalignmentAtEveryWindow) {
  const Script s = parse("map 0x40000000 0x80001000 2M rw => 0\n"
                         "dirty 0x40000000 2M misalign=0xff1 => {0x40000000+2M}\n"
                         "dev write 0x40077000 => 0x80078000\n"
                         "dev write 0x40078000 => 0x80079000\n"
                         "dirty 0x40000000 2M misalign=0xff1 => {0x40077000+8K}\n"
                         "dev write 0x40078000 => 0x80079000\n"
                         "unmap_dirty 0x40000000 2M misalign=4095 => 2097152 {0x40078000}\n");
  for (size_t window : {size_t{16}, size_t{4096}, size_t{2} << 20}) {
    RunOptions o;
    o.bitmap_window_bytes = window;
    const RunResult r = run_script(s, &real(), o);
    EXPECT_TRUE(r.ok()) << window << ": " << (r.failure ? r.failure->trace : "");
    EXPECT_EQ(r.statements, 7u) << window;
  }
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

// A library built with ASan, loaded by a ptcheck built without it (the README's release build): the
// error says which ptcheck loads it, instead of only naming a symbol of the sanitizer runtime.
TEST(TargetLoader, ASanitizedLibraryInAPlainProcessSaysWhichPtcheckLoadsIt) {
  const std::string e = ptc::describe_load_error(
      "build/asan/broken/libx.so", "build/asan/broken/libx.so: undefined symbol: __asan_option_detect_stack_use_after_return");
  EXPECT_NE(e.find("built with a sanitizer"), std::string::npos) << e;
  EXPECT_NE(e.find("build/asan/tools/ptcheck"), std::string::npos) << e;
  const std::string other = ptc::describe_load_error("x.so", "x.so: undefined symbol: my_helper");
  EXPECT_EQ(other.find("sanitizer"), std::string::npos) << other;
}
