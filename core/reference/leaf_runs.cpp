// The reference model's store of leaves as maximal runs: see leaf_runs.h.
#include "core/reference/leaf_runs.h"

#include <iterator>

namespace ptc {

namespace {
// Whether b continues a as one run: the next leaf of a, the same in every other respect.
bool continues(const RefRun& a, const RefRun& b) {
  return a.end() == b.iova && a.leaf_size == b.leaf_size && a.pa + a.bytes() == b.pa && a.writable == b.writable &&
         a.dirty == b.dirty;
}
}  // namespace

std::map<uint64_t, RefRun>::const_iterator LeafRuns::first_run(uint64_t iova) const {
  auto it = runs_.upper_bound(iova);
  if (it != runs_.begin() && std::prev(it)->second.end() > iova) --it;
  return it;
}

std::map<uint64_t, RefRun>::iterator LeafRuns::first_run(uint64_t iova) {
  auto it = runs_.upper_bound(iova);
  if (it != runs_.begin() && std::prev(it)->second.end() > iova) --it;
  return it;
}

std::optional<RefLeaf> LeafRuns::leaf_at(uint64_t iova) const {
  auto it = runs_.upper_bound(iova);
  if (it == runs_.begin()) return std::nullopt;
  --it;
  if (!it->second.contains(iova)) return std::nullopt;
  return it->second.leaf_holding(iova);
}

bool LeafRuns::any_in(uint64_t iova, uint64_t size) const {
  auto it = first_run(iova);
  return it != runs_.end() && it->first < iova + size;
}

void LeafRuns::append_leaves(uint64_t iova, uint64_t size, std::vector<RefLeaf>* out) const {
  const uint64_t end = iova + size;
  for_each_run(iova, size, [&](const RefRun& r) {
    // Only the run's leaves that intersect the range.
    uint64_t k = iova > r.iova ? (iova - r.iova) / r.leaf_size : 0;
    for (; k < r.count && r.iova + k * r.leaf_size < end; ++k) out->push_back(r.leaf(k));
  });
}

void LeafRuns::insert(const RefRun& r) {
  runs_[r.iova] = r;
  join_around(r.iova, r.end());
}

size_t LeafRuns::leaf_count() const {
  size_t n = 0;
  for (const auto& [start, r] : runs_) n += r.count;
  return n;
}

RefLeaf LeafRuns::nth_leaf(size_t i) const {
  for (const auto& [start, r] : runs_) {
    if (i < r.count) return r.leaf(i);
    i -= r.count;
  }
  return RefLeaf{};
}

void LeafRuns::split_run_before_leaf(std::map<uint64_t, RefRun>::iterator it, uint64_t k) {
  RefRun& r = it->second;
  if (k == 0 || k >= r.count) return;
  RefRun tail = r;
  tail.iova = r.iova + k * r.leaf_size;
  tail.pa = r.pa + k * r.leaf_size;
  tail.count = r.count - k;
  r.count = k;
  runs_.emplace_hint(std::next(it), tail.iova, tail);
}

void LeafRuns::cut_at(uint64_t a) {
  auto it = runs_.upper_bound(a);
  if (it == runs_.begin()) return;
  --it;
  if (!it->second.contains(a) || a == it->first) return;
  const RefRun& r = it->second;
  const uint64_t k = (a - r.iova) / r.leaf_size;
  const bool inside_leaf = a != r.iova + k * r.leaf_size;
  split_run_before_leaf(it, k);
  if (inside_leaf) {
    auto leaf = k == 0 ? it : std::next(it);
    split_run_before_leaf(leaf, 1);
  }
}

void LeafRuns::join_around(uint64_t lo, uint64_t hi) {
  auto it = runs_.upper_bound(lo);
  if (it != runs_.begin()) --it;
  if (it != runs_.begin()) --it;  // the run before the one at lo may now continue into it
  while (it != runs_.end()) {
    auto next = std::next(it);
    if (next == runs_.end()) break;
    if (continues(it->second, next->second)) {
      it->second.count += next->second.count;
      runs_.erase(next);
      continue;
    }
    if (it->first > hi) break;
    it = next;
  }
}

}  // namespace ptc
