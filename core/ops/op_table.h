// The op table: every op kind declared once, with the traits every consumer takes from it (parser,
// printer, fuzz decoder and mutator, RapidCheck generators, runner, concurrent checker, target probes,
// benchmarks). Adding an op is a row here, its model function (core/reference) and its target call
// (core/ops/target_call.h); the switches that must remain are exhaustive, so the compiler names each
// one a new kind is missing from. docs/HARNESS.md ("Adding an op") walks through it.
#pragma once
#include <array>
#include <cstdint>
#include <optional>

#include "core/ops.h"
#include "ptcheck/target.h"

namespace ptc {

// What a statement's arguments are, in script order (the parser and printer follow it).
enum class ArgShape : uint8_t {
  None,         // flush
  Address,      // phys ADDR
  Range,        // unmap|split|merge ADDR SIZE
  MapArgs,      // map ADDR ADDR SIZE PROT
  DirtyRange,   // dirty|unmap_dirty ADDR SIZE [options]
  DeviceAction, // dev ACTION [ADDR]
  AllocIndex,   // fail alloc N
};

// The ptc_target_ops entry an op calls (SPEC section 6). The required ones are never NULL.
enum class TargetEntry : uint8_t {
  None,  // not an operation of the target (a device action, a directive)
  Map,
  Unmap,
  Flush,
  Split,
  Merge,
  ReadAndClearDirty,
  UnmapReadDirty,
  IovaToPhys,
};

// Where an op acts. Range: [iova, iova+size). Page: the 4K page holding iova (phys, device actions:
// one address, so two of them overlap when they share a page). Global: every address (flush drains
// the whole flush queue). Nowhere: a directive.
enum class Footprint : uint8_t { Nowhere, Range, Page, Global };

struct OpTraits {
  OpKind kind;
  const char* keyword;       // the script word
  ArgShape shape;
  TargetEntry entry;
  Footprint footprint;
  bool allocates;            // may allocate tables (`fail alloc N` can hit it)
  bool changes_translations; // may add, remove or reshape leaves: a racing device access sees old or new
  bool scans_dirty;          // reads leaves' dirty state while the device may be writing (races with writes)
  bool clears_dirty;         // may make writable-dirty leaves clean, or remove them (records are owed to it)
  bool records_dirty;        // takes a bitmap (ptc_dirty)
};

inline constexpr std::array<OpTraits, 10> kOpTable = {{
    //  kind               keyword        shape                  entry                          footprint         alloc  xlate  scan   clear  bitmap
    {OpKind::Map,        "map",         ArgShape::MapArgs,      TargetEntry::Map,               Footprint::Range,  true,  true,  false, false, false},
    {OpKind::Unmap,      "unmap",       ArgShape::Range,        TargetEntry::Unmap,             Footprint::Range,  false, true,  false, false, false},
    {OpKind::Flush,      "flush",       ArgShape::None,         TargetEntry::Flush,             Footprint::Global, false, false, false, false, false},
    {OpKind::Split,      "split",       ArgShape::Range,        TargetEntry::Split,             Footprint::Range,  true,  true,  true,  false, false},
    {OpKind::Merge,      "merge",       ArgShape::Range,        TargetEntry::Merge,             Footprint::Range,  false, true,  false, false, false},
    {OpKind::Dirty,      "dirty",       ArgShape::DirtyRange,   TargetEntry::ReadAndClearDirty, Footprint::Range,  false, false, true,  true,  true},
    {OpKind::UnmapDirty, "unmap_dirty", ArgShape::DirtyRange,   TargetEntry::UnmapReadDirty,    Footprint::Range,  false, true,  true,  true,  true},
    {OpKind::Phys,       "phys",        ArgShape::Address,      TargetEntry::IovaToPhys,        Footprint::Page,   false, false, false, false, false},
    {OpKind::Dev,        "dev",         ArgShape::DeviceAction, TargetEntry::None,              Footprint::Page,   false, false, false, false, false},
    {OpKind::FailAlloc,  "fail",        ArgShape::AllocIndex,   TargetEntry::None,              Footprint::Nowhere,false, false, false, false, false},
}};

// The row of k (every kind has one: test_op_table checks it).
const OpTraits& traits(OpKind k);
// The kind whose stable id is `id` (the fuzzer encoding), if any.
std::optional<OpKind> kind_of_id(uint8_t id);
// Every kind, listed by an exhaustive switch: a kind added to OpKind does not compile
// (-Werror=switch) until it is listed here, and test_op_table then checks each consumer has it.
bool is_listed_kind(OpKind k);
// The kind whose keyword is `word`, if any.
std::optional<OpKind> kind_of_keyword(const char* word, size_t len);

// Target operations call an entry of ptc_target_ops; device actions and directives do not.
inline bool is_target_op(OpKind k) { return traits(k).entry != TargetEntry::None; }
inline bool has_range(OpKind k) { return traits(k).footprint == Footprint::Range; }
// A range or one address (phys, device actions): where an op goes can be chosen.
inline bool has_address(OpKind k) {
  return traits(k).footprint == Footprint::Range || traits(k).footprint == Footprint::Page;
}

// [lo, hi) of the addresses op acts on (Global: all of them; Nowhere: none). hi may be 2^64, kept as
// 0 with `to_top` set, so no end wraps.
struct OpSpan {
  bool any = false;  // Nowhere: false
  uint64_t lo = 0, hi = 0;
  bool to_top = false;  // hi is 2^64
  bool contains(uint64_t a) const { return any && a >= lo && (to_top || a < hi); }
  bool overlaps(const OpSpan& o) const {
    if (!any || !o.any) return false;
    const bool a_before_b = !to_top && hi <= o.lo;
    const bool b_before_a = !o.to_top && o.hi <= lo;
    return !a_before_b && !b_before_a;
  }
};
OpSpan op_span(const Op& op);

// SPEC section 6: whether an entry a target may leave NULL is there. The required ones (map, unmap,
// iova_to_phys) and ops that call no entry are always offered.
bool target_offers(const ptc_target_ops* ops, OpKind k);
// Why not, for a report: "the target does not offer split (NULL in ptc_target_ops)".
const char* entry_name(TargetEntry e);

}  // namespace ptc
