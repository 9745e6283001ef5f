#include <algorithm>
#include "tools/ptcheck/prove_command.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <variant>

#include "core/isolation/child_process.h"
#include "core/runner/runner.h"
#include "core/script/script.h"
#include "proofs/prove.h"
#include "tools/ptcheck/html_timeline.h"
#include "tools/ptcheck/target_log.h"

namespace ptc::cli {

namespace {
// What a replay line adds after the command: the target and, unless it is the default, the profile.
std::string replay_args(const std::string& path, Contract contract) {
  std::string s = path.empty() ? "" : "--target " + path;
  if (contract != Contract::Spec) s += (s.empty() ? "" : " ") + std::string("--contract ") + contract_name(contract);
  return s;
}

proofs::ProveTarget make_target(const ptc_target_ops* target, const std::string& path, Contract contract) {
  proofs::ProveTarget t;
  t.ops = target;
  t.replay_args = replay_args(path, contract);
  t.contract = contract;
  return t;
}

std::string replay_of(const std::string& name, const std::string& target_path, Contract contract) {
  const std::string args = replay_args(target_path, contract);
  return "ptcheck prove --only " + name + (args.empty() ? "" : " " + args);
}

// The first failed obligation as a page. A refutation that maps to a `.ops` script is run through the
// differential runner with the timeline recorded (the same interleaving, as the runner sees it); the
// prover's own counterexample goes beside it. One that does not (bit-level arithmetic, a hand-written
// sequence) gets the prover's counterexample alone.
int write_prove_html(const std::vector<proofs::Result>& results, const ptc_target_ops* target, const ProveOptions& o) {
  const proofs::Result* bad = nullptr;
  for (const proofs::Result& r : results)
    if (r.failed()) {
      bad = &r;
      break;
    }
  if (!bad) {
    std::fprintf(stderr, "ptcheck: no obligation was refuted or left unknown: no counterexample, %s not written\n",
                 o.html_path.c_str());
    return 0;
  }
  const std::string cx = "claim: " + bad->statement + "\nverdict: " + proofs::verdict_name(bad->verdict) + " (" +
                         bad->bound + ")\n" + (bad->note.empty() ? "" : "note: " + bad->note + "\n") +
                         "\n" + bad->counterexample;
  std::string html;
  if (!bad->script.empty()) {
    const std::string name = bad->name + ".ops";
    auto parsed = parse_script(bad->script, name);
    if (auto* s = std::get_if<Script>(&parsed); s && check_runnable(*s).empty()) {
      if (!s->has_contract) s->config.contract = o.contract;
      RunOptions ro;
      ro.record_timeline = true;
      ro.replay_args = replay_args(o.target_path, o.contract);
      const RunResult rr = run_script(*s, target, ro);
      if (rr.failure) {
        HtmlTimelineInput in;
        in.script_path = name;
        in.script_text = bad->script;
        in.target = target->name ? target->name : "?";
        in.failure = &*rr.failure;
        in.extra_title = "The prover's counterexample: " + bad->name;
        in.extra_text = cx;
        html = render_html_timeline(in);
      }
    }
  }
  if (html.empty())
    html = render_html_text_only("ptcheck prove: " + bad->name + " " + proofs::verdict_name(bad->verdict),
                                 std::string(bad->expect_refuted ? "proved:" : "refuted:") + bad->name, cx);
  std::string error;
  if (!write_html_file(o.html_path, html, &error)) {
    std::fprintf(stderr, "ptcheck: %s\n", error.c_str());
    return 2;
  }
  std::fprintf(o.out, "ptcheck prove: the counterexample of %s is drawn in %s\n", bad->name.c_str(), o.html_path.c_str());
  return 0;
}
}  // namespace

bool prove_selection_exists(const std::string& only) {
  const std::vector<proofs::Obligation> all = proofs::all_obligations();
  return !proofs::select_obligations(all, only).empty();
}

int run_prove_command(const ProveOptions& o, const ptc_target_ops* target) {
  const std::vector<proofs::Obligation> all = proofs::all_obligations();
  const std::vector<const proofs::Obligation*> selected = proofs::select_obligations(all, o.only);
  if (selected.empty()) {
    std::fprintf(stderr, "ptcheck: --only '%s' names no obligation (try `ptcheck prove --only '*'` for the list)\n",
                 o.only.c_str());
    return 2;
  }
  std::vector<proofs::Result> results;
  const int status = proofs::run_prove(make_target(target, o.target_path, o.contract), selected, o.json, o.out, &results);
  if (!o.html_path.empty())
    if (const int h = write_prove_html(results, target, o); h != 0) return h;
  return status;
}

std::vector<std::string> check_obligation_names() {
  std::vector<std::string> names;
  // The cheap part of the recorded-sequence obligations: split at every bbml, the map race, and unmap (strict
  // and lazy), unmap_read_dirty and read_and_clear_dirty of a block (whole or cut). The 4K-page states (merge, unmap of pages) record
  // the target once per page and per injection and take longer; `ptcheck prove` runs them, as do the bit-level
  // proofs and the known-bad variants (which are about ptcheck's own code).
  for (const proofs::Obligation& ob : proofs::all_obligations()) {
    const std::string& n = ob.name;
    const bool block_only = n.rfind("split.", 0) == 0 || n.rfind("race.", 0) == 0 || n.find(".block") != std::string::npos;
    if (block_only) names.push_back(n);
  }
  return names;
}

int run_prove_for_check(const ptc_target_ops* target, const std::string& target_path, Contract contract,
                        std::vector<ProveVerdict>* verdicts, const std::function<bool()>& stop, std::FILE* out,
                        const std::string& only) {
  const std::vector<proofs::Obligation> all = proofs::all_obligations();
  const std::vector<std::string> names = check_obligation_names();
  std::vector<const proofs::Obligation*> selected;
  for (const proofs::Obligation& ob : all)
    if (std::find(names.begin(), names.end(), ob.name) != names.end() && (only.empty() || ob.name == only))
      selected.push_back(&ob);
  std::vector<proofs::Result> results;
  const int status =
      proofs::run_prove(make_target(target, target_path, contract), selected, false, out, &results, stop);
  if (verdicts)
    for (const proofs::Result& r : results) {
      ProveVerdict v;
      v.name = r.name;
      v.passed = r.passed();
      v.skipped = r.inapplicable();
      v.seconds = r.seconds;
      if (v.skipped) v.signature = std::string(proofs::verdict_name(r.verdict)) + ": " + r.note;
      if (r.failed()) {
        v.signature = std::string(r.verdict == proofs::Verdict::kRefuted ? "refuted:" : "unknown:") + r.name;
        v.replay = replay_of(r.name, target_path, contract);
        v.detail = "claim: " + r.statement + "\n" + r.counterexample +
                   (r.script.empty() ? "" : "\nreproduce (save as FILE.ops, then ptcheck run FILE.ops):\n" + r.script);
      }
      verdicts->push_back(v);
    }
  if (verdicts)
    for (size_t k = results.size(); k < selected.size(); ++k) {  // run_prove stops in order: the rest did not run
      ProveVerdict v;
      v.name = selected[k]->name;
      v.skipped = v.stopped = true;
      v.signature = "not run: the run was stopped before it";
      verdicts->push_back(v);
    }
  return status;
}

int run_prove_isolated(ProveOptions o, const ptc_target_ops* target, const IsolationOptions& isolation,
                       const std::string& contract_arg) {
  int rc = 1;
  run_items_isolated(
      1,
      [&](size_t, ChildChannel& ch) {
        o.out = ch.text();
        return std::to_string(run_prove_command(o, target));
      },
      isolation,
      [&](size_t, ItemOutcome&& item) {
        if (item.payload) {
          rc = std::atoi(item.payload->c_str());
          return;
        }
        if (!item.death) return;
        const std::string excerpt = death_excerpt(isolation, item);
        std::printf("ptcheck prove: FAIL %s: the target %s while its steps were recorded\n%s  replay: ptcheck prove%s%s\n",
                    death_oracle_name(*item.death, excerpt),
                    item.death->how == ChildEnd::How::kDied ? ("died (" + describe_death(*item.death) + ")").c_str()
                                                            : "did not return within the op timeout",
                    excerpt.c_str(), o.target_path.empty() ? "" : (" --target " + o.target_path).c_str(),
                    contract_arg.empty() ? "" : (" --contract " + contract_arg).c_str());
      });
  if (const std::string log = target_log_summary(isolation); !log.empty()) std::printf("%s\n", log.c_str());
  return rc;
}

}  // namespace ptc::cli
