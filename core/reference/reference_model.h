// The reference model: the executable form of SPEC.md sections 3-5. It keeps leaves per address
// (start, size, output address, permission, dirty state) in an ordered map and implements each
// operation in the most obvious way. Slow on purpose: it is the spec, not an implementation.
// It shares no logic with the simulated SMMU or the optimized table (only the op vocabulary).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/ops.h"

namespace ptc {

// Dirty state of a writable leaf under hw_dirty. Maybe: a device write raced with the operation
// that produced this leaf, so either state is correct; the runner resolves it by observing the target.
enum class DirtyState : uint8_t { Clean, Dirty, Maybe };
const char* dirty_state_name(DirtyState d);

struct RefLeaf {
  uint64_t iova = 0;
  uint64_t size = 0;
  uint64_t pa = 0;
  bool writable = false;
  DirtyState dirty = DirtyState::Clean;  // meaningful only when writable and hw_dirty
  uint64_t end() const { return iova + size; }
  bool contains(uint64_t a) const { return a >= iova && a - iova < size; }
};
std::string describe(const RefLeaf& l, bool hw_dirty);

// What a dirty operation must record: [iova, iova+len). `maybe`: it may or may not be recorded.
struct RefRecord {
  uint64_t iova = 0;
  uint64_t len = 0;
  bool maybe = false;
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

  // The leaf holding iova, or nullptr.
  const RefLeaf* leaf_at(uint64_t iova) const;
  RefLeaf* leaf_at(uint64_t iova);
  // Every leaf intersecting [iova, iova+size), ascending.
  std::vector<RefLeaf> leaves_in(uint64_t iova, uint64_t size) const;
  const std::map<uint64_t, RefLeaf>& leaves() const { return leaves_; }

  // Device access at a quiescent moment: the current translation, plus (lazy mode) any translation
  // removed by an unmap whose invalidation may still wait for flush().
  std::vector<DeviceOutcome> device_outcomes(uint64_t iova, bool write) const;
  // A device write reached iova through the current translation: its leaf becomes dirty.
  void device_write(uint64_t iova, DirtyState to = DirtyState::Dirty);

  // Whether [iova, iova+size) is 4K-aligned, non-empty and inside the IAS.
  bool valid_range(uint64_t iova, uint64_t size) const;

 private:
  bool range_cuts_leaf(uint64_t iova, uint64_t size) const;
  bool any_mapped(uint64_t iova, uint64_t size) const;
  uint64_t pick_leaf_size(uint64_t iova, uint64_t pa, uint64_t left) const;
  bool merge_region(uint64_t start, uint64_t size);
  int64_t remove_leaves(uint64_t iova, uint64_t size, std::vector<RefRecord>* records, bool keep_stale);
  void keep_lazily_unmapped(const RefLeaf& l);

  Config cfg_;
  std::map<uint64_t, RefLeaf> leaves_;           // key: leaf start
  // Lazy mode: leaves removed but maybe still cached, until flush. An IOVA unmapped, mapped again and
  // unmapped again before flush has several: the IOTLB may hold any of them.
  std::multimap<uint64_t, RefLeaf> lazily_unmapped_;
};

}  // namespace ptc
