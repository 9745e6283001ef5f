// The reference model's store of leaves: every leaf of the address space, kept as runs of equal leaves
// (one leaf size, output contiguous, one permission and dirty state) so that an operation costs what it
// changes, not the pages it covers: splitting a 1 GiB block is one run of 262,144 pages becoming, not
// 262,144 insertions. A container, not a rule: what a leaf means is the reference model's
// (reference_model.cpp); here are only leaves, where they are and how they are stored.
//
// Runs are kept maximal (two neighbours that could be one run are one), so two stores holding the same
// leaves hold the same runs: the concurrent checker's memo compares and hashes states by their runs.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "core/reference/ref_leaf.h"

namespace ptc {

// `count` consecutive leaves of leaf_size bytes from iova, mapped to pa onwards.
struct RefRun {
  uint64_t iova = 0;
  uint64_t leaf_size = 0;
  uint64_t count = 0;
  uint64_t pa = 0;
  bool writable = false;
  DirtyState dirty = DirtyState::Clean;
  uint64_t bytes() const { return leaf_size * count; }
  uint64_t end() const { return iova + bytes(); }
  bool contains(uint64_t a) const { return a >= iova && a - iova < bytes(); }
  RefLeaf leaf(uint64_t k) const { return RefLeaf{iova + k * leaf_size, leaf_size, pa + k * leaf_size, writable, dirty}; }
  // The leaf holding a (contains(a)).
  RefLeaf leaf_holding(uint64_t a) const { return leaf((a - iova) / leaf_size); }
  bool operator==(const RefRun&) const = default;
};

class LeafRuns {
 public:
  // The leaf holding iova.
  std::optional<RefLeaf> leaf_at(uint64_t iova) const;
  // Whether a leaf intersects [iova, iova+size).
  bool any_in(uint64_t iova, uint64_t size) const;
  // Every leaf intersecting [iova, iova+size), ascending, appended to *out.
  void append_leaves(uint64_t iova, uint64_t size, std::vector<RefLeaf>* out) const;
  // The runs intersecting [iova, iova+size), ascending (they may reach out of it).
  template <class F>
  void for_each_run(uint64_t iova, uint64_t size, F&& f) const {
    const uint64_t end = iova + size;
    for (auto it = first_run(iova); it != runs_.end() && it->first < end; ++it) f(it->second);
  }
  // Calls f on each run intersecting [iova, iova+size), which it may change in place (not where it starts
  // or ends), after
  // cutting runs so that each lies inside the range or holds one leaf that sticks out of it; then keeps
  // the runs maximal.
  template <class F>
  void update(uint64_t iova, uint64_t size, F&& f) {
    cut_at(iova);
    cut_at(iova + size);
    const uint64_t end = iova + size;
    for (auto it = first_run(iova); it != runs_.end() && it->first < end; ++it) f(it->second);
    join_around(iova, end);
  }
  // Adds a run where nothing is (the caller checked).
  void insert(const RefRun& r);
  // Removes every leaf intersecting [iova, iova+size) (whole leaves), calling f on each run removed, cut
  // as update() cuts them.
  template <class F>
  void erase(uint64_t iova, uint64_t size, F&& f) {
    cut_at(iova);
    cut_at(iova + size);
    const uint64_t end = iova + size;
    for (auto it = first_run(iova); it != runs_.end() && it->first < end;) {
      f(static_cast<const RefRun&>(it->second));
      it = runs_.erase(it);
    }
  }
  void erase(uint64_t iova, uint64_t size) {
    erase(iova, size, [](const RefRun&) {});
  }
  // Every run, ascending.
  const std::map<uint64_t, RefRun>& runs() const { return runs_; }
  size_t leaf_count() const;
  bool empty() const { return runs_.empty(); }
  // The i-th leaf in address order (i < leaf_count()).
  RefLeaf nth_leaf(size_t i) const;

 private:
  std::map<uint64_t, RefRun>::const_iterator first_run(uint64_t iova) const;
  std::map<uint64_t, RefRun>::iterator first_run(uint64_t iova);
  // Splits the run holding a so that the leaf holding a starts a run (and, when a lies inside that leaf,
  // ends one after it: a leaf that sticks out of a range is a run of its own).
  void cut_at(uint64_t a);
  void split_run_before_leaf(std::map<uint64_t, RefRun>::iterator it, uint64_t k);
  // Merges the runs from the one before lo to the one after hi where they continue each other.
  void join_around(uint64_t lo, uint64_t hi);

  std::map<uint64_t, RefRun> runs_;  // key: run start
};

}  // namespace ptc
