// `ptcheck run SCRIPT.ops...` and `ptcheck replay DIR...`: scripts (and fuzz_ops inputs) through the
// differential runner, each in a child process (core/isolation), and what they share with `explain`: the
// settings every script run takes from the command line, and the failure drawn as a timeline page.
#pragma once
#include <string>
#include <vector>

#include "core/isolation/isolated_run.h"
#include "core/ops.h"
#include "core/runner/runner.h"
#include "core/script/script.h"
#include "ptcheck/target.h"

namespace ptc::cli {

// What the command line says about every script it runs.
struct ScriptRunOptions {
  std::string target_path;       // --target ("" the built-in table): for replay lines
  std::string contract_arg;      // --contract as given ("" none): the profile of scripts whose config names none
  IsolationOptions isolation;    // --target-log, --op-timeout
  std::string expect_violation;  // run --expect-violation ORACLE
  std::string html;              // run --html OUT.html: the first failure as a timeline page
};

// --contract's profile (spec when not given).
Contract contract_of(const ScriptRunOptions& o);
// --contract's profile for a script whose config does not name one.
void apply_contract_option(const ScriptRunOptions& o, Script* s);
// The arguments a replay line needs: the target's, then the contract's.
std::string replay_args(const ScriptRunOptions& o);

// A script and the text the HTML page shows beside its timeline: an .ops file's own text (its lines are
// the statements' lines), else the canonical text, parsed back so that the lines agree.
bool page_script(const std::string& path, Script* script, std::string* text);

// Draws a failure (run with RunOptions::record_timeline) as a page, in the child that ran it: what to
// tell the user (bad input when the page cannot be written).
ChildNote draw_failure_page(const std::string& out, const std::string& script_path, const std::string& text,
                            const ptc_target_ops* t, const Failure& f);

// Runs `files`; `quiet` prints one line per script (replay), else the full trace of a failure. `run`
// runs nothing when any input is bad; `replay` (quiet) reports each bad file as its line and goes on,
// then exits 2. Exit status: 0 every oracle holds, 1 a failure, 2 bad input.
int run_scripts(const std::vector<std::string>& files, const ptc_target_ops* target, bool quiet,
                const ScriptRunOptions& o);

}  // namespace ptc::cli
