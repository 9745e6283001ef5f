// Concurrent histories: what every thread called, when, and what it got back.
//
// A history is a list of operations, each with the thread that ran it, the logical time of its call
// and of its return (one global clock, every event a distinct tick), and its result. Target
// operations use the op vocabulary of core/ops.h; device reads, writes and fills are `Dev` ops whose
// result is an output address or a fault; a snapshot is the hardware's reading of a range of the
// tables, taken when nothing runs (the end of a run). Operation A precedes B when A.ret < B.call;
// otherwise they overlapped and may be linearized in either order.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/ops.h"
#include "core/runner/interval_set.h"

namespace ptc::conc {

// A leaf as a snapshot saw it.
struct SnapLeaf {
  uint64_t iova = 0, size = 0, pa = 0;
  bool writable = false, dirty = false, af = true;
  bool operator==(const SnapLeaf&) const = default;
};

struct HistOp {
  int thread = 0;         // CPU threads 0..N-1, device threads after them; kObserver for snapshots
  Op op;                  // a target op, or kind Dev (read, write or fill)
  bool snapshot = false;  // a snapshot of [op.iova, op.iova + op.size) (op.kind is then Phys)
  uint64_t call = 0, ret = 0;
  int64_t result = 0;     // a target op's return value; Dev: the output address (when !fault)
  bool fault = false;     // Dev: the access faulted
  IntervalSet pages;      // dirty ops: the 4K pages recorded, clipped to the op's range
  std::vector<SnapLeaf> leaves;  // snapshot: every leaf in the range, ascending
  // Only the op's effect counts, not its result: a projection made by the checker (a CPU op seen
  // from one page; a device write seen for its dirty effect). Never set in a recorded history.
  bool unchecked = false;
  // Device writes and scans (read_and_clear_dirty, split, unmap_read_dirty scan page by page): a
  // write that overlapped a scan of its page may land before or after the scan of that page whatever
  // order other pages suggest, so it has no effect at its own point (racy); the scan makes its leaf
  // clean-or-dirty instead (racing_writes; the reference model's race rules say how, for the
  // differential runner and this checker alike), and
  // check_dirty_accounting polices the write itself.
  bool racy = false;
  struct RacingWrite {
    uint64_t iova = 0;
    uint64_t pa = 0;  // the output address it reached
    bool cleared_elsewhere = false;  // it also raced with a clearing read, which may have taken it
  };
  std::vector<RacingWrite> racing_writes;

  static constexpr int kObserver = -1;
  // The IOVA range the op concerns: its range, the page of a device access or phys, nothing (size 0)
  // for flush, which concerns every range.
  uint64_t lo() const;
  uint64_t hi() const;
  bool is_clearing_read() const;  // read_and_clear_dirty without NO_CLEAR, or unmap_read_dirty, that succeeded
};

struct History {
  Config config;
  std::vector<HistOp> ops;  // in any order; times say what overlapped
};

// `[t12..t30] cpu1 map 0x40000000 0x80000000 2M rw => 0`; dirty ops list their pages, snapshots
// their leaves, device accesses their output or `fault`.
std::string print_op(const HistOp& h, size_t max_leaves = 8);
// Every op of `ops` by call time, one a line, each prefixed by `indent`.
std::string print_history(const std::vector<const HistOp*>& ops, const std::string& indent = "  ");

// The 4K pages of records [iova, iova+len), clipped to [lo, hi) (SPEC 3: the bitmap ignores what
// lies outside its range).
void add_record_pages(IntervalSet& pages, uint64_t iova, uint64_t len, uint64_t lo, uint64_t hi);
std::string print_pages(const IntervalSet& pages);

// Partitions for the linearizability check (as Porcupine partitions by key): connected components
// of the ops' ranges, each op in the component its range overlaps. An op without a range (flush)
// joins every component. The reference model's operations on disjoint ranges commute and see
// nothing of each other, so a history is linearizable iff each component is.
std::vector<std::vector<const HistOp*>> partition_by_range(const History& h);

}  // namespace ptc::conc
