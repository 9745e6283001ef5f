// The race rules of the reference model (SPEC sections 4 and 5): what a device access that runs
// while an operation is in progress may observe, and what a device write that lands then leaves
// behind. The differential runner (core/runner) and the concurrent checker (properties/concurrent)
// both ask these; neither decides them.
#include <algorithm>

#include "core/ops/op_table.h"
#include "core/reference/reference_model.h"

namespace ptc {

namespace {

bool in_range(const Op& op, uint64_t a) { return has_range(op.kind) && a >= op.iova && a - op.iova < op.size; }

// A leaf that reaches into op's range (it may stick out of it).
bool reaches_into(const Op& op, const RefLeaf& l) {
  return has_range(op.kind) && l.iova < op.iova + op.size && op.iova < l.end();
}

// The write races with the op's scan of its leaf: a dirty read (clearing or not) or a split may read
// the leaf before or after the write lands. (unmap_read_dirty may not miss it: it reports every write
// completed before its removal was invalidated, SPEC 3.)
bool scan_may_miss(const Op& op) { return op.kind == OpKind::Dirty || op.kind == OpKind::Split; }

}  // namespace

bool ReferenceModel::access_races(const Op& op, uint64_t iova) const {
  if (!traits(op.kind).changes_translations) return false;
  if (in_range(op, iova)) return true;
  const std::optional<RefLeaf> l = leaf_at(iova);
  return l && reaches_into(op, *l);
}

std::vector<DeviceOutcome> ReferenceModel::transient_outcomes(const Op& op, uint64_t iova, bool write) const {
  // A map installs its pages one by one and, when a later step fails (-ENOMEM, -EEXIST), takes back
  // what it installed (Linux's iommu_map unmaps what it mapped): a device may see such a page while
  // the map runs. Only an unmapped page can be one: a map never replaces a translation.
  if (op.kind != OpKind::Map || !in_range(op, iova) || leaf_at(iova)) return {};
  if (!(op.prot & PTC_PROT_READ)) return {};
  if (write && !(op.prot & PTC_PROT_WRITE)) return {{true, 0}};
  return {{false, op.paddr + (iova - op.iova)}};
}

bool ReferenceModel::may_fault_during(const Op& op, uint64_t iova, bool write) const {
  if ((op.kind != OpKind::Split && op.kind != OpKind::Merge) || cfg_.bbml == 0) return true;
  // Mapped, and no translation the device may use faults (a lazily unmapped read-only one faults a
  // write: that fault is the old mapping's, not the split's).
  const std::vector<DeviceOutcome> now = device_outcomes(iova, write);
  return std::any_of(now.begin(), now.end(), [](const DeviceOutcome& o) { return o.fault; });
}

ReferenceModel::WriteOwes ReferenceModel::device_write_reached(uint64_t iova, uint64_t pa, const Op* during,
                                                               bool cleared_elsewhere) {
  if (!cfg_.hw_dirty) return WriteOwes::Nothing;
  const std::optional<RefLeaf> l = leaf_at(iova);
  if (l && l->writable && l->pa + (iova - l->iova) == pa) {
    const bool racing_scan = during && (scan_may_miss(*during) || cleared_elsewhere) && reaches_into(*during, *l);
    device_write(iova, racing_scan ? DirtyState::Maybe : DirtyState::Dirty);
    return WriteOwes::Record;
  }
  // Not the current translation: the page of a map in progress (it starts dirty, as every new
  // writable mapping, and is owed a record only if the map keeps it), or a translation a lazy unmap
  // removed, which stays usable until flush and whose mapping is gone (SPEC 5.3: no record owed).
  if (during && during->kind == OpKind::Map && !l && in_range(*during, iova) && (during->prot & PTC_PROT_WRITE) &&
      during->paddr + (iova - during->iova) == pa)
    return WriteOwes::IfOpSucceeds;
  return WriteOwes::Nothing;
}

void ReferenceModel::settle_racing_writes(const Op& op, int64_t r, const std::vector<uint64_t>& writes,
                                          bool cleared_elsewhere) {
  if (!cfg_.hw_dirty) return;
  const bool cleaned_by_op = op.kind == OpKind::Dirty && !op.noclear && r == 0;
  for (uint64_t a : writes) {
    const std::optional<RefLeaf> l = leaf_at(a);
    // Only a leaf the op's range reaches into raced with its scan (an op injected beside it may have
    // cleaned a leaf elsewhere since: that is its own business).
    if (!l || !l->writable || !reaches_into(op, *l)) continue;
    if (cleaned_by_op || cleared_elsewhere) {
      // A clearing read cleaned every leaf wholly inside its range, before or after the write landed:
      // even a leaf that was dirty before is clean-or-dirty now. (A leaf that sticks out is not
      // cleaned, so it keeps what the write gave it.)
      if (cleared_elsewhere || (l->iova >= op.iova && l->end() - op.iova <= op.size))
        leaves_.update(a, 1, [](RefRun& r) { r.dirty = DirtyState::Maybe; });
    } else if (scan_may_miss(op)) {
      // A split, or a read that did not clear, leaves the page written certainly dirty.
      device_write(a, DirtyState::Dirty);
    }
  }
}

}  // namespace ptc
