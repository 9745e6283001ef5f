// `ptcheck prove [--json] [--target LIB.so] [--only NAME] [--html OUT.html] [--contract spec|linux]` (issue 5):
// the Z3 obligations of proofs/. Under contract=linux (SPEC 9) the obligations on a pipeline its callers never
// issue (an unmap that cuts a block) are skipped with the reason, and the straddling dirty read claims only what
// the profile guarantees (proofs/README.md, "Contract profiles").
#pragma once
#include <functional>
#include <cstdio>
#include <string>
#include <vector>

#include "core/isolation/isolated_run.h"
#include "core/ops.h"
#include "ptcheck/target.h"

namespace ptc::cli {

struct ProveOptions {
  std::string only;         // an obligation name or a prefix ending in '.' or '*'; empty: all
  bool json = false;
  std::string target_path;  // for reproducer lines
  std::string html_path;    // the first refutation as an HTML timeline (html_timeline.h); empty: none
  Contract contract = Contract::Spec;  // the profile the obligations are stated in (SPEC 9)
  std::FILE* out = stdout;             // its lines (in a child process: the pipe to the parent)
};

// Whether --only names at least one obligation (checked before the target runs).
bool prove_selection_exists(const std::string& only);

// Exit status: 0 no obligation failed (each proved, skipped or vacuous, and every known-bad variant refuted),
// 1 something refuted or left unknown, 2 bad input (an --only that names no obligation, an --html file that cannot be written).
int run_prove_command(const ProveOptions& o, const ptc_target_ops* target);

// `ptcheck prove`: run_prove_command in a child process (core/isolation), so that a target that dies or
// hangs while its steps are recorded is a finding (exit 1, with its replay line), not the end of ptcheck.
// `contract_arg` is --contract as given, for that line.
int run_prove_isolated(ProveOptions o, const ptc_target_ops* target, const IsolationOptions& isolation,
                       const std::string& contract_arg);

// One obligation's outcome, for `ptcheck check`'s report.
struct ProveVerdict {
  std::string name;
  bool passed = false;
  bool skipped = false;   // skipped or vacuous: it says nothing about the target (a skipped test case)
  bool stopped = false;   // not run: `stop` said so before it (then also skipped)
  double seconds = 0;
  std::string signature;  // a failure: "refuted:NAME" or "unknown:NAME"; a skip: "skipped: WHY" or "vacuous: WHY"
  std::string replay;
  std::string detail;     // the claim, the counterexample and its `.ops` reproducer
};

// The cheap part for `ptcheck check`: the obligations on the target's recordings only, by name, in order.
std::vector<std::string> check_obligation_names();
// Those obligations (or the one named `only`) in `contract`'s profile. `stop` is asked before each
// obligation; those it keeps from running are skipped verdicts marked `stopped`.
int run_prove_for_check(const ptc_target_ops* target, const std::string& target_path, Contract contract,
                        std::vector<ProveVerdict>* verdicts = nullptr, const std::function<bool()>& stop = {},
                        std::FILE* out = stdout, const std::string& only = "");

}  // namespace ptc::cli
