// A structured record of what happened in one differential run, for the HTML counterexample timeline
// (`ptcheck explain/run/prove --html`): every descriptor access, device action and TLB maintenance
// command, in order, each with the IOTLB and walk cache as they stood after it. The text trace of a
// failure is built from the same moments; this keeps them as data so a renderer never parses text.
// Recording is off unless asked for (RunOptions::record_timeline): the cache snapshots cost.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/smmu/event_kind.h"

namespace ptc {

struct TimelineTlbEntry {
  uint64_t iova = 0, size = 0, pa = 0;
  bool writable = false, dirty = false;
  uint64_t desc = 0;       // the descriptor it was filled from
  uint64_t filled_at = 0;  // step
};

struct TimelineWalkCacheEntry {
  int level = 0;  // level of the table it points to
  uint64_t iova_base = 0, span = 0;
  uint64_t table = 0;
  uint64_t filled_at = 0;
};

// One descriptor a device walk read.
struct TimelineWalkStep {
  int level = 0;
  unsigned index = 0;
  uint64_t table = 0;
  uint64_t desc = 0;
};

struct TimelineEvent {
  uint64_t t = 0;       // the simulated SMMU's step (the `t` of the text trace)
  int line = 0;         // script line of the statement running (0: setup or the end-of-script checks)
  EventKind kind = EventKind::kNote;
  TimelineLane lane() const { return event_lane(kind); }
  // A descriptor access (is_access()) or an HTTU update: where, and the value before and after (a
  // read: the value read, twice).
  bool is_access() const { return is_descriptor_access(kind); }
  int level = -1;       // -1: a table not linked into the tree
  unsigned index = 0;
  uint64_t slot_iova = 0, table = 0;
  uint64_t old_value = 0, new_value = 0;
  bool ok = true;       // cmpxchg: whether it swapped
  uint64_t iova = 0;    // device actions: the address
  std::vector<TimelineWalkStep> walk;  // kind kWalk: the descriptors read, top down
  std::string text;     // the event in words, as the text trace says it without who acted (the lane says)
  std::vector<TimelineTlbEntry> iotlb;             // after the event
  std::vector<TimelineWalkCacheEntry> walk_cache;  // after the event
};

}  // namespace ptc
