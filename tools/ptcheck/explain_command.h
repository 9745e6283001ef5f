// `ptcheck explain INPUT [--minimize] [--html OUT.html]`: a fuzz_ops input (or an .ops script) as the .ops
// script it decodes to; --minimize removes statements and injections while the same oracle still fails;
// --html runs the (minimized) script and draws its failure as a timeline page.
#pragma once
#include <string>

#include "ptcheck/target.h"
#include "tools/ptcheck/run_command.h"

namespace ptc::cli {

// `target` is needed (non-null) only with --minimize or --html. Exit status: 0 (explained), 2 bad input.
int explain_command(const std::string& input, bool minimize, const ptc_target_ops* target, const ScriptRunOptions& o);

}  // namespace ptc::cli
