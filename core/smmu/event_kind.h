// The kinds of event the simulated SMMU records (event_log.h, and the structured timeline of
// timeline.h): one enum, so that a trace, the timeline and the HTML page that draws it agree on what
// an event is without comparing text. Who acted, and so the lane an event is drawn in, follows from
// its kind.
#pragma once
#include <cstdint>

namespace ptc {

enum class TimelineLane {
  kCpu,     // the target's descriptor accesses, allocations, op begin/return and result
  kDevice,  // walks, IOTLB fills, evictions, HTTU updates, device reads and writes
  kTlb,     // TLB maintenance: tlb_inv_range, tlb_inv_all, tlb_sync
  kOracle,  // an oracle fired
  kScript,  // the harness's own notes (e.g. `fail alloc N` armed)
};

enum class EventKind : uint8_t {
  // The target's descriptor accesses through ptc_hw (lane cpu).
  kRead,
  kWrite,
  kCmpxchg,
  kXchg,
  kFetchOr,
  // The target's table allocations (lane cpu).
  kAlloc,
  kFree,
  // A target operation begins and returns, and the result the runner saw (lane cpu).
  kBegin,
  kReturn,
  kResult,
  // TLB maintenance the target issued (lane tlb).
  kInvRange,
  kInvAll,
  kSync,
  // The device (lane device): a walk (timeline only), an IOTLB fill, a DMA read or write, an HTTU
  // dirty update (timeline only), a failed HTTU compare-and-swap that walks again, an eviction.
  kWalk,
  kFill,
  kAccess,
  kHttu,
  kHttuRetry,
  kEvict,
  // An oracle fired (lane oracle).
  kViolation,
  // The harness's own notes: a statement skipped, `fail alloc N` armed (lane script).
  kNote,
};

// "read", "fetch_or", "inv_range", ...: the timeline page's CSS class and the text trace's verb.
const char* event_kind_name(EventKind kind);
TimelineLane event_lane(EventKind kind);
// read, write, cmpxchg, xchg, fetch_or: the events stored as numbers (EventLog::Access).
bool is_descriptor_access(EventKind kind);
// Who acted, as a text trace line says it before the event: "cpu ", "dev ", "!! ", "script: ".
const char* event_actor(EventKind kind);

const char* timeline_lane_name(TimelineLane lane);

}  // namespace ptc
