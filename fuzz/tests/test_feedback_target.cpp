// fuzz/feedback_target.h: the wrapped table behaves as the table, and libFuzzer's extra counters move
// exactly when a descriptor changed between two of the table's accesses to it.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "fuzz/feedback_target.h"

// The bounds of the counters' section, as the linker names them (libFuzzer reads the same ones).
extern "C" uint8_t __start___libfuzzer_extra_counters[];
extern "C" uint8_t __stop___libfuzzer_extra_counters[];

// The fake table's instance (target.h declares the type, each target defines it).
struct ptc_target {
  const ptc_hw* hw;
};

namespace {

unsigned counted() {
  unsigned n = 0;
  for (uint8_t* p = __start___libfuzzer_extra_counters; p < __stop___libfuzzer_extra_counters; ++p) n += *p;
  return n;
}
void clear_counters() {
  std::memset(__start___libfuzzer_extra_counters, 0,
              __stop___libfuzzer_extra_counters - __start___libfuzzer_extra_counters);
}

// A harness with plain memory, and a one-table "target" whose map reads slot 0, lets the test act as
// the device in between (g_between), then writes the slot.
ptc_pte_t* g_table = nullptr;
void (*g_between)() = nullptr;
struct ptc_target g_instance;

void* alloc(void*, size_t bytes) { return std::calloc(1, bytes); }
void release(void*, void* t) { std::free(t); }
ptc_pte_t rd(void*, ptc_pte_t* p) { return *p; }
void wr(void*, ptc_pte_t* p, ptc_pte_t v) { *p = v; }
ptc_pte_t cx(void*, ptc_pte_t* p, ptc_pte_t o, ptc_pte_t v) {
  const ptc_pte_t prev = *p;
  if (prev == o) *p = v;
  return prev;
}
ptc_pte_t xc(void*, ptc_pte_t* p, ptc_pte_t v) {
  const ptc_pte_t prev = *p;
  *p = v;
  return prev;
}
ptc_pte_t fo(void*, ptc_pte_t* p, ptc_pte_t b) {
  const ptc_pte_t prev = *p;
  *p |= b;
  return prev;
}
void inv_range(void*, uint64_t, uint64_t, uint64_t, int) {}
void inv_all(void*) {}
void sync(void*) {}
const ptc_hw kHarness = {nullptr, alloc, release, rd, wr, cx, xc, fo, inv_range, inv_all, sync};

struct ptc_target* create(const ptc_cfg*, const ptc_hw* hw) {
  g_instance.hw = hw;
  g_table = static_cast<ptc_pte_t*>(hw->alloc_table(hw->ctx, 4096));
  return &g_instance;
}
void destroy(struct ptc_target* t) { t->hw->free_table(t->hw->ctx, g_table); }
ptc_pte_t* root(struct ptc_target*) { return g_table; }
int map(struct ptc_target* t, uint64_t, uint64_t paddr, uint64_t, unsigned) {
  const ptc_pte_t old = t->hw->read(t->hw->ctx, &g_table[0]);
  if (g_between) g_between();
  t->hw->write(t->hw->ctx, &g_table[0], old | paddr | 3);
  return 0;
}
const ptc_target_ops kTable = {PTC_TARGET_ABI, "fake", create, destroy, root, map, nullptr, nullptr, nullptr,
                               nullptr, nullptr, nullptr, nullptr};

int map_once(const ptc_target_ops* ops) {
  ptc_cfg cfg{};
  struct ptc_target* t = ops->create(&cfg, &kHarness);
  const int r = ops->map(t, 0, 0x1000, 0x1000, 0);
  ops->destroy(t);
  return r;
}

TEST(FeedbackTarget, SameOperationsAndNameNullStaysNull) {
  const ptc_target_ops* w = ptc::with_race_feedback(&kTable);
  EXPECT_STREQ(w->name, "fake");
  EXPECT_EQ(w->abi, unsigned(PTC_TARGET_ABI));
  EXPECT_NE(w->map, nullptr);
  EXPECT_EQ(w->unmap, nullptr);
  EXPECT_EQ(w->split, nullptr);
  EXPECT_EQ(w->read_and_clear_dirty, nullptr);
}

TEST(FeedbackTarget, NoCountWithoutARace) {
  const ptc_target_ops* w = ptc::with_race_feedback(&kTable);
  clear_counters();
  g_between = nullptr;
  EXPECT_EQ(map_once(w), 0);
  EXPECT_EQ(counted(), 0u);
}

TEST(FeedbackTarget, CountsAChangeBetweenTheTablesReadAndWrite) {
  const ptc_target_ops* w = ptc::with_race_feedback(&kTable);
  clear_counters();
  g_between = [] { g_table[0] |= 1ull << 10; };  // the SMMU sets the access flag in the window
  EXPECT_EQ(map_once(w), 0);
  g_between = nullptr;
  EXPECT_EQ(counted(), 1u);
}

TEST(FeedbackTarget, TheTableSeesWhatItWouldWithoutTheWrapper) {
  g_between = [] { g_table[0] |= 1ull << 10; };
  ptc_cfg cfg{};
  const ptc_target_ops* w = ptc::with_race_feedback(&kTable);
  struct ptc_target* t = w->create(&cfg, &kHarness);
  w->map(t, 0, 0x1000, 0x1000, 0);
  EXPECT_EQ(w->root(t)[0], ptc_pte_t(0x1000 | 3));  // the lost update happens as it would unwrapped
  w->destroy(t);
  g_between = nullptr;
}

}  // namespace
