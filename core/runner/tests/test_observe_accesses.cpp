// RunOptions::observe_accesses: where each of a statement's own descriptor accesses was, handed over once
// the statement returns (fuzz_ops's aimed mutator and the RapidCheck dry run aim `@N` with it).
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "core/lpae/lpae_target.h"
#include "core/runner/runner.h"
#include "core/script/testing/parse_for_test.h"

namespace ptc {
namespace {

const char* const kConfig = "config ias=39 oas=40 pgsizes=4K,2M bbml=1 hw_dirty=on flush=strict\n";

// Each statement's observed accesses, and each statement's count of its own accesses as the session
// reports it (Session::last_op_accesses: what `@N` can name).
struct Observed {
  std::map<size_t, std::vector<AccessSite>> sites;
  std::map<size_t, int> calls;
  std::map<size_t, uint64_t> accesses;
};

Observed observe(const std::string& text, size_t limit = SIZE_MAX) {
  const Script s = parse_for_test(text);
  Observed o;
  RunOptions opts;
  opts.observe_access_limit = limit;
  opts.observe_accesses = [&o](size_t statement, const std::vector<AccessSite>& a) {
    o.sites[statement] = a;
    ++o.calls[statement];
  };
  Session session(s.config, ptc_lpae_ops(), opts);
  EXPECT_TRUE(session.started()) << session.skip_reason();
  for (size_t i = 0; i < s.ops.size(); ++i) {
    EXPECT_TRUE(session.step(s.ops[i])) << session.failure()->trace;
    o.accesses[i] = session.last_op_accesses();
  }
  EXPECT_TRUE(session.finish());
  return o;
}

TEST(ObserveAccesses, EveryAccessOfAStatementWhereItWas) {
  const Observed o = observe(std::string(kConfig) + "map 0x1000 0x80001000 4K rw\ndirty 0x0 2M\n");
  ASSERT_EQ(o.sites.size(), 2u);
  for (size_t st : {size_t{0}, size_t{1}}) {
    EXPECT_EQ(o.calls.at(st), 1);
    EXPECT_EQ(o.sites.at(st).size(), o.accesses.at(st)) << "statement " << st;
    for (const AccessSite& a : o.sites.at(st)) EXPECT_TRUE(a.level >= -1 && a.level <= 3) << a.level;
  }
  // The map's first access reads the root's slot for iova 0 (ias 39: the walk starts at L1).
  const AccessSite& first = o.sites.at(0).front();
  EXPECT_TRUE(first.read);
  EXPECT_EQ(first.level, 1);
  EXPECT_EQ(first.slot_iova, 0u);
  // The scan reads the leaf the map installed, at L3, slot 0x1000.
  bool read_leaf = false;
  for (const AccessSite& a : o.sites.at(1)) read_leaf |= a.read && a.level == 3 && a.slot_iova == 0x1000;
  EXPECT_TRUE(read_leaf);
}

TEST(ObserveAccesses, AnInjectedOpsAccessesAreNotTheStatements) {
  const std::string base = std::string(kConfig) + "map 0x1000 0x80001000 4K rw\nmap 0x3000 0x80003000 4K rw\ndirty 0x0 2M\n";
  const Observed plain = observe(base);
  const Observed injected = observe(base + "  @2 map 0x200000 0x80200000 4K rw\n");
  EXPECT_EQ(injected.sites.at(2).size(), injected.accesses.at(2));
  // The map runs beside the scan (another CPU): the scan's own accesses are the same ones either way,
  // the map's at another L2 slot not among them.
  ASSERT_EQ(injected.sites.at(2).size(), plain.sites.at(2).size());
  for (size_t i = 0; i < plain.sites.at(2).size(); ++i) {
    EXPECT_EQ(injected.sites.at(2)[i].read, plain.sites.at(2)[i].read) << i;
    EXPECT_EQ(injected.sites.at(2)[i].level, plain.sites.at(2)[i].level) << i;
    EXPECT_EQ(injected.sites.at(2)[i].slot_iova, plain.sites.at(2)[i].slot_iova) << i;
  }
}

TEST(ObserveAccesses, TheFirstLimitOfEachStatement) {
  const std::string text = std::string(kConfig) + "map 0x1000 0x80001000 8K rw\ndirty 0x0 2M\n";
  const Observed all = observe(text);
  const Observed first3 = observe(text, 3);
  for (size_t st : {size_t{0}, size_t{1}}) {
    ASSERT_GT(all.sites.at(st).size(), 3u);
    ASSERT_EQ(first3.sites.at(st).size(), 3u);
    for (size_t i = 0; i < 3; ++i) EXPECT_EQ(first3.sites.at(st)[i].slot_iova, all.sites.at(st)[i].slot_iova);
  }
}

TEST(ObserveAccesses, OnceAStatementEvenWhenAFailureIsReplayedForItsTrace) {
  // The wrong `=> RESULT` fails the run; run_script runs it again with the event log on for the trace.
  const Script s = parse_for_test(std::string(kConfig) + "map 0x1000 0x80001000 4K rw\nphys 0x1000 => 0x1234\n");
  std::map<size_t, int> calls;
  RunOptions opts;
  opts.observe_accesses = [&calls](size_t statement, const std::vector<AccessSite>&) { ++calls[statement]; };
  const RunResult r = run_script(s, ptc_lpae_ops(), opts);
  ASSERT_TRUE(r.failure);
  EXPECT_NE(r.failure->trace.find("events leading there"), std::string::npos) << r.failure->trace;
  EXPECT_EQ(calls[0], 1);
}

}  // namespace
}  // namespace ptc
