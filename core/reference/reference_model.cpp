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

const RefLeaf* ReferenceModel::leaf_at(uint64_t iova) const {
  auto it = leaves_.upper_bound(iova);
  if (it == leaves_.begin()) return nullptr;
  --it;
  return it->second.contains(iova) ? &it->second : nullptr;
}

RefLeaf* ReferenceModel::leaf_at(uint64_t iova) {
  return const_cast<RefLeaf*>(static_cast<const ReferenceModel*>(this)->leaf_at(iova));
}

std::vector<RefLeaf> ReferenceModel::leaves_in(uint64_t iova, uint64_t size) const {
  std::vector<RefLeaf> out;
  const uint64_t end = iova + size;
  auto it = leaves_.upper_bound(iova);
  if (it != leaves_.begin() && std::prev(it)->second.end() > iova) --it;
  for (; it != leaves_.end() && it->first < end; ++it) out.push_back(it->second);
  return out;
}

bool ReferenceModel::any_mapped(uint64_t iova, uint64_t size) const { return !leaves_in(iova, size).empty(); }

bool ReferenceModel::range_cuts_leaf(uint64_t iova, uint64_t size) const {
  for (const RefLeaf& l : leaves_in(iova, size))
    if (l.iova < iova || l.end() > iova + size) return true;
  return false;
}

