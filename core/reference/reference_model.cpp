#include "core/reference/reference_model.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>

namespace ptc {

const char* dirty_state_name(DirtyState d) {
  switch (d) {
    case DirtyState::Clean: return "clean";
    case DirtyState::Dirty: return "dirty";
    case DirtyState::Maybe: return "clean-or-dirty";
  }
  return "?";
}

std::string describe(const RefLeaf& l, bool hw_dirty) {
  char buf[160];
  const char* perm = !l.writable ? "read-only" : !hw_dirty ? "writable" : l.dirty == DirtyState::Dirty ? "writable-dirty"
                                                                         : l.dirty == DirtyState::Clean ? "writable-clean"
                                                                                                        : "writable-(clean-or-dirty)";
  std::snprintf(buf, sizeof buf, "[0x%llx+0x%llx) -> 0x%llx %s", (unsigned long long)l.iova, (unsigned long long)l.size,
                (unsigned long long)l.pa, perm);
  return buf;
}

std::string describe(const DeviceOutcome& o) {
  if (o.fault) return "fault";
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", (unsigned long long)o.pa);
  return buf;
}

ReferenceModel::ReferenceModel(const Config& cfg) : cfg_(cfg) {}

static bool aligned4k(uint64_t v) { return (v & (kSize4K - 1)) == 0; }

bool ReferenceModel::valid_range(uint64_t iova, uint64_t size) const {
  if (!aligned4k(iova) || !aligned4k(size) || size == 0) return false;
  const uint64_t top = 1ull << cfg_.ias;
  return iova < top && size <= top - iova;
}

std::optional<RefLeaf> ReferenceModel::leaf_at(uint64_t iova) const { return leaves_.leaf_at(iova); }

void ReferenceModel::resolve_dirty(uint64_t iova, uint64_t size, bool dirty) {
  leaves_.update(iova, size, [&](RefRun& r) {
    if (r.dirty == DirtyState::Maybe) r.dirty = dirty ? DirtyState::Dirty : DirtyState::Clean;
  });
}

void ReferenceModel::leaves_in(uint64_t iova, uint64_t size, std::vector<RefLeaf>* out) const {
  out->clear();
  leaves_.append_leaves(iova, size, out);
}

std::vector<RefLeaf> ReferenceModel::leaves_in(uint64_t iova, uint64_t size) const {
  std::vector<RefLeaf> out;
  leaves_in(iova, size, &out);
  return out;
}

bool ReferenceModel::any_mapped(uint64_t iova, uint64_t size) const { return leaves_.any_in(iova, size); }

bool ReferenceModel::range_cuts_leaf(uint64_t iova, uint64_t size) const {
  // Only the leaves holding the range's first and last page can stick out of it.
  const std::optional<RefLeaf> first = leaf_at(iova), last = leaf_at(iova + size - 1);
  return (first && first->iova < iova) || (last && last->end() > iova + size);
}

// Linux's iommu_pgsize: the largest allowed size to which both addresses are aligned and that fits.
uint64_t ReferenceModel::pick_leaf_size(uint64_t iova, uint64_t pa, uint64_t left) const {
  for (uint64_t size : {kSize1G, kSize2M, kSize4K}) {
    if (!(cfg_.pgsizes & size)) continue;
    if (((iova | pa) & (size - 1)) == 0 && size <= left) return size;  // sizes are powers of two (no division)
  }
  return kSize4K;
}

int ReferenceModel::map(uint64_t iova, uint64_t pa, uint64_t size, unsigned prot) {
  if (!valid_range(iova, size) || !aligned4k(pa)) return -EINVAL;
  if (!(prot & PTC_PROT_READ) || (prot & ~unsigned(PTC_PROT_READ | PTC_PROT_WRITE))) return -EINVAL;
  const uint64_t out_top = 1ull << cfg_.oas;
  if (pa >= out_top || size > out_top - pa) return -EINVAL;
  if (any_mapped(iova, size)) return -EEXIST;
  const bool writable = prot & PTC_PROT_WRITE;
  // A new writable mapping counts as dirty once (as in Linux's io-pgtable-arm).
  RefRun run{iova, 0, 0, pa, writable, DirtyState::Dirty};  // the leaves picked so far of one size
  for (uint64_t off = 0; off < size;) {
    const uint64_t leaf = pick_leaf_size(iova + off, pa + off, size - off);
    if (leaf != run.leaf_size && run.count) {
      leaves_.insert(run);
      run = RefRun{iova + off, 0, 0, pa + off, writable, DirtyState::Dirty};
    }
    run.leaf_size = leaf;
    ++run.count;
    off += leaf;
  }
  leaves_.insert(run);
  return 0;
}

void ReferenceModel::keep_lazily_unmapped(const RefRun& r) {
  auto [lo, hi] = lazily_unmapped_.equal_range(r.iova);
  for (auto it = lo; it != hi; ++it)
    if (it->second.leaf_size == r.leaf_size && it->second.count == r.count && it->second.pa == r.pa &&
        it->second.writable == r.writable)
      return;
  lazily_unmapped_.emplace(r.iova, r);
}

// The callers checked that no leaf sticks out of the range.
int64_t ReferenceModel::remove_leaves(uint64_t iova, uint64_t size, std::vector<RefRecord>* records, bool keep_stale) {
  int64_t bytes = 0;
  leaves_.erase(iova, size, [&](const RefRun& r) {
    bytes += int64_t(r.bytes());
    if (records && cfg_.hw_dirty && r.writable && r.dirty != DirtyState::Clean)
      records->push_back({r.iova, r.bytes(), r.dirty == DirtyState::Maybe});
    if (keep_stale) keep_lazily_unmapped(r);
  });
  return bytes;
}

int64_t ReferenceModel::unmap(uint64_t iova, uint64_t size) {
  if (!valid_range(iova, size) || range_cuts_leaf(iova, size)) return -EINVAL;
  return remove_leaves(iova, size, nullptr, cfg_.lazy);
}

int ReferenceModel::flush() {
  lazily_unmapped_.clear();
  return 0;
}

int ReferenceModel::split(uint64_t iova, uint64_t size) {
  if (cfg_.bbml == 0) return -EOPNOTSUPP;
  if (!valid_range(iova, size) || range_cuts_leaf(iova, size)) return -EINVAL;
  // Every block becomes the pages it maps, with its permission and dirty state: a run of pages.
  leaves_.update(iova, size, [](RefRun& r) {
    r.count *= r.leaf_size / kSize4K;
    r.leaf_size = kSize4K;
  });
  return 0;
}

// Merges [start, start+size) into one block if SPEC section 3's conditions hold.
bool ReferenceModel::merge_region(uint64_t start, uint64_t size) {
  const std::optional<RefLeaf> first = leaf_at(start);
  if (!first || first->size >= size) return false;  // a hole, already one block, or inside a bigger one
  if (first->iova != start || first->pa % size != 0) return false;
  uint64_t next = start;
  bool ok = true, any_dirty = false, any_maybe = false;
  // Runs of leaves no bigger than the region are cut at its edges (every leaf is aligned to its size).
  leaves_.for_each_run(start, size, [&](const RefRun& r) {
    if (r.leaf_size > size || std::max(r.iova, start) != next) ok = false;  // a bigger leaf, or a hole
    if (r.pa - r.iova != first->pa - first->iova) ok = false;              // output not contiguous
    if (r.writable != first->writable) ok = false;                        // more than one permission
    any_dirty |= r.dirty == DirtyState::Dirty;
    any_maybe |= r.dirty == DirtyState::Maybe;
    next = std::min(r.end(), start + size);
  });
  if (!ok || next != start + size) return false;
  const DirtyState d = any_dirty ? DirtyState::Dirty : any_maybe ? DirtyState::Maybe : DirtyState::Clean;
  leaves_.erase(start, size);
  leaves_.insert(RefRun{start, size, 1, first->pa, first->writable, d});
  return true;
}

int ReferenceModel::merge(uint64_t iova, uint64_t size) {
  if (cfg_.bbml == 0) return -EOPNOTSUPP;
  if (!valid_range(iova, size)) return -EINVAL;
  const uint64_t end = iova + size;
  // 1G regions first, then 2M regions of what is left.
  for (uint64_t region : {kSize1G, kSize2M}) {
    if (!(cfg_.pgsizes & region)) continue;
    for (uint64_t r = (iova + region - 1) / region * region; r >= iova && r + region <= end && r + region > r; r += region)
      merge_region(r, region);
  }
  return 0;
}

int ReferenceModel::read_and_clear_dirty(uint64_t iova, uint64_t size, unsigned flags, std::vector<RefRecord>* records) {
  if (!cfg_.hw_dirty) return -EOPNOTSUPP;
  if (!valid_range(iova, size)) return -EINVAL;
  const uint64_t end = iova + size;
  // Runs come cut at the range's edges: each lies inside it or is one leaf that sticks out.
  leaves_.update(iova, size, [&](RefRun& l) {
    if (!l.writable || l.dirty == DirtyState::Clean) return;
    const uint64_t lo = std::max(l.iova, iova), hi = std::min(l.end(), end);
    if (records) records->push_back({lo, hi - lo, l.dirty == DirtyState::Maybe});
    const bool wholly_inside = l.iova >= iova && l.end() <= end;
    if (wholly_inside) {
      if (!(flags & PTC_DIRTY_NO_CLEAR) && l.dirty == DirtyState::Dirty) l.dirty = DirtyState::Clean;
    } else if (cfg_.contract == Contract::Linux) {
      // Linux records a dirty leaf whole (the bitmap drops what lies outside the range) and cleans it
      // whole: dirty tracking is at IOPTE granularity (SPEC 9.5). Either is accepted.
      const bool may_clean = !(flags & PTC_DIRTY_NO_CLEAR);
      if (records) records->push_back({l.iova, l.bytes(), true, may_clean});
      if (may_clean) l.dirty = DirtyState::Maybe;
    }
    // Otherwise (contract=spec) a leaf that sticks out is reported and stays dirty, so its pages
    // outside are not lost.
  });
  return 0;
}

int64_t ReferenceModel::unmap_read_dirty(uint64_t iova, uint64_t size, std::vector<RefRecord>* records) {
  if (!valid_range(iova, size) || range_cuts_leaf(iova, size)) return -EINVAL;
  // Always invalidated before returning, lazy mode too: nothing stays reachable.
  return remove_leaves(iova, size, records, false);
}

uint64_t ReferenceModel::iova_to_phys(uint64_t iova) const {
  const std::optional<RefLeaf> l = leaf_at(iova);
  return l ? l->pa + (iova - l->iova) : 0;
}

std::vector<DeviceOutcome> ReferenceModel::device_outcomes(uint64_t iova, bool write) const {
  std::vector<DeviceOutcome> out;
  const std::optional<RefLeaf> l = leaf_at(iova);
  if (l && (!write || l->writable))
    out.push_back({false, l->pa + (iova - l->iova)});
  else
    out.push_back({true, 0});
  // Every run removed before flush that starts at or below iova (few: flush forgets them all).
  for (auto it = lazily_unmapped_.begin(); it != lazily_unmapped_.end() && it->first <= iova; ++it) {
    const RefRun& s = it->second;
    // A write through a cached read-only translation faults (a permission fault).
    const DeviceOutcome o = write && !s.writable ? DeviceOutcome{true, 0} : DeviceOutcome{false, s.pa + (iova - s.iova)};
    if (s.contains(iova) && std::find(out.begin(), out.end(), o) == out.end()) out.push_back(o);
  }
  return out;
}

void ReferenceModel::device_write(uint64_t iova, DirtyState to) {
  if (!cfg_.hw_dirty) return;
  leaves_.update(iova, 1, [&](RefRun& l) {
    if (!l.writable) return;
    if (to == DirtyState::Maybe && l.dirty == DirtyState::Dirty) return;  // already dirty: stays dirty
    l.dirty = to;
  });
}

}  // namespace ptc

