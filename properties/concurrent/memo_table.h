// The linearizability search's memo (Lowe's): the (set of linearized ops, model state) pairs it has
// explored. Flat and kept across searches by its owner (issue 17: a search allocated a bit set, a
// vector and a hash node for each step): the bit sets live in one arena, the table is open-addressed,
// and a search's slots are told from an earlier search's by a generation number, so that starting a
// search clears nothing.
#pragma once
#include <cstdint>
#include <vector>

#include "core/reference/reference_model.h"

namespace ptc::conc {

class MemoTable {
 public:
  // Forgets every pair; the sets that follow have `words` 64-bit words.
  void reset(size_t words) {
    words_ = words;
    entries_.clear();
    arena_.clear();
    if (++gen_ == 0) {  // wrapped: slots of every generation look current
      std::fill(slots_.begin(), slots_.end(), 0);
      gen_ = 1;
    }
  }
  // True when (bits, state) was recorded; else records it, with `model` standing for the state (a
  // model equal to `state` that outlives the search). key: a hash of both.
  bool seen_or_add(uint64_t key, const uint64_t* bits, const ReferenceModel& state, const ReferenceModel* model) {
    if (slots_.empty() || 2 * (entries_.size() + 1) > slots_.size()) grow();
    const size_t mask = slots_.size() - 1;
    size_t i = size_t(key) & mask;
    for (;; i = (i + 1) & mask) {
      const uint64_t s = slots_[i];
      if (uint32_t(s >> 32) != gen_) break;
      const Entry& e = entries_[uint32_t(s)];
      if (e.key == key && std::equal(bits, bits + words_, arena_.begin() + e.bits_at) && e.model->same_state(state))
        return true;
    }
    slots_[i] = uint64_t(gen_) << 32 | entries_.size();
    entries_.push_back(Entry{key, arena_.size(), model});
    arena_.insert(arena_.end(), bits, bits + words_);
    return false;
  }

 private:
  struct Entry {
    uint64_t key;
    size_t bits_at;
    const ReferenceModel* model;
  };
  void grow() {
    slots_.assign(std::max<size_t>(1024, 2 * slots_.size()), 0);
    const size_t mask = slots_.size() - 1;
    for (size_t k = 0; k < entries_.size(); ++k) {
      size_t i = size_t(entries_[k].key) & mask;
      while (uint32_t(slots_[i] >> 32) == gen_) i = (i + 1) & mask;
      slots_[i] = uint64_t(gen_) << 32 | k;
    }
  }
  size_t words_ = 0;
  uint32_t gen_ = 0;
  std::vector<uint64_t> slots_;  // generation << 32 | entry index
  std::vector<Entry> entries_;
  std::vector<uint64_t> arena_;  // the entries' bit sets, words_ each
};

}  // namespace ptc::conc
