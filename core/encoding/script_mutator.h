// Structural mutations of an op program, for fuzz_ops's LLVMFuzzerCustomMutator and
// LLVMFuzzerCustomCrossOver.
//
// Byte-level mutations rarely hit what finds page-table races: the access count at which a device
// write lands inside an op (`@N`), a second op racing to install the same table, the same range
// split and then read for dirt. These mutations work on the decoded Script: they move an `@N` by a
// step or two, add a device action inside the op's range or an op on a disjoint neighbouring range,
// duplicate, drop and reorder statements, make a table allocation fail, change a kind or a config
// axis. The result is printed as
// an `.ops` script, which decode_fuzz_input() takes back exactly, so a mutated corpus entry is also
// a readable one.
//
// Every random choice comes from the caller's generator (seeded by libFuzzer), so a run is as
// reproducible as libFuzzer makes it.
#pragma once
#include <random>
#include <vector>

#include "core/encoding/fuzz_input.h"
#include "core/ops.h"

namespace ptc {

using MutationRng = std::mt19937_64;

// Applies one structural change to `s`, keeping it within `limits` and within the caller contract
// (an injected op never overlaps the op it runs inside). Returns the mutation's name, or nullptr
// when the one drawn did not apply to this script (the caller draws again or falls back).
const char* mutate_script(Script& s, MutationRng& rng, const FuzzLimits& limits = {});

// One descriptor access a top-level statement made when the program last ran (RunOptions::
// observe_accesses): an `@N` placed right after it lands inside the window it opens.
struct ObservedAccess {
  size_t statement = 0;   // index into Script::ops
  uint64_t access = 0;    // the N of `@N`
  bool read = false;
  int level = -1;         // the slot's table level; -1 when not linked
  uint64_t slot_iova = 0; // the first IOVA the slot translates
};

// A read that opens a read-modify-write window (its index in the observed accesses) and the access
// number of the store that closes it: an injection after any access in [open, close) lands inside.
struct RaceWindow {
  size_t open = 0;
  uint64_t close_access = 0;
};
std::vector<RaceWindow> race_window_spans(const std::vector<ObservedAccess>& accesses);

// Indices of the reads that open a read-modify-write window: the same statement stores later to
// that slot, to a slot above it or to one below it. The aimed mutation prefers them.
std::vector<size_t> race_windows(const std::vector<ObservedAccess>& accesses);

// The aimed mutation: picks an access the program made (race windows first, a statement at a time,
// so one split's window is not drowned by a scan's hundreds) and injects inside its window either a
// device action on an address the slot translates, or an op on a disjoint range behind the same slot
// (CPU against CPU). Half the aimed device writes also get a clearing `dirty` of the op's range just
// before the statement and one just after: lost dirt shows only on a page clean before and read after.
const char* aim_injection(Script& s, const std::vector<ObservedAccess>& accesses, MutationRng& rng,
                          const FuzzLimits& limits = {});

// A child of two programs: a's config, a prefix of a's statements and a suffix of b's.
Script cross_over_scripts(const Script& a, const Script& b, MutationRng& rng, const FuzzLimits& limits = {});

// The names mutate_script() may return (for tests and docs).
const char* const* mutation_names(size_t* count);

}  // namespace ptc