// Linux's iommu_pgsize: the largest allowed size to which both addresses are aligned and that fits.
uint64_t ReferenceModel::pick_leaf_size(uint64_t iova, uint64_t pa, uint64_t left) const {
  for (uint64_t size : {kSize1G, kSize2M, kSize4K}) {
    if (!(cfg_.pgsizes & size)) continue;
    if (iova % size == 0 && pa % size == 0 && size <= left) return size;
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
  for (uint64_t off = 0; off < size;) {
    const uint64_t leaf = pick_leaf_size(iova + off, pa + off, size - off);
    // A new writable mapping counts as dirty once (as in Linux's io-pgtable-arm).
    leaves_[iova + off] = RefLeaf{iova + off, leaf, pa + off, writable, DirtyState::Dirty};
    off += leaf;
  }
  return 0;
}

void ReferenceModel::keep_lazily_unmapped(const RefLeaf& l) {
  auto [lo, hi] = lazily_unmapped_.equal_range(l.iova);
  for (auto it = lo; it != hi; ++it)
    if (it->second.size == l.size && it->second.pa == l.pa && it->second.writable == l.writable) return;
  lazily_unmapped_.emplace(l.iova, l);
}

int64_t ReferenceModel::remove_leaves(uint64_t iova, uint64_t size, std::vector<RefRecord>* records, bool keep_stale) {
  int64_t bytes = 0;
  for (const RefLeaf& l : leaves_in(iova, size)) {
    bytes += int64_t(l.size);
    if (records && cfg_.hw_dirty && l.writable && l.dirty != DirtyState::Clean)
      records->push_back({l.iova, l.size, l.dirty == DirtyState::Maybe});
    if (keep_stale) keep_lazily_unmapped(l);
    leaves_.erase(l.iova);
  }
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
  for (const RefLeaf& block : leaves_in(iova, size)) {
    if (block.size == kSize4K) continue;
    for (uint64_t off = 0; off < block.size; off += kSize4K)
      leaves_[block.iova + off] = RefLeaf{block.iova + off, kSize4K, block.pa + off, block.writable, block.dirty};
  }
  return 0;
}

// Merges [start, start+size) into one block if SPEC section 3's conditions hold.
bool ReferenceModel::merge_region(uint64_t start, uint64_t size) {
  const std::vector<RefLeaf> parts = leaves_in(start, size);
  if (parts.empty()) return false;
  if (parts.size() == 1 && parts[0].size == size) return false;  // already one block
  const RefLeaf& first = parts.front();
  if (first.iova != start || first.pa % size != 0) return false;
  uint64_t next = start;
  bool any_dirty = false, any_maybe = false;
  for (const RefLeaf& l : parts) {
    if (l.iova != next || l.end() > start + size) return false;        // a hole, or a bigger leaf
    if (l.pa - l.iova != first.pa - first.iova) return false;          // output not contiguous
    if (l.writable != first.writable) return false;                    // more than one permission
    any_dirty |= l.dirty == DirtyState::Dirty;
    any_maybe |= l.dirty == DirtyState::Maybe;
    next = l.end();
  }
  if (next != start + size) return false;
  for (const RefLeaf& l : parts) leaves_.erase(l.iova);
  const DirtyState d = any_dirty ? DirtyState::Dirty : any_maybe ? DirtyState::Maybe : DirtyState::Clean;
  leaves_[start] = RefLeaf{start, size, first.pa, first.writable, d};
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
  for (const RefLeaf& l : leaves_in(iova, size)) {
    if (!l.writable || l.dirty == DirtyState::Clean) continue;
    const uint64_t lo = std::max(l.iova, iova), hi = std::min(l.end(), end);
    if (records) records->push_back({lo, hi - lo, l.dirty == DirtyState::Maybe});
    const bool wholly_inside = l.iova >= iova && l.end() <= end;
    if (wholly_inside) {
      if (!(flags & PTC_DIRTY_NO_CLEAR) && l.dirty == DirtyState::Dirty) leaves_[l.iova].dirty = DirtyState::Clean;
    } else if (cfg_.contract == Contract::Linux) {
      // Linux records a dirty leaf whole (the bitmap drops what lies outside the range) and cleans it
      // whole: dirty tracking is at IOPTE granularity (SPEC 9.5). Either is accepted.
      const bool may_clean = !(flags & PTC_DIRTY_NO_CLEAR);
      if (records) records->push_back({l.iova, l.size, true, may_clean});
      if (may_clean) leaves_[l.iova].dirty = DirtyState::Maybe;
    }
    // Otherwise (contract=spec) a leaf that sticks out is reported and stays dirty, so its pages
    // outside are not lost.
  }
  return 0;
}

int64_t ReferenceModel::unmap_read_dirty(uint64_t iova, uint64_t size, std::vector<RefRecord>* records) {
  if (!valid_range(iova, size) || range_cuts_leaf(iova, size)) return -EINVAL;
  // Always invalidated before returning, lazy mode too: nothing stays reachable.
  return remove_leaves(iova, size, records, false);
}

uint64_t ReferenceModel::iova_to_phys(uint64_t iova) const {
  const RefLeaf* l = leaf_at(iova);
  return l ? l->pa + (iova - l->iova) : 0;
}

std::vector<DeviceOutcome> ReferenceModel::device_outcomes(uint64_t iova, bool write) const {
  std::vector<DeviceOutcome> out;
  const RefLeaf* l = leaf_at(iova);
  if (l && (!write || l->writable))
    out.push_back({false, l->pa + (iova - l->iova)});
  else
    out.push_back({true, 0});
  // Leaves are at most 1G: only those starting within 1G below iova can hold it.
  const uint64_t from = iova >= kSize1G ? iova - kSize1G + 1 : 0;
  for (auto it = lazily_unmapped_.lower_bound(from); it != lazily_unmapped_.end() && it->first <= iova; ++it) {
    const RefLeaf& s = it->second;
    // A write through a cached read-only translation faults (a permission fault).
    const DeviceOutcome o = write && !s.writable ? DeviceOutcome{true, 0} : DeviceOutcome{false, s.pa + (iova - s.iova)};
    if (s.contains(iova) && std::find(out.begin(), out.end(), o) == out.end()) out.push_back(o);
  }
  return out;
}

void ReferenceModel::device_write(uint64_t iova, DirtyState to) {
  RefLeaf* l = leaf_at(iova);
  if (!l || !l->writable || !cfg_.hw_dirty) return;
  if (to == DirtyState::Maybe && l->dirty == DirtyState::Dirty) return;  // already dirty: stays dirty
  l->dirty = to;
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
bool same_leaf(const RefLeaf& l, const RefLeaf& r) {
  return l.iova == r.iova && l.size == r.size && l.pa == r.pa && l.writable == r.writable && l.dirty == r.dirty;
}
template <typename Map>
bool same_leaves(const Map& x, const Map& y) {
  if (x.size() != y.size()) return false;
  for (auto i = x.begin(), j = y.begin(); i != x.end(); ++i, ++j)
    if (!same_leaf(i->second, j->second)) return false;
  return true;
}
// A lazily unmapped leaf is observable only as a translation (device_outcomes): its dirty state is not.
bool same_translation(const RefLeaf& l, const RefLeaf& r) {
  return l.iova == r.iova && l.size == r.size && l.pa == r.pa && l.writable == r.writable;
}
uint64_t mix(uint64_t h, uint64_t v) { return h ^ (v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2)); }
uint64_t leaf_hash(uint64_t h, const RefLeaf& l) {
  return mix(mix(mix(h, l.iova), l.size ^ (l.pa << 1)), uint64_t(l.writable) | uint64_t(l.dirty) << 1);
}
}  // namespace

bool ReferenceModel::same_state(const ReferenceModel& o) const {
  // Every field: the config, the leaves, and the lazily unmapped translations device outcomes read.
  // keep_lazily_unmapped() stores each translation once per key, in an order nothing observes, so
  // they compare as sets per key.
  if (!(cfg_ == o.cfg_) || !same_leaves(leaves_, o.leaves_)) return false;
  if (lazily_unmapped_.size() != o.lazily_unmapped_.size()) return false;
  for (const auto& entry : lazily_unmapped_) {
    auto [lo, hi] = o.lazily_unmapped_.equal_range(entry.first);
    if (std::none_of(lo, hi, [&](const auto& e) { return same_translation(e.second, entry.second); })) return false;
  }
  return true;
}

uint64_t ReferenceModel::state_hash() const {
  uint64_t h = 1469598103934665603ull;
  for (const auto& [k, l] : leaves_) h = leaf_hash(h, l);
  // Order-independent within one key (see same_state): a sum of per-entry hashes.
  uint64_t stale = 0;
  for (const auto& [k, l] : lazily_unmapped_) stale += leaf_hash(0x5bd1e995, RefLeaf{l.iova, l.size, l.pa, l.writable});
  return mix(mix(h, stale), lazily_unmapped_.size());
}

}  // namespace ptc
