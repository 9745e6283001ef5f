// A set of byte ranges [lo, hi), kept merged. Used by the runner to reason about recorded pages
// without materialising a bit per page (a 1 GiB leaf is one interval).
#pragma once
#include <cstdint>
#include <map>
#include <optional>

namespace ptc {

class IntervalSet {
 public:
  void add(uint64_t lo, uint64_t hi) {
    if (lo >= hi) return;
    auto it = m_.upper_bound(lo);
    if (it != m_.begin() && std::prev(it)->second >= lo) --it;
    while (it != m_.end() && it->first <= hi) {
      lo = std::min(lo, it->first);
      hi = std::max(hi, it->second);
      it = m_.erase(it);
    }
    m_[lo] = hi;
  }
  void add(const IntervalSet& o) {
    for (auto [lo, hi] : o.m_) add(lo, hi);
  }
  bool contains(uint64_t a) const {
    auto it = m_.upper_bound(a);
    return it != m_.begin() && std::prev(it)->second > a;
  }
  // The first address of [lo, hi) not in the set, if any.
  std::optional<uint64_t> first_missing(uint64_t lo, uint64_t hi) const {
    uint64_t a = lo;
    auto it = m_.upper_bound(a);
    if (it != m_.begin()) --it;
    for (; a < hi; ++it) {
      if (it == m_.end() || it->first > a) return a;
      if (it->second > a) a = it->second;
    }
    return std::nullopt;
  }
  // The first address of this set that is not in `o`.
  std::optional<uint64_t> first_not_in(const IntervalSet& o) const {
    for (auto [lo, hi] : m_)
      if (auto a = o.first_missing(lo, hi)) return a;
    return std::nullopt;
  }
  bool empty() const { return m_.empty(); }
  const std::map<uint64_t, uint64_t>& ranges() const { return m_; }

 private:
  std::map<uint64_t, uint64_t> m_;
};

}  // namespace ptc