namespace ptc {

int64_t ReferenceModel::apply(const Op& op, std::vector<RefRecord>* records) {
  switch (op.kind) {
    case OpKind::Map: return map(op.iova, op.paddr, op.size, op.prot);
    case OpKind::Unmap: return unmap(op.iova, op.size);
    case OpKind::Flush: return flush();
    case OpKind::Split: return split(op.iova, op.size);
    case OpKind::Merge: return merge(op.iova, op.size);
    case OpKind::Dirty: return read_and_clear_dirty(op.iova, op.size, op.noclear ? PTC_DIRTY_NO_CLEAR : 0, records);
    case OpKind::UnmapDirty: return unmap_read_dirty(op.iova, op.size, records);
    case OpKind::Phys: return int64_t(iova_to_phys(op.iova));
    case OpKind::Dev:
    case OpKind::FailAlloc: return 0;
  }
  return 0;
}

namespace {
// A lazily unmapped run is observable only as translations (device_outcomes): its dirty state is not.
bool same_translation(const RefRun& l, const RefRun& r) {
  return l.iova == r.iova && l.leaf_size == r.leaf_size && l.count == r.count && l.pa == r.pa &&
         l.writable == r.writable;
}
uint64_t mix(uint64_t h, uint64_t v) { return h ^ (v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2)); }
uint64_t run_hash(uint64_t h, const RefRun& l) {
  return mix(mix(mix(mix(h, l.iova), l.leaf_size ^ (l.pa << 1)), l.count),
             uint64_t(l.writable) | uint64_t(l.dirty) << 1);
}
}  // namespace

