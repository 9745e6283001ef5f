#include "tools/ptcheck/run_command.h"


#include "tools/ptcheck/check_report.h"

#include <cstdio>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/isolation/child_process.h"
#include "core/oracles.h"
#include "tools/ptcheck/html_timeline.h"
#include "tools/ptcheck/script_files.h"
#include "tools/ptcheck/target_log.h"

namespace ptc::cli {

namespace {

constexpr int kHolds = 0, kBug = 1, kBadInput = 2;

// "; 2 statement(s) not issued: line 4 `split ...`: why; ..." for a run that skipped some.
std::string skipped_text(const RunResult& r) {
  if (r.skipped_statements.empty()) return "";
  std::string s = "; " + std::to_string(r.skipped_statements.size()) + " not issued";
  const SkippedStatement& k = r.skipped_statements.front();
  s += " (line " + std::to_string(k.line) + " `" + k.statement + "`: " + k.reason;
  if (r.skipped_statements.size() > 1) s += "; ...";
  return s + ")";
}

}  // namespace

Contract contract_of(const ScriptRunOptions& o) { return o.contract_arg == "linux" ? Contract::Linux : Contract::Spec; }

void apply_contract_option(const ScriptRunOptions& o, Script* s) {
  if (!s->has_contract) s->config.contract = contract_of(o);
}

std::string replay_args(const ScriptRunOptions& o) {
  std::string s = o.target_path.empty() ? "" : "--target " + o.target_path;
  if (!o.contract_arg.empty()) s += (s.empty() ? "" : " ") + std::string("--contract ") + o.contract_arg;
  return s;
}

bool page_script(const std::string& path, Script* script, std::string* text) {
  std::string file_text;
  if (is_script_file(path) && read_file(path, &file_text)) {
    auto parsed = parse_script(file_text, path);
    if (auto* p = std::get_if<Script>(&parsed); p && same_script(*p, *script)) {
      *script = std::move(*p);
      *text = std::move(file_text);
      return true;
    }
  }
  *text = print_script(*script);
  auto parsed = parse_script(*text, script->file.empty() ? path : script->file);
  if (!std::holds_alternative<Script>(parsed)) return false;
  *script = std::get<Script>(std::move(parsed));
  return true;
}

ChildNote draw_failure_page(const std::string& out, const std::string& script_path, const std::string& text,
                            const ptc_target_ops* t, const Failure& f) {
  HtmlTimelineInput in;
  in.script_path = script_path;
  in.script_text = text;
  in.target = t->name ? t->name : "?";
  in.failure = &f;
  std::string error;
  if (!write_html_file(out, render_html_timeline(in), &error)) return {"ptcheck: " + error, true};
  return {"ptcheck: the failure (" + f.signature + ") is drawn in " + out, false};
}

int run_scripts(const std::vector<std::string>& files, const ptc_target_ops* target, bool quiet,
                const ScriptRunOptions& o) {
  const std::string& expect_violation = o.expect_violation;
  const std::string& html = o.html;
  RunOptions opts;
  opts.replay_args = replay_args(o);
  opts.record_timeline = !html.empty();
  std::vector<Script> scripts(files.size());
  std::vector<std::string> texts(files.size());
  std::vector<bool> loaded(files.size());
  bool any_bad = false;
  std::vector<std::string> empty_inputs;  // replay: fuzz_ops inputs that decode to nothing, skipped (script_files.h)
  for (size_t i = 0; i < files.size(); ++i) {
    std::string error;
    loaded[i] = load_script(files[i], &scripts[i], &error);
    if (!loaded[i] && quiet && error.size() > sizeof kDecodesToNothing &&
        error.compare(error.size() - (sizeof kDecodesToNothing - 1), std::string::npos, kDecodesToNothing) == 0) {
      empty_inputs.push_back(files[i]);
      continue;
    }
    if (!loaded[i]) std::fprintf(stderr, "%s\n", error.c_str());
    if (loaded[i]) apply_contract_option(o, &scripts[i]);
    if (loaded[i] && !html.empty() && !page_script(files[i], &scripts[i], &texts[i])) loaded[i] = false;
    if (!loaded[i] && !quiet) return kBadInput;
    any_bad |= !loaded[i];
  }
  // Each script runs in a child process (core/isolation): a target that crashes or hangs is that
  // script's finding, and the run goes on. --html draws the first failure the runner itself reports
  // (its timeline lives in the child, so the child draws it and says so).
  std::vector<Script> runnable;
  std::vector<size_t> file_of;
  for (size_t i = 0; i < files.size(); ++i)
    if (loaded[i]) {
      runnable.push_back(scripts[i]);
      file_of.push_back(i);
    }
  bool drawn = false;
  int status = kHolds;
  size_t passed = 0, failed = 0, skipped = empty_inputs.size(), bad_files = files.size() - runnable.size() - skipped;
  for (const std::string& f : empty_inputs) std::printf("SKIP %s: %s\n", f.c_str(), kDecodesToNothing);
  // replay: the failing inputs, grouped at the end as check groups them (check_report.h: distinct_failures).
  CheckReport failing;
  failing.stages.emplace_back();
  auto in_child = [&](size_t k, const RunResult& r) -> ChildNote {
    if (!r.failure || html.empty() || drawn) return {};
    drawn = true;
    const size_t i = file_of[k];
    return draw_failure_page(html, files[i], texts[i], target, *r.failure);
  };
  auto on_result = [&](size_t k, IsolatedResult&& ir) {
    const size_t i = file_of[k];
    const RunResult& r = ir.result;
    if (!ir.note.text.empty()) {
      std::fprintf(ir.note.bad_input ? stderr : stdout, "%s\n", ir.note.text.c_str());
      if (ir.note.bad_input) status = kBadInput;
    }
    if (r.failure && !html.empty() && ir.note.text.empty() && !drawn && from_dead_child(*r.failure))
      std::printf("ptcheck: %s is not drawn: the target's process died, and its timeline with it\n",
                  r.failure->signature.c_str());
    drawn |= !ir.note.text.empty();
    const std::string warned = ir.warnings ? "; " + std::to_string(ir.warnings) + " WARNING line(s) in the target log" : "";
    if (!ir.run) {
      ++skipped;
      std::printf("SKIP %s: not run (stopped)\n", files[i].c_str());
      return;
    }
    if (r.skipped) {
      ++skipped;
      std::printf("SKIP %s: %s\n", files[i].c_str(), r.skip_reason.c_str());
      return;
    }
    if (!expect_violation.empty()) {
      const bool as_expected = r.failure && expect_violation == oracle_name(r.failure->oracle);
      if (as_expected) {
        ++passed;
        std::printf("ok   %s: %s caught as expected (%s)%s\n", files[i].c_str(), expect_violation.c_str(),
                    r.failure->signature.c_str(), warned.c_str());
      } else {
        ++failed;
        if (status == kHolds) status = kBug;
        if (r.failure)
          std::printf("FAIL %s: expected %s, got %s\n%s", files[i].c_str(), expect_violation.c_str(),
                      r.failure->signature.c_str(), r.failure->trace.c_str());
        else
          std::printf("FAIL %s: expected %s, but every oracle held\n", files[i].c_str(), expect_violation.c_str());
      }
      return;
    }
    if (r.ok()) {
      ++passed;
      std::printf("ok   %s (%zu statements%s%s)\n", files[i].c_str(), r.statements, skipped_text(r).c_str(), warned.c_str());
    } else {
      ++failed;
      if (status == kHolds) status = kBug;
      if (quiet) {
        std::printf("FAIL %s:%d %s%s\n", files[i].c_str(), r.failure->line, r.failure->signature.c_str(), warned.c_str());
        CheckItem item{files[i], CheckResult::kFail, 0, r.failure->signature, r.failure->replay, ""};
        item.size = scripts[i].ops.size();
        failing.stages.front().items.push_back(std::move(item));
      }
      else
        std::printf("%s", r.failure->trace.c_str());
    }
    std::fflush(stdout);
  };
  run_scripts_isolated(runnable, target, opts, o.isolation, on_result, in_child);
  if (const std::vector<FailureGroup> groups = distinct_failures(failing); !groups.empty()) {
    std::printf("%zu distinct failure(s) in %zu failing input(s):\n", groups.size(), failed);
    for (const FailureGroup& g : groups)
      std::printf("  %s  x%zu; smallest: %s (%zu statements)\n      replay: %s\n", g.key.c_str(), g.inputs,
                  g.shortest->name.c_str(), g.shortest->size, g.shortest->replay.c_str());
  }
  std::printf("%zu passed, %zu failed", passed, failed);
  if (skipped) std::printf(", %zu skipped", skipped);
  if (bad_files) std::printf(", %zu bad input", bad_files);
  std::printf("\n");
  if (!html.empty() && !drawn) std::printf("ptcheck: no failure to draw: %s not written\n", html.c_str());
  if (const std::string log = target_log_summary(o.isolation); !log.empty()) std::printf("%s\n", log.c_str());
  return any_bad ? kBadInput : status;
}

}  // namespace ptc::cli
