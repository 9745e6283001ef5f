// `ptcheck prove [--json] [--target LIB.so] [--only NAME]` (issue 5): the Z3 obligations of proofs/.
#pragma once
#include <string>

#include "ptcheck/target.h"

namespace ptc::cli {

struct ProveOptions {
  std::string only;         // an obligation name or a prefix ending in '.' or '*'; empty: all
  bool json = false;
  std::string target_path;  // for reproducer lines
};

// Exit status: 0 every obligation proved (and every known-bad variant refuted), 1 something refuted or left
// unknown, 2 bad input (an --only that names no obligation).
int run_prove_command(const ProveOptions& o, const ptc_target_ops* target);

// The cheap part for `ptcheck check`: the obligations on the target's recordings only.
int run_prove_for_check(const ptc_target_ops* target, const std::string& target_path);

}  // namespace ptc::cli
