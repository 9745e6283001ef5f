// ModelSpec::recorded_pages (contract=linux's dirty read of part of a block, SPEC 9.5): the claim that a write
// before the operation returns is recorded holds only for those page indexes, and it must be checked at each of
// them even when a group of identical projections spans pages inside and outside (the fixedpoint evaluates a
// group at its first page).
#include <gtest/gtest.h>

#include "proofs/model/device_model.h"

namespace ptc::proofs {
namespace {

AbsDesc block(bool dirty) {
  AbsDesc d;
  d.valid = d.dbm = d.af = d.oa_ok = true;
  d.ap2 = !dirty;
  return d;
}

// One group for all 512 pages: a read_and_clear_dirty that finds the 2M block dirty, cleans it, invalidates
// and syncs, and records nothing. A write before it is lost on every page; one after it dirties the block again.
std::vector<Group> cleans_without_record() {
  Group g;
  g.trace.slot_init = block(false);
  AStep clean(AKind::kSlot);
  clean.before = block(true);
  clean.after = block(false);
  clean.changed = clean.observes = true;
  AStep inv(AKind::kInv);
  inv.leaf_only = true;
  AStep ret(AKind::kReturn);
  g.trace.steps = {clean, inv, AStep(AKind::kSync), ret};
  g.trace.returns = {0};
  g.ranges = {{0, 511}};
  return {g};
}

// Whether the claim holds: check_all settles it as proved, or finds a violation reachable (nullopt).
bool holds(std::optional<std::pair<unsigned, unsigned>> recorded_pages) {
  ModelSpec spec;
  spec.expected_returns = {0};
  spec.recorded_pages = recorded_pages;
  const std::optional<ModelOutcome> o = check_all(spec, cleans_without_record(), {Property::kDirtyNotLost}, 20000);
  if (o) EXPECT_EQ(o->verdict, Verdict::kProved) << o->note;
  return o.has_value();
}

TEST(ClaimPages, EveryPageOwedByDefault) { EXPECT_FALSE(holds(std::nullopt)); }
TEST(ClaimPages, PageInsideAGroupIsChecked) {
  EXPECT_FALSE(holds(std::make_pair(0u, 0u)));
  EXPECT_FALSE(holds(std::make_pair(5u, 5u)));  // not the group's first page
  EXPECT_FALSE(holds(std::make_pair(511u, 511u)));
}
TEST(ClaimPages, PagesOutsideAreNotOwed) { EXPECT_TRUE(holds(std::make_pair(600u, 600u))); }

}  // namespace
}  // namespace ptc::proofs
