// The ENOMEM sweep (after iommufd's fail_nth): every target operation of a script is run once per
// table allocation it makes, with `fail alloc N` before it for N = 1, 2, ... until a run in which the
// operation did not reach its Nth allocation. Each run is a variant of the script; the differential
// runner judges it as any script: an operation that returned -ENOMEM must have changed nothing (SPEC
// 5.2, 5.8) and destroy must free every table. This file makes the variants and reads a run's result;
// running them (in child processes) is the caller's (tools/ptcheck/fail_sweep_command.h).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/ops.h"
#include "core/runner/runner.h"

namespace ptc {

// The top-level statements a sweep fails, as indexes into s.ops: every target operation, whatever the
// op table says it allocates (a table may allocate where the reference needs nothing, as io-pgtable-arm's
// unmap once did to split a block; an op that allocates nothing costs one run). Not swept: an operation
// the script arms itself with a `fail alloc` (its author chose that failure; every variant keeps it).
std::vector<size_t> fail_sweep_ops(const Script& s);

struct FailSweepVariant {
  Script script;         // parsed back from text: its lines are the lines of text
  std::string text;      // the .ops file that replays the variant
  size_t op_index = 0;   // the swept operation, in script.ops
  int line = 0;          // its line in text
  int source_line = 0;   // its line in the original script
  uint64_t n = 0;        // the allocation that fails
};

// s with `fail alloc n` before s.ops[op_index] (one of fail_sweep_ops(s)), named `file` in traces.
// Every `=> RESULT` from the swept operation on is dropped: the operation may return -ENOMEM or
// succeed, and what follows may depend on which (a map that failed leaves its range free for the next
// one); the reference model judges each result instead, as it does for statements after one not
// issued. The statements before it keep theirs. A script whose config names no contract gets none
// (the run's --contract applies, as to the script itself).
FailSweepVariant fail_sweep_variant(const Script& s, size_t op_index, uint64_t n, const std::string& file);

// Whether the run of v reached the swept operation's allocation v.n (and failed it): the sweep of that
// operation goes on with v.n + 1 only then.
bool fail_sweep_reached(const FailSweepVariant& v, const RunResult& r);

}  // namespace ptc
