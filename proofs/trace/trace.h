// A recorded step sequence: what a target did, through ptc_hw and ptc_dirty, during one operation (or a
// pipeline of them) on a canonical state. The obligations are checked against this, not against a picture
// of the code.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "ptcheck/target.h"

namespace ptc::proofs {

enum class StepKind {
  kRead, kWrite, kCmpxchg, kXchg, kFetchOr,  // descriptor accesses (counted for `@N`)
  kInvRange, kInvAll, kSync,                 // TLB maintenance
  kAlloc, kFree,                             // tables
  kRecord,                                   // ptc_dirty record(iova, length)
  kReturn,                                   // an operation returned (ret)
  kReuse,                                    // the caller frees the IOVA and the memory (the pipeline)
  kInjectDirty,                              // the recorder's stand-in for HTTU: it dirtied a leaf here
  kForeignInstall,                           // the recorder's stand-in for another CPU's map: it linked a table
};

bool is_access(StepKind k);
const char* step_kind_name(StepKind k);

// A table the recorder handed out (or the root), by allocation order.
struct TableInfo {
  uint64_t addr = 0;
  size_t bytes = 0;
  unsigned level = 0;         // 0..3 when known from the canonical state's walk path, else 9 (unknown)
  bool live_at_start = false; // allocated before the recorded operation began
  std::vector<uint64_t> entries_at_start;  // the entries when the recording began (live_at_start only)
};

struct Step {
  explicit Step(StepKind k = StepKind::kRead) : kind(k) {}
  StepKind kind;
  int table = -1;        // accesses, alloc, free: the table's id (-1: not a table the recorder handed out)
  unsigned index = 0;    // accesses: the entry index
  uint64_t before = 0;   // accesses: the entry's value before (what a read, cmpxchg, xchg or fetch_or returns)
  uint64_t after = 0;    // accesses: the entry's value after
  uint64_t arg = 0;      // cmpxchg: expected value; fetch_or: the bits
  uint64_t iova = 0, size = 0, granule = 0;  // inv_range, record
  bool leaf_only = false;
  int64_t ret = 0;       // return
  std::string op;        // return: which operation ("split", "unmap", "flush", ...)
  unsigned access_no = 0;  // accesses: 1-based count within the current operation (the `@N` of a script)
};

// The canonical state and its operation, as the recorder saw them.
struct Trace {
  std::string what;          // e.g. "split 0x40000000 2M (bbml 1) on target lpae"
  ptc_cfg cfg{};
  uint64_t region_iova = 0;  // the 2M region the symbolic address lies in
  uint64_t region_pa = 0;    // its output address (page k maps region_pa + k * 4K)
  int slot_table = -1;       // the L2 table holding the region's slot, and the slot's index in it
  unsigned slot_index = 0;
  std::vector<int> path_tables;  // the tables the walk passes above the slot (root first)
  std::vector<unsigned> path_indexes;
  uint64_t slot_at_start = 0;
  std::vector<TableInfo> tables;
  std::vector<Step> steps;
  std::vector<std::string> setup_script;  // `.ops` lines that build the canonical state
  std::string op_script;                  // the recorded operation as an `.ops` line (empty when none)
  bool hand_written = false;              // a known-bad variant, not a target's recording
};

// The return step of the operation a recording is about (its first), when that operation returned an error
// without changing a descriptor or allocating or freeing a table: the recording holds no step of it. Null
// when it succeeded or did something.
const Step* failed_without_effect(const Trace& t);

}  // namespace ptc::proofs
