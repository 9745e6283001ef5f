#include "tools/ptcheck/explain_command.h"

#include <cstdio>
#include <string>
#include <utility>

#include "core/isolation/child_process.h"
#include "core/runner/minimize.h"
#include "core/script/script.h"
#include "tools/ptcheck/script_files.h"
#include "tools/ptcheck/target_log.h"

namespace ptc::cli {

namespace {

constexpr int kHolds = 0, kBadInput = 2;

// Prints the script minimized while its failure's signature stays the same (or as it is, when every
// oracle holds), and returns it in *out.
void explain_minimized(const std::string& input, const Script& script, const ptc_target_ops* t,
                       const ScriptRunOptions& o, Script* out) {
  // In child processes: a target that crashes is a signature (crash:OP:CONFIG) to keep.
  RunOptions ro;
  ro.event_log = false;
  const std::string sig = isolated_signature(script, t, ro, o.isolation);
  if (sig.empty()) {
    std::fprintf(stderr, "ptcheck: every oracle holds for %s on target %s: nothing to minimize\n", input.c_str(),
                 t->name ? t->name : "?");
    std::fputs(print_script(script).c_str(), stdout);
    *out = script;
    return;
  }
  const Script small = minimize_isolated(script, t, ro, o.isolation, sig);
  *out = small;
  std::printf("# %s, minimized from %zu to %zu statements: fails with %s\n# replay: save as FILE.ops, then "
              "ptcheck run FILE.ops%s\n",
              input.c_str(), script.ops.size(), small.ops.size(), sig.c_str(),
              o.target_path.empty() ? "" : (" --target " + o.target_path).c_str());
  std::fputs(print_script(small).c_str(), stdout);
}

int explain(const std::string& input, bool minimize, const ptc_target_ops* t, const ScriptRunOptions& o) {
  Script script;
  if (!load_fuzz_input(input, &script)) return kBadInput;
  apply_contract_option(o, &script);
  if (!minimize && o.html.empty()) {
    std::fputs(print_script(script).c_str(), stdout);
    return kHolds;
  }
  Script shown = script;
  if (minimize)
    explain_minimized(input, script, t, o, &shown);
  else
    std::fputs(print_script(script).c_str(), stdout);
  if (o.html.empty()) return kHolds;
  // The page: the script shown above, run again with its timeline recorded.
  std::string text;
  if (!page_script(minimize ? "" : input, &shown, &text)) {
    std::fprintf(stderr, "ptcheck: explain: the script does not parse back\n");
    return kBadInput;
  }
  RunOptions ro;
  ro.record_timeline = true;
  ro.replay_args = replay_args(o);
  const std::string title = input + (minimize ? " (minimized)" : "");
  IsolatedResult ir;
  run_scripts_isolated({shown}, t, ro, o.isolation, [&](size_t, IsolatedResult&& r) { ir = std::move(r); },
                       [&](size_t, const RunResult& r) {
                         return r.failure ? draw_failure_page(o.html, title, text, t, *r.failure) : ChildNote{};
                       });
  if (!ir.note.text.empty()) {
    std::fprintf(ir.note.bad_input ? stderr : stdout, "%s\n", ir.note.text.c_str());
    return ir.note.bad_input ? kBadInput : kHolds;
  }
  if (ir.result.failure) {
    std::printf("%sptcheck: %s is not drawn: the target's process died, and its timeline with it\n",
                ir.result.failure->trace.c_str(), ir.result.failure->signature.c_str());
    return kHolds;
  }
  std::printf("ptcheck: every oracle holds for %s on target %s: no failure to draw, %s not written\n", input.c_str(),
              t->name ? t->name : "?", o.html.c_str());
  return kHolds;
}

}  // namespace

int explain_command(const std::string& input, bool minimize, const ptc_target_ops* target, const ScriptRunOptions& o) {
  const int rc = explain(input, minimize, target, o);
  if (const std::string log = target_log_summary(o.isolation); !log.empty()) std::printf("%s\n", log.c_str());
  return rc;
}

}  // namespace ptc::cli
