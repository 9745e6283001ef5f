// Unit tests of the simulated SMMU's event log (event_log.h, event_kind.h): the kinds in the order
// they happened, the lane and the name of each kind, the trace lines, and a log switched off.
#include "core/smmu/event_log.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "core/descriptor_bits.h"
#include "core/smmu/smmu.h"

namespace ptc {
namespace {

using namespace pte;

constexpr EventKind kLastKind = EventKind::kNote;
std::vector<EventKind> all_kinds() {
  std::vector<EventKind> v;
  for (int k = 0; k <= int(kLastKind); ++k) v.push_back(EventKind(k));
  return v;
}

std::vector<EventKind> kinds(const EventLog& log) {
  std::vector<EventKind> v;
  for (const EventLog::Event& e : log.events()) v.push_back(e.kind);
  return v;
}

TEST(EventKind, EachKindHasItsLaneAndAName) {
  using L = TimelineLane;
  const struct {
    EventKind kind;
    const char* name;
    TimelineLane lane;
    bool access;
  } want[] = {
      {EventKind::kRead, "read", L::kCpu, true},          {EventKind::kWrite, "write", L::kCpu, true},
      {EventKind::kCmpxchg, "cmpxchg", L::kCpu, true},    {EventKind::kXchg, "xchg", L::kCpu, true},
      {EventKind::kFetchOr, "fetch_or", L::kCpu, true},   {EventKind::kAlloc, "alloc", L::kCpu, false},
      {EventKind::kFree, "free", L::kCpu, false},         {EventKind::kBegin, "begin", L::kCpu, false},
      {EventKind::kReturn, "return", L::kCpu, false},     {EventKind::kResult, "result", L::kCpu, false},
      {EventKind::kInvRange, "inv_range", L::kTlb, false}, {EventKind::kInvAll, "inv_all", L::kTlb, false},
      {EventKind::kSync, "sync", L::kTlb, false},         {EventKind::kWalk, "walk", L::kDevice, false},
      {EventKind::kFill, "fill", L::kDevice, false},      {EventKind::kAccess, "access", L::kDevice, false},
      {EventKind::kHttu, "httu", L::kDevice, false},      {EventKind::kHttuRetry, "httu_retry", L::kDevice, false},
      {EventKind::kEvict, "evict", L::kDevice, false},    {EventKind::kViolation, "violation", L::kOracle, false},
      {EventKind::kNote, "note", L::kScript, false},
  };
  ASSERT_EQ(std::size(want), all_kinds().size()) << "a kind without a row here";
  for (const auto& w : want) {
    EXPECT_STREQ(event_kind_name(w.kind), w.name);
    EXPECT_EQ(event_lane(w.kind), w.lane) << w.name;
    EXPECT_EQ(is_descriptor_access(w.kind), w.access) << w.name;
  }
  std::set<std::string> names;
  for (EventKind k : all_kinds()) names.insert(event_kind_name(k));
  EXPECT_EQ(names.size(), all_kinds().size()) << "two kinds share a name (an HTML class)";
  // Who acted, as a trace line says it, follows from the lane.
  EXPECT_STREQ(event_actor(EventKind::kFetchOr), "cpu ");
  EXPECT_STREQ(event_actor(EventKind::kSync), "cpu ");
  EXPECT_STREQ(event_actor(EventKind::kFill), "dev ");
  EXPECT_STREQ(event_actor(EventKind::kViolation), "!! ");
  EXPECT_STREQ(event_actor(EventKind::kNote), "script: ");
}

TEST(EventLog, KeepsTheKindsInTheOrderTheyHappened) {
  EventLog log;
  log.note(1, EventKind::kBegin, "begins: map");
  log.access(2, EventKind::kRead, {.level = 3, .index = 1, .slot_iova = 0x1000, .before = 0x5, .after = 0x5});
  log.access(3, EventKind::kWrite, {.level = 3, .index = 1, .slot_iova = 0x1000, .before = 0x5, .after = 0x7});
  log.note(4, EventKind::kInvRange, "tlb_inv_range [0x1000+0x1000)");
  log.note(5, EventKind::kSync, "tlb_sync");
  log.access(5, EventKind::kFetchOr, {.table = 0x9000, .index = 2, .before = 0x1, .after = 0x3, .operand = 0x2});
  log.note(6, EventKind::kReturn, "returns: map");
  EXPECT_EQ(kinds(log), (std::vector<EventKind>{EventKind::kBegin, EventKind::kRead, EventKind::kWrite,
                                                EventKind::kInvRange, EventKind::kSync, EventKind::kFetchOr,
                                                EventKind::kReturn}));
  const std::vector<std::string> lines = log.lines();
  ASSERT_EQ(lines.size(), 7u);
  EXPECT_EQ(lines[0], "t1     cpu begins: map");
  EXPECT_EQ(lines[1], "t2     cpu read     L3[1] (iova 0x1000) = 0x5");
  EXPECT_EQ(lines[2], "t3     cpu write    L3[1] (iova 0x1000): 0x5 -> 0x7");
  EXPECT_EQ(lines[5], "t5     cpu fetch_or unlinked table 0x9000[2] |= 0x2: 0x1 -> 0x3");
}

TEST(EventLog, FoldsALongRunOfOneAccessToOneTable) {
  EventLog log;
  for (unsigned i = 0; i < 10; ++i) log.access(i + 1, EventKind::kWrite, {.table = 0x9000, .index = i});
  log.note(20, EventKind::kAccess, "read 0x1000 -> fault (translation fault at L1[0])");
  const std::vector<std::string> lines = log.lines();
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[2], "        ... 7 more `write`s in the same table ...");
  EXPECT_EQ(lines[3], "t10    cpu write    unlinked table 0x9000[9]: 0x0 -> 0x0");
  EXPECT_EQ(lines[4], "t20    dev read 0x1000 -> fault (translation fault at L1[0])");
}

TEST(EventLog, OffRecordsNothingAndDropsWhatItHeld) {
  EventLog log;
  log.note(1, EventKind::kAlloc, "alloc_table(4096) -> 0x1000");
  log.set_enabled(false);
  EXPECT_FALSE(log.enabled());
  EXPECT_TRUE(log.events().empty()) << "a trace never shows events with a gap after them";
  log.note(2, EventKind::kNote, "x");
  log.access(3, EventKind::kRead, {});
  EXPECT_TRUE(log.events().empty());
  EXPECT_TRUE(log.lines().empty());
  log.set_enabled(true);
  log.note(4, EventKind::kFree, "free_table(0x1000)");
  EXPECT_EQ(kinds(log), std::vector<EventKind>{EventKind::kFree});
}

// The Smmu records what the target and the device do, each event with its kind.
struct SmmuLog : ::testing::Test {
  Config cfg = [] {
    Config c;
    c.ias = 39;
    return c;
  }();
  Smmu smmu{cfg};
  const ptc_hw* hw = smmu.hw();
  ptc_pte_t* root = nullptr;
  void SetUp() override {
    root = static_cast<ptc_pte_t*>(hw->alloc_table(hw->ctx, 4096));
    smmu.attach(root);
  }
  // An op that maps a 1G block, unmaps it, forgets the invalidation, and lets a device read it.
  void run() {
    smmu.begin_op(OpKind::Map, 0x40000000, 1ull << 30, "map");
    (void)hw->read(hw->ctx, &root[1]);
    hw->write(hw->ctx, &root[1], 0x80000000 | kValid | kAf);
    smmu.end_op();
    (void)smmu.device_fill(0x40000000);
    smmu.begin_op(OpKind::Unmap, 0x40000000, 1ull << 30, "unmap");
    (void)hw->cmpxchg(hw->ctx, &root[1], 0x80000000 | kValid | kAf, 0);
    hw->tlb_inv_all(hw->ctx);
    smmu.end_op();
    smmu.device_evict(0x40000000);
    hw->free_table(hw->ctx, root);  // still reachable: an oracle
  }
};

TEST_F(SmmuLog, RecordsEachEventWithItsKind) {
  run();
  const std::vector<EventKind> want = {EventKind::kAlloc,     EventKind::kBegin,  EventKind::kRead,
                                       EventKind::kWrite,     EventKind::kReturn, EventKind::kFill,
                                       EventKind::kBegin,     EventKind::kCmpxchg, EventKind::kInvAll,
                                       EventKind::kReturn,    EventKind::kEvict,  EventKind::kViolation,
                                       EventKind::kFree};
  EXPECT_EQ(kinds(smmu.event_log()), want);
  const std::vector<std::string> lines = smmu.events();
  ASSERT_EQ(lines.size(), want.size());
  EXPECT_NE(lines[5].find("dev fill 0x40000000 -> 0x80000000"), std::string::npos) << lines[5];
  EXPECT_NE(lines[7].find("cpu cmpxchg  L1[1] (iova 0x40000000): 0x80000401 -> 0x0 (ok)"), std::string::npos)
      << lines[7];
  EXPECT_NE(lines[11].find("!! table-use-after-free: "), std::string::npos) << lines[11];
}

TEST_F(SmmuLog, TheTimelineCarriesTheKindsAndWordsWithoutWhoActed) {
  std::vector<TimelineEvent> timeline;
  smmu.record_timeline(&timeline);
  run();
  std::vector<EventKind> got;
  for (const TimelineEvent& e : timeline) got.push_back(e.kind);
  // The timeline also has the device's walk (the text trace says it in the fill's line).
  const std::vector<EventKind> want = {EventKind::kBegin,   EventKind::kRead,   EventKind::kWrite,
                                       EventKind::kReturn,  EventKind::kWalk,   EventKind::kFill,
                                       EventKind::kBegin,   EventKind::kCmpxchg, EventKind::kInvAll,
                                       EventKind::kReturn,  EventKind::kEvict,  EventKind::kViolation,
                                       EventKind::kFree};
  EXPECT_EQ(got, want);
  ASSERT_EQ(timeline.size(), want.size());
  EXPECT_EQ(timeline[5].text, "fill 0x40000000 -> 0x80000000 (filled [0x40000000+0x40000000) -> 0x80000000 writable-dirty)");
  EXPECT_EQ(timeline[7].text, "cmpxchg  L1[1] (iova 0x40000000): 0x80000401 -> 0x0 (ok)");
  EXPECT_EQ(timeline[7].old_value, 0x80000401u);
  EXPECT_EQ(timeline[7].new_value, 0u);
  // The oracle's words as the failure states them ("ORACLE: ..."), not the trace's "!! " before them.
  EXPECT_EQ(timeline[11].text.rfind("table-use-after-free: ", 0), 0u) << timeline[11].text;
}

TEST_F(SmmuLog, OffRecordsNothingAndBuildsNoText) {
  smmu.set_event_log(false);
  run();
  EXPECT_TRUE(smmu.event_log().events().empty());
  EXPECT_TRUE(smmu.events().empty());
  ASSERT_TRUE(smmu.violation()) << "the oracles do not depend on the log";
  EXPECT_EQ(smmu.violation()->oracle, Oracle::TableUseAfterFree);
  int built = 0;
  smmu.note(EventKind::kNote, [&] {
    ++built;
    return std::string("x");
  });
  EXPECT_EQ(built, 0) << "a note's text is built only when something records it";
  // The timeline is a recording of its own: it works with the log off.
  std::vector<TimelineEvent> timeline;
  smmu.record_timeline(&timeline);
  smmu.note(EventKind::kNote, [&] {
    ++built;
    return std::string("x");
  });
  EXPECT_EQ(built, 1);
  ASSERT_EQ(timeline.size(), 1u);
  EXPECT_EQ(timeline[0].lane(), TimelineLane::kScript);
  EXPECT_TRUE(smmu.events().empty());
}

}  // namespace
}  // namespace ptc
