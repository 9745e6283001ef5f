// The simulated SMMU's event log: the recent events of a run (descriptor accesses, allocations, op
// begin/return, TLB maintenance, device actions, oracles, the harness's notes), for the trace a
// failure prints. Recording is cheap: a descriptor access is kept as numbers and put in words only
// when a trace is printed, and the owner builds a note's text only when the log is on (enabled()).
// Off, recording an event is one branch: fuzzing, which prints a trace only for the failure it
// replays, need not pay for it.
#pragma once
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "core/smmu/event_kind.h"

namespace ptc {

class EventLog {
 public:
  // A descriptor access (is_descriptor_access(kind)), as numbers.
  struct Access {
    uintptr_t table = 0;
    int level = -1;  // -1: the table was not linked
    unsigned index = 0;
    uint64_t slot_iova = 0;  // the first IOVA the slot translates
    uint64_t before = 0;     // the descriptor before (cmpxchg: the value expected)
    uint64_t after = 0;      // the descriptor after (read: as before; a failed cmpxchg: the value found)
    uint64_t operand = 0;    // fetch_or: the bits; cmpxchg: the value it would store
    bool ok = true;          // cmpxchg: whether it swapped
  };
  struct Event {
    uint64_t t = 0;  // the simulated SMMU's step
    EventKind kind = EventKind::kNote;
    Access access;     // a descriptor access
    std::string text;  // any other event, in words, without who acted (event_actor says that)
  };

  explicit EventLog(bool enabled = true) : enabled_(enabled) {}
  bool enabled() const { return enabled_; }
  // Switching the log off drops what it holds: a trace never shows events with a gap after them.
  void set_enabled(bool on);

  void access(uint64_t t, EventKind kind, const Access& a) {
    if (enabled_) add(accesses_, kMaxAccesses, Event{t, kind, a, {}});
  }
  // Callers build `text` only when enabled(): a formatted string is the cost the log exists to avoid.
  void note(uint64_t t, EventKind kind, std::string text) {
    if (enabled_) add(notes_, kMaxNotes, Event{t, kind, {}, std::move(text)});
  }
  void clear();

  // The events kept, in order of time. Accesses and the other events are kept apart so that a flood
  // of accesses never pushes a device action out: the other events from before the oldest access
  // kept are left out (they would read as if nothing happened in between).
  std::vector<Event> events() const;
  // events() as the lines of a trace ("t12    cpu read     L3[0] ..."); a run of one access kind to
  // one table (building a table off-line) is shown as its first two, a count, and its last.
  std::vector<std::string> lines() const;

  // A descriptor access in words, without its step and who acted: "read     L3[0] (iova 0x1000) =
  // 0x...". The timeline's text of the event.
  static std::string access_text(EventKind kind, const Access& a);
  static std::string line(const Event& e);

 private:
  static constexpr size_t kMaxNotes = 1024;
  static constexpr size_t kMaxAccesses = 4096;
  static void add(std::deque<Event>& ring, size_t max, Event e);

  bool enabled_;
  std::deque<Event> accesses_;
  std::deque<Event> notes_;  // everything else
};

}  // namespace ptc
