// The contract profiles of the reference model (SPEC section 9): which operations a caller may issue in
// the current state. Spec (the default) assumes nothing beyond SPEC section 6; Linux states what Linux's
// callers of io-pgtable guarantee. The results each profile accepts are stated where the operation is
// (read_and_clear_dirty: a leaf that sticks out of the range, in the linux profile).
#include <string>

#include "core/ops/op_table.h"
#include "core/reference/reference_model.h"

namespace ptc {

namespace {

// Whether every 4K page of [iova, iova+size) is mapped.
bool all_mapped(const ReferenceModel& m, uint64_t iova, uint64_t size) {
  uint64_t next = iova;
  bool hole = false;
  m.leaf_runs().for_each_run(iova, size, [&](const RefRun& r) {
    hole |= r.iova > next;
    next = r.end();
  });
  return !hole && next >= iova + size;
}

// The arguments Linux's core validates before it calls the table (iommu_map, iommu_unmap and
// iommufd check alignment to the smallest page size, the domain's aperture bounds the IOVA, and a
// mapping always has read permission): the table never sees others.
std::string invalid_for_linux_callers(const ReferenceModel& m, const Op& op) {
  const Config& c = m.config();
  if (!m.valid_range(op.iova, op.size)) return "an unaligned, empty or out-of-range IOVA range";
  if (op.kind != OpKind::Map) return "";
  const uint64_t out_top = 1ull << c.oas;
  if ((op.paddr & (kSize4K - 1)) || op.paddr >= out_top || op.size > out_top - op.paddr)
    return "an unaligned or out-of-range output address";
  if (!(op.prot & PTC_PROT_READ) || (op.prot & ~unsigned(PTC_PROT_READ | PTC_PROT_WRITE))) return "a prot without READ";
  return "";
}

}  // namespace

bool ReferenceModel::caller_drops_records_outside_range() const {
  switch (cfg_.contract) {
    case Contract::Spec: return false;
    case Contract::Linux: return true;
  }
  return false;
}

std::string ReferenceModel::outside_contract(const Op& op, Contract profile) const {
  switch (profile) {
    case Contract::Spec: return "";
    case Contract::Linux: break;
  }
  auto invalid = [&]() -> std::string {
    const std::string why = invalid_for_linux_callers(*this, op);
    return why.empty() ? "" : "Linux's callers never pass " + why + " (contract=linux)";
  };
  switch (op.kind) {
    case OpKind::Map:
      if (std::string why = invalid(); !why.empty()) return why;
      if (any_mapped(op.iova, op.size))
        return "a map over a mapped page: Linux's IOVA allocator and iommufd's area tree never issue one (contract=linux, "
               "SPEC 9.1)";
      return "";
    case OpKind::Unmap:
    case OpKind::UnmapDirty:
    case OpKind::Split:
    case OpKind::Merge: {
      // Split and merge: SPEC 9 is silent (mainline has neither). The series that add them (the 2021
      // dirty-log RFC) are called by VFIO's dirty tracking on each whole mapped range (vfio_dma), as
      // unmap is (9.2): a WARN or a refusal on part of a block is not a bug in Linux terms.
      if (std::string why = invalid(); !why.empty()) return why;
      const bool unmap = op.kind == OpKind::Unmap || op.kind == OpKind::UnmapDirty;
      if (!all_mapped(*this, op.iova, op.size) || range_cuts_leaf(op.iova, op.size))
        return std::string(unmap ? "an " : "a ") + op_name(op.kind) + " of a range with a hole or that cuts a leaf: " +
               (unmap ? "Linux's callers unmap what they mapped (contract=linux, SPEC 9.2)"
                      : "the callers of a split/merge series (VFIO's dirty tracking) split and merge whole mapped ranges "
                        "(contract=linux, as SPEC 9.2)");
      return "";
    }
    case OpKind::Dirty:
      if (std::string why = invalid(); !why.empty()) return why;
      if (!all_mapped(*this, op.iova, op.size))
        return "a dirty read of a range with a hole: iommufd reads dirty state area by area (contract=linux, SPEC 9.3)";
      return "";
    case OpKind::Flush:
    case OpKind::Phys:
    case OpKind::Dev:
    case OpKind::FailAlloc: return "";
  }
  return "";
}

}  // namespace ptc
