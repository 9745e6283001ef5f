#include "core/smmu/event_kind.h"

namespace ptc {

// Exhaustive switches: a new kind does not compile until it has a name and a lane.
const char* event_kind_name(EventKind kind) {
  switch (kind) {
    case EventKind::kRead: return "read";
    case EventKind::kWrite: return "write";
    case EventKind::kCmpxchg: return "cmpxchg";
    case EventKind::kXchg: return "xchg";
    case EventKind::kFetchOr: return "fetch_or";
    case EventKind::kAlloc: return "alloc";
    case EventKind::kFree: return "free";
    case EventKind::kBegin: return "begin";
    case EventKind::kReturn: return "return";
    case EventKind::kResult: return "result";
    case EventKind::kInvRange: return "inv_range";
    case EventKind::kInvAll: return "inv_all";
    case EventKind::kSync: return "sync";
    case EventKind::kWalk: return "walk";
    case EventKind::kFill: return "fill";
    case EventKind::kAccess: return "access";
    case EventKind::kHttu: return "httu";
    case EventKind::kHttuRetry: return "httu_retry";
    case EventKind::kEvict: return "evict";
    case EventKind::kViolation: return "violation";
    case EventKind::kNote: return "note";
  }
  return "?";
}

TimelineLane event_lane(EventKind kind) {
  switch (kind) {
    case EventKind::kRead:
    case EventKind::kWrite:
    case EventKind::kCmpxchg:
    case EventKind::kXchg:
    case EventKind::kFetchOr:
    case EventKind::kAlloc:
    case EventKind::kFree:
    case EventKind::kBegin:
    case EventKind::kReturn:
    case EventKind::kResult: return TimelineLane::kCpu;
    case EventKind::kInvRange:
    case EventKind::kInvAll:
    case EventKind::kSync: return TimelineLane::kTlb;
    case EventKind::kWalk:
    case EventKind::kFill:
    case EventKind::kAccess:
    case EventKind::kHttu:
    case EventKind::kHttuRetry:
    case EventKind::kEvict: return TimelineLane::kDevice;
    case EventKind::kViolation: return TimelineLane::kOracle;
    case EventKind::kNote: return TimelineLane::kScript;
  }
  return TimelineLane::kScript;
}

bool is_descriptor_access(EventKind kind) {
  switch (kind) {
    case EventKind::kRead:
    case EventKind::kWrite:
    case EventKind::kCmpxchg:
    case EventKind::kXchg:
    case EventKind::kFetchOr: return true;
    case EventKind::kAlloc:
    case EventKind::kFree:
    case EventKind::kBegin:
    case EventKind::kReturn:
    case EventKind::kResult:
    case EventKind::kInvRange:
    case EventKind::kInvAll:
    case EventKind::kSync:
    case EventKind::kWalk:
    case EventKind::kFill:
    case EventKind::kAccess:
    case EventKind::kHttu:
    case EventKind::kHttuRetry:
    case EventKind::kEvict:
    case EventKind::kViolation:
    case EventKind::kNote: return false;
  }
  return false;
}

// The TLB maintenance commands are the target's calls, so the CPU issues them too.
const char* event_actor(EventKind kind) {
  switch (event_lane(kind)) {
    case TimelineLane::kCpu:
    case TimelineLane::kTlb: return "cpu ";
    case TimelineLane::kDevice: return "dev ";
    case TimelineLane::kOracle: return "!! ";
    case TimelineLane::kScript: return "script: ";
  }
  return "";
}

const char* timeline_lane_name(TimelineLane lane) {
  switch (lane) {
    case TimelineLane::kCpu: return "cpu";
    case TimelineLane::kDevice: return "device";
    case TimelineLane::kTlb: return "tlb";
    case TimelineLane::kOracle: return "oracle";
    case TimelineLane::kScript: return "script";
  }
  return "?";
}

}  // namespace ptc