bool ReferenceModel::same_state(const ReferenceModel& o) const {
  // Every field: the config, the leaves (as maximal runs, which two stores of the same leaves share), and
  // the lazily unmapped translations device outcomes read. keep_lazily_unmapped() stores each run once per
  // key, in an order nothing observes, so they compare as sets per key.
  if (!(cfg_ == o.cfg_) || leaves_.runs() != o.leaves_.runs()) return false;
  if (lazily_unmapped_.size() != o.lazily_unmapped_.size()) return false;
  for (const auto& entry : lazily_unmapped_) {
    auto [lo, hi] = o.lazily_unmapped_.equal_range(entry.first);
    if (std::none_of(lo, hi, [&](const auto& e) { return same_translation(e.second, entry.second); })) return false;
  }
  return true;
}

uint64_t ReferenceModel::state_hash() const {
  uint64_t h = 1469598103934665603ull;
  for (const auto& [k, r] : leaves_.runs()) h = run_hash(h, r);
  // Order-independent within one key (see same_state): a sum of per-entry hashes.
  uint64_t stale = 0;
  for (const auto& [k, r] : lazily_unmapped_) {
    RefRun translation = r;
    translation.dirty = DirtyState::Clean;
    stale += run_hash(0x5bd1e995, translation);
  }
  return mix(mix(h, stale), lazily_unmapped_.size());
}

}  // namespace ptc
