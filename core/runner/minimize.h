// Shrinking a failing script before it is printed: statements, then `@N` injections, are removed one at
// a time while the run still fails with the same signature (oracle:op:config), until none can go.
#pragma once
#include <functional>
#include <string>

#include "core/ops.h"
#include "ptcheck/target.h"

namespace ptc {

// The signature of the script's first violation, or "" when every oracle holds.
std::string failure_signature(const Script& s, const ptc_target_ops* target);

Script minimize_failure(Script s, const ptc_target_ops* target, const std::string& signature);
// The same with the run that gives a candidate's signature supplied (e.g. in a child process, so that a
// target that crashes cannot take the minimizer with it: core/isolation).
Script minimize_failure(Script s, const std::function<std::string(const Script&)>& signature_of,
                        const std::string& signature);

}  // namespace ptc
