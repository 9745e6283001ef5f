// A refuting interleaving as a kernel engineer reads it: the recorded CPU steps (with the steps that do not
// touch the page folded into "... N more"), the device actions between them, the IOTLB after each, and what
// went wrong; and, for a target's recording, the same as an `.ops` script with `@N` lines for `ptcheck run`.
#pragma once
#include <z3++.h>

#include <string>
#include <vector>

#include "proofs/smt/result.h"

namespace ptc::proofs {

struct Group;
enum class Property;

enum class DevAction {
  kNone, kFillBlock, kFillPage, kFillWalkCache, kWalkFreed, kEvictBlock, kEvictPage, kEvictWalkCache,
  kReadCached, kWriteCached, kReadWalk, kWriteWalk, kFault,
};

// One transition of the model: a recorded CPU step of one group, or a device action.
struct TimelineRule {
  bool cpu = false;
  int group = -1, step = -1;   // cpu
  DevAction action = DevAction::kNone;
  int tid = -1;                // the tracked table a device action goes through, if one
  std::string how;             // e.g. "walk cache", "HTTU CAS clean->dirty"
  z3::expr guard;
  std::vector<z3::expr> next;
};

struct TimelineEvent {
  const TimelineRule* rule;
  std::string iotlb;  // the IOTLB and walk cache after the event
  std::string note;   // cpu steps: why this step matters here (e.g. a plain write over a dirtied block)
};

struct Timeline {
  std::string text;
  std::string script;  // empty for hand-written sequences
};

struct Step;
struct Trace;
// One recorded step as the timelines print it (`page`: the region's page the timeline is about).
std::string describe_step(const Trace& t, const Step& s, unsigned page);
// The `config` line of a recording's `.ops` script.
std::string config_line(const Trace& t);

// `end`: the model's state at the end, in words.
Timeline render_timeline(const Group& g, unsigned page, const std::vector<TimelineEvent>& events, Property p,
                         const std::string& end = "");

}  // namespace ptc::proofs
