// The reference model: the executable form of SPEC.md sections 3-5. It keeps leaves per address
// (start, size, output address, permission, dirty state) in an ordered map and implements each
// operation in the most obvious way. Slow on purpose: it is the spec, not an implementation.
// It shares no logic with the simulated SMMU or the optimized table (only the op vocabulary).
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/ops.h"
#include "core/reference/leaf_runs.h"
#include "core/reference/ref_leaf.h"

namespace ptc {

// What a dirty operation must record: [iova, iova+len). `maybe`: it may or may not be recorded.
struct RefRecord {
  uint64_t iova = 0;
  uint64_t len = 0;
  bool maybe = false;
  // contract=linux (SPEC 9.5): the read may have cleaned this whole leaf although it sticks out of its
  // range, so a write to its pages outside the range, completed before the read, may go unreported.
  bool may_clean_whole = false;
};

// One allowed result of a device access.
struct DeviceOutcome {
  bool fault = true;
  uint64_t pa = 0;
  bool operator==(const DeviceOutcome&) const = default;
};
std::string describe(const DeviceOutcome& o);

class ReferenceModel {
 public:
  explicit ReferenceModel(const Config& cfg);
  const Config& config() const { return cfg_; }

  // SPEC section 3, one function per operation.
  int map(uint64_t iova, uint64_t pa, uint64_t size, unsigned prot);
  int64_t unmap(uint64_t iova, uint64_t size);
  int flush();
  int split(uint64_t iova, uint64_t size);
  int merge(uint64_t iova, uint64_t size);
  int read_and_clear_dirty(uint64_t iova, uint64_t size, unsigned flags, std::vector<RefRecord>* records);
  int64_t unmap_read_dirty(uint64_t iova, uint64_t size, std::vector<RefRecord>* records);
  uint64_t iova_to_phys(uint64_t iova) const;

  // The leaf holding iova, if any.
  std::optional<RefLeaf> leaf_at(uint64_t iova) const;
  // A checker saw the target's leaves in [iova, iova+size) all clean or all dirty: those whose state here
  // is clean-or-dirty are what was seen.
  void resolve_dirty(uint64_t iova, uint64_t size, bool dirty);
  // Every leaf intersecting [iova, iova+size), ascending.
  std::vector<RefLeaf> leaves_in(uint64_t iova, uint64_t size) const;
  // The same into *out (cleared first), whose capacity a caller reuses.
  void leaves_in(uint64_t iova, uint64_t size, std::vector<RefLeaf>* out) const;
  // Every leaf, as maximal runs of equal leaves (leaf_runs.h).
  const LeafRuns& leaf_runs() const { return leaves_; }

  // Device access at a quiescent moment: the current translation, plus (lazy mode) any translation
  // removed by an unmap whose invalidation may still wait for flush().
  std::vector<DeviceOutcome> device_outcomes(uint64_t iova, bool write) const;
  // A device write reached iova through the current translation: its leaf becomes dirty.
  void device_write(uint64_t iova, DirtyState to = DirtyState::Dirty);

  // Applies op (a target operation; device actions and directives change nothing here): the one
  // switch from an op kind to its function above. Dirty ops fill *records when given.
  int64_t apply(const Op& op, std::vector<RefRecord>* records);

  // ---- Races (SPEC sections 4-5; race_rules.cpp). What a device access that runs while an operation
  // is in progress (between its call and its return) may observe or cause. Every function is asked
  // of the model as it stands before the op is applied, unless it says otherwise.

  // Whether an access to iova during op may see the op's change of translation: the op changes
  // translations and iova lies in its range or in a leaf that reaches into it. Its outcome is then
  // checked once the op returned, against outcomes_during().
  bool access_races(const Op& op, uint64_t iova) const;
  // What an access to iova racing op may give besides the translations before and after the op:
  // the pages a map installs, even when it then fails and takes them back (SPEC 5.2).
  std::vector<DeviceOutcome> transient_outcomes(const Op& op, uint64_t iova, bool write) const;
  // Whether an access to iova racing op may fault: not when op is a split or merge at bbml 1 or 2 and
  // iova is mapped with no translation that faults (SPEC 5.7).
  bool may_fault_during(const Op& op, uint64_t iova, bool write) const;

  // How a device write that reached output address `pa` counts for dirty tracking (SPEC 5.3).
  enum class WriteOwes : uint8_t {
    Nothing,          // through a translation a lazy unmap removed, or a failing map's page: no record owed
    Record,           // through the current translation: a later clearing read owes it a record
    IfOpSucceeds,     // through the page of the map in progress: owed once the map returns 0
  };
  // A device write to iova reached `pa`, at a quiescent moment (during == nullptr) or while `*during`
  // ran: what it is owed, and its effect on the leaf it dirtied (applied here). During a clearing read
  // or a split whose range the leaf reaches into, the op's scan may or may not see the write: the leaf
  // is clean-or-dirty until the op is applied and settle_racing_writes() runs. `cleared_elsewhere`:
  // another clearing read ran beside the write too and may have reported and cleaned it (the
  // concurrent checker, where several reads overlap one write), so even an unmap_read_dirty need not.
  WriteOwes device_write_reached(uint64_t iova, uint64_t pa, const Op* during, bool cleared_elsewhere = false);
  // After op was applied with result r: the state the writes that raced with it (their IOVAs) leave
  // behind. `cleared_elsewhere`: another clearing read that ran beside them may have cleaned their leaf
  // after they landed (the concurrent checker, where several reads overlap a write).
  void settle_racing_writes(const Op& op, int64_t r, const std::vector<uint64_t>& writes, bool cleared_elsewhere = false);

  // The whole state, for the concurrent checker's memo (two models with the same state must be merged,
  // two with different states never): leaves with their dirty state and lazily unmapped leaves.
  bool same_state(const ReferenceModel& o) const;
  uint64_t state_hash() const;

  // Whether [iova, iova+size) is 4K-aligned, non-empty and inside the IAS.
  bool valid_range(uint64_t iova, uint64_t size) const;

  // SPEC 9, the caller's guarantees of the config's contract profile (contract.cpp): "" when a caller
  // may issue op in the current state, else why it never would (the statement is then skipped).
  std::string outside_contract(const Op& op) const { return outside_contract(op, cfg_.contract); }
  // The same for another profile than the config's, in the current state (e.g. whether Linux's callers
  // would issue an op of a spec-profile script).
  std::string outside_contract(const Op& op, Contract profile) const;
  // What a dirty read's caller keeps of what the table recorded: contract=linux, only the read's range
  // (iommufd records into an iova_bitmap that covers the range it asked for, and iova_bitmap_set drops
  // what lies outside; a record beyond it is never seen by Linux); spec, everything (SPEC 5.3: a record
  // outside the range is a phantom).
  bool caller_drops_records_outside_range() const;

 private:
  bool range_cuts_leaf(uint64_t iova, uint64_t size) const;
  bool any_mapped(uint64_t iova, uint64_t size) const;
  uint64_t pick_leaf_size(uint64_t iova, uint64_t pa, uint64_t left) const;
  bool merge_region(uint64_t start, uint64_t size);
  int64_t remove_leaves(uint64_t iova, uint64_t size, std::vector<RefRecord>* records, bool keep_stale);
  void keep_lazily_unmapped(const RefRun& r);

  Config cfg_;
  LeafRuns leaves_;
  // Lazy mode: leaves removed but maybe still cached, until flush, as the runs they were removed in. An
  // IOVA unmapped, mapped again and unmapped again before flush has several: the IOTLB may hold any of them.
  std::multimap<uint64_t, RefRun> lazily_unmapped_;
};

}  // namespace ptc
