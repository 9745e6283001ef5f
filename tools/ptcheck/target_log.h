// Where a run keeps the target's own output (SPEC 8, 10: WARN, pr_*, printf go to a log beside the
// report, not into ptcheck's progress lines), and the per-run settings of the child processes the
// target runs in (core/isolation): --target-log FILE, --op-timeout S.
#pragma once
#include <string>

#include "core/isolation/isolated_run.h"

namespace ptc::cli {

// Default op timeout, in seconds: far above the slowest operation of the built-in table under ASan
// (a split of 1G into pages; docs/PERFORMANCE.md), far below a CI job's patience.
inline constexpr double kDefaultOpTimeoutSeconds = 10;

// "" when `text` is a usable --op-timeout (0.1..3600 seconds, decimals allowed), else why not.
std::string parse_op_timeout(const std::string& text, double* seconds);

// The isolation settings of one run: the log at `log_path` (default: ptcheck-target-PID.log in the
// temporary folder), created empty now; "" and *error set when it cannot be written.
IsolationOptions isolation_for_run(const std::string& log_path, double op_timeout_s, std::string* error);

// After the run: one line naming the log and what it holds ("" when the target printed nothing, in
// which case the empty log is removed).
std::string target_log_summary(const IsolationOptions& io);

}  // namespace ptc::cli
