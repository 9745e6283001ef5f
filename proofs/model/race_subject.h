// CPU-vs-CPU ordering: two maps of neighbouring 4K pages racing to install the table below the same empty
// slot. "This CPU"'s map is recorded step by step; the other CPU's map is recorded once on its own and acts
// all at once (as an `@N map` line runs, SPEC section 7) between any two of this map's steps. Where this map
// observes the slot after the other one linked its table, that is another recording: the recorder re-runs
// this map with the other map's install done before its j-th access to the slot (recorder.h's
// ForeignInstall), for every j.
//
// Why the other map may act at once, and why its failed install need not be modelled:
//  * before its install it touches only its own new table (nobody else can reach it), and after it only
//    the entry of its own page in the table it linked -- record_race checks both on its recording;
//  * this map never touches the entry of the other page (checked in the projection), so the other map's
//    late leaf write commutes with every step of this map;
//  * when the other map's compare-and-swap finds the slot taken, it is the loser, and the loser's steps are
//    this map's recordings with the roles swapped: the obligation runs with either page as "this CPU".
#pragma once
#include <deque>
#include <string>
#include <vector>

#include "proofs/model/projection.h"
#include "proofs/trace/canonical.h"

namespace ptc::proofs {

inline constexpr int kRaceOwnTables = 3;    // tables this map allocates (roles 0..2)
inline constexpr int kRaceOtherTable = 3;   // the role of the other map's table
inline constexpr int kRaceRoles = 4;
inline constexpr int kRaceNoRole = 7;       // a table descriptor to something else

struct RaceSlot {
  bool valid = false, table = false;
  int role = -1;  // table descriptors: the role of the table it points to, or kRaceNoRole
  bool operator==(const RaceSlot&) const = default;
};

enum class RKind { kSlot, kEntry, kAlloc, kFree, kWild, kReturn };

struct RStep {
  RKind kind = RKind::kReturn;
  int role = -1;            // kEntry, kAlloc, kFree (kRaceNoRole: a table that is not this race's)
  unsigned page = 0;        // kEntry: 0 this map's page, 1 the other's
  RaceSlot slot_before, slot_after;  // kSlot
  AbsDesc before, after;    // kEntry
  bool observes = false;    // kSlot, kEntry: a read, cmpxchg, xchg or fetch_or (not a plain write)
  size_t raw = 0;           // the recorded step
  bool operator==(const RStep& o) const {
    return kind == o.kind && role == o.role && page == o.page && (!observes || (slot_before == o.slot_before && before == o.before)) &&
           slot_after == o.slot_after && after == o.after && observes == o.observes;
  }
};

struct RaceGroup {
  std::vector<RStep> steps;
  std::vector<int64_t> returns;
  const Trace* raw = nullptr;
  std::string pattern;  // which recording: "none" or "the other map first, before this map's slot access #j"
};

struct RaceSubject {
  unsigned mine = 0, theirs = 1;  // page indexes in the region: this map's, the other map's
  std::deque<Trace> traces;       // stable addresses
  std::vector<RaceGroup> groups;
  Trace other;                    // the other map's own recording
  size_t other_install = 0;       // the step of `other` that links its table
  ForeignInstall install;         // what it does to the slot
  AbsDesc other_mine, other_theirs;  // its table's entries for the two pages, once it is done
  RaceSlot install_expected;      // what its compare-and-swap expects (when install.cas)
  size_t recordings = 0;
  std::string skipped, unknown;
};

// Records the race on Shape::kEmpty at `bbml` with page `mine` (0 or 1) as this CPU's.
RaceSubject record_race(const ptc_target_ops* ops, unsigned bbml, unsigned mine);

}  // namespace ptc::proofs
