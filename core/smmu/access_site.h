// Where a descriptor access of an operation was, as the simulated SMMU saw it when it was made: the
// vocabulary between the SMMU (Smmu::last_access, Smmu::record_access_sites) and those that watch an
// op's accesses (RunOptions::observe_accesses: fuzz_ops's aimed mutator, the RapidCheck dry run).
#pragma once
#include <cstdint>

namespace ptc {

struct AccessSite {
  bool read = false;
  int level = -1;          // -1: a table not linked into the tree
  uint64_t slot_iova = 0;  // the first IOVA the slot translates
};

}  // namespace ptc
