#include "core/ops/op_table.h"

#include <cstring>

namespace ptc {

const OpTraits& traits(OpKind k) {
  for (const OpTraits& t : kOpTable)
    if (t.kind == k) return t;
  // Unreachable for an OpKind value: test_op_table checks that every kind has its row.
  static constexpr OpTraits kUnknown{OpKind(0), "?", ArgShape::None, TargetEntry::None, Footprint::Nowhere,
                                     false, false, false, false, false};
  return kUnknown;
}

std::optional<OpKind> kind_of_id(uint8_t id) {
  for (const OpTraits& t : kOpTable)
    if (uint8_t(t.kind) == id) return t.kind;
  return std::nullopt;
}

bool is_listed_kind(OpKind k) {
  switch (k) {
    case OpKind::Map:
    case OpKind::Unmap:
    case OpKind::Flush:
    case OpKind::Split:
    case OpKind::Merge:
    case OpKind::Dirty:
    case OpKind::UnmapDirty:
    case OpKind::Phys:
    case OpKind::Dev:
    case OpKind::FailAlloc: return true;
  }
  return false;
}

std::optional<OpKind> kind_of_keyword(const char* word, size_t len) {
  for (const OpTraits& t : kOpTable)
    if (std::strlen(t.keyword) == len && std::memcmp(t.keyword, word, len) == 0) return t.kind;
  return std::nullopt;
}

OpSpan op_span(const Op& op) {
  OpSpan s;
  switch (traits(op.kind).footprint) {
    case Footprint::Nowhere: return s;
    case Footprint::Global:
      s.any = true;
      s.to_top = true;
      return s;
    case Footprint::Page:
      s.any = true;
      s.lo = op.iova & ~(kSize4K - 1);
      s.hi = s.lo + kSize4K;
      s.to_top = s.hi == 0;
      return s;
    case Footprint::Range:
      // An empty range still names its address (so `unmap X 0` overlaps what holds X, as before).
      s.any = true;
      s.lo = op.iova;
      s.hi = op.iova + (op.size ? op.size : 1);
      s.to_top = s.hi <= s.lo;
      if (s.to_top) s.hi = 0;
      return s;
  }
  return s;
}

const char* entry_name(TargetEntry e) {
  switch (e) {
    case TargetEntry::None: return "none";
    case TargetEntry::Map: return "map";
    case TargetEntry::Unmap: return "unmap";
    case TargetEntry::Flush: return "flush";
    case TargetEntry::Split: return "split";
    case TargetEntry::Merge: return "merge";
    case TargetEntry::ReadAndClearDirty: return "read_and_clear_dirty";
    case TargetEntry::UnmapReadDirty: return "unmap_read_dirty";
    case TargetEntry::IovaToPhys: return "iova_to_phys";
  }
  return "?";
}

bool target_offers(const ptc_target_ops* ops, OpKind k) {
  switch (traits(k).entry) {
    case TargetEntry::None:
    case TargetEntry::Map:
    case TargetEntry::Unmap:
    case TargetEntry::IovaToPhys: return true;
    case TargetEntry::Flush: return ops->flush != nullptr;
    case TargetEntry::Split: return ops->split != nullptr;
    case TargetEntry::Merge: return ops->merge != nullptr;
    case TargetEntry::ReadAndClearDirty: return ops->read_and_clear_dirty != nullptr;
    case TargetEntry::UnmapReadDirty: return ops->unmap_read_dirty != nullptr;
  }
  return false;
}

}  // namespace ptc
