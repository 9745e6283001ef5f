// A leaf of the reference model: one translation of the address space, with its dirty state.
#pragma once
#include <cstdint>
#include <string>

namespace ptc {

// Dirty state of a writable leaf under hw_dirty. Maybe: a device write raced with the operation
// that produced this leaf, so either state is correct (race_rules.cpp says when); a checker resolves
// it by observing the target.
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

}  // namespace ptc
