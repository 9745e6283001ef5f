#include "proofs/prove.h"

#include <map>

#include "core/fmt.h"

#include "proofs/bits/bit_obligations.h"
#include "proofs/obligations/bad_sequences.h"
#include "proofs/obligations/race_obligations.h"
#include "proofs/obligations/target_obligations.h"

namespace ptc::proofs {

std::vector<Obligation> all_obligations() {
  std::vector<Obligation> out = target_obligations();
  for (auto* more : {race_obligations, bit_obligations, bad_sequence_obligations})
    for (Obligation& o : more()) out.push_back(std::move(o));
  return out;
}

Result run_obligation(const Obligation& o, const ProveTarget& t) {
  Result r = o.run(t, o.timeout_ms);
  r.name = o.name;
  r.expect_refuted = o.expect_refuted;
  return r;
}

std::vector<const Obligation*> select_obligations(const std::vector<Obligation>& all, const std::string& only) {
  std::vector<const Obligation*> out;
  const bool prefix = !only.empty() && (only.back() == '.' || only.back() == '*');
  const std::string stem = prefix && only.back() == '*' ? only.substr(0, only.size() - 1) : only;
  for (const Obligation& o : all)
    if (only.empty() || o.name == only || (prefix && o.name.rfind(stem, 0) == 0)) out.push_back(&o);
  return out;
}

namespace {

std::string indent(const std::string& text, const char* prefix) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out += prefix + text.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return out;
}

void print_text(std::FILE* out, const Result& r, const ProveTarget& t) {
  const char* v = r.verdict == Verdict::kRefuted ? (r.expect_refuted ? "refuted" : "REFUTED")
                                                   : r.verdict == Verdict::kProved ? (r.expect_refuted ? "PROVED" : "proved")
                                                                                   : verdict_name(r.verdict);
  std::fprintf(out, "%-8s %-52s %7.2fs  %s\n", v, r.name.c_str(), r.seconds, r.bound.c_str());
  if (!r.passed() || r.inapplicable() || r.verdict == Verdict::kUnknown) {
    std::fprintf(out, "         claim: %s%s\n", r.expect_refuted ? "must be refuted: " : "", r.statement.c_str());
    if (!r.note.empty()) std::fprintf(out, "         note: %s\n", r.note.c_str());
  }
  if (!r.counterexample.empty()) {
    std::fprintf(out, "         counterexample (CPU steps as recorded, device actions between them):\n%s",
                 indent(r.counterexample, "       ").c_str());
    if (!r.script.empty()) {
      std::fprintf(out, "         reproduce: save as FILE.ops, then ptcheck run FILE.ops%s\n%s",
                   t.replay_args.empty() ? "" : (" " + t.replay_args).c_str(), indent(r.script, "           ").c_str());
    }
  }
}

void print_json(std::FILE* out, const Result& r, Contract contract, bool first) {
  std::fprintf(out,
               "%s  {\"name\": %s, \"contract\": %s, \"verdict\": %s, \"expected\": %s, \"passed\": %s, \"seconds\": %.3f, \"bound\": %s, "
               "\"statement\": %s, \"note\": %s, \"counterexample\": %s, \"script\": %s}",
               first ? "" : ",\n", json_quote(r.name).c_str(), json_quote(contract_name(contract)).c_str(), json_quote(verdict_name(r.verdict)).c_str(),
               json_quote(r.expect_refuted ? "refuted" : "proved").c_str(), r.passed() ? "true" : "false", r.seconds,
               json_quote(r.bound).c_str(), json_quote(r.statement).c_str(), json_quote(r.note).c_str(),
               json_quote(r.counterexample).c_str(), json_quote(r.script).c_str());
}

}  // namespace

int run_prove(const ProveTarget& t_in, const std::vector<const Obligation*>& selected, bool json, std::FILE* out,
              std::vector<Result>* results, const std::function<bool()>& stop) {
  SubjectCache cache;
  ProveTarget t = t_in;
  t.cache = &cache;
  std::set<std::string> names;  // obligations sharing recordings share a fixedpoint run only with these
  for (const Obligation* o : selected) names.insert(o->name);
  t.selected = &names;
  size_t proved = 0, refuted = 0, unknown = 0, skipped = 0, vacuous = 0, variants = 0, variants_ok = 0;
  std::map<std::string, size_t> why_inapplicable;  // "skipped: NOTE" and "vacuous: NOTE", with their counts
  bool all_passed = true;
  if (json) std::fprintf(out, "[\n");
  else
    std::fprintf(out, "ptcheck prove: target %s, contract %s, %zu obligation(s)\n", t.ops && t.ops->name ? t.ops->name : "?",
                 contract_name(t.contract), selected.size());
  size_t ran = 0;  // the obligations run, selected[0..ran)
  for (size_t k = 0; k < selected.size(); ++k) {
    if (stop && stop()) break;
    const Result r = run_obligation(*selected[k], t);
    ++ran;
    if (json) print_json(out, r, t.contract, k == 0);
    else print_text(out, r, t);
    std::fflush(out);
    if (r.expect_refuted) {
      ++variants;
      variants_ok += r.passed();
    } else {
      proved += r.verdict == Verdict::kProved;
      refuted += r.verdict == Verdict::kRefuted;
      unknown += r.verdict == Verdict::kUnknown;
      skipped += r.verdict == Verdict::kSkipped;
      vacuous += r.verdict == Verdict::kVacuous;
      if (r.inapplicable()) ++why_inapplicable[std::string(verdict_name(r.verdict)) + ": " + r.note];
    }
    if (r.failed()) all_passed = false;
    if (results) results->push_back(r);
  }
  if (json) {
    std::fprintf(out, "%s]\n", ran ? "\n" : "");
  } else {
    if (ran < selected.size()) std::fprintf(out, "ptcheck prove: stopped: %zu obligation(s) not run\n", selected.size() - ran);
    std::fprintf(out, "ptcheck prove: %zu proved, %zu refuted, %zu unknown, %zu vacuous, %zu skipped", proved, refuted,
                 unknown, vacuous, skipped);
    if (variants) std::fprintf(out, "; known-bad variants refuted: %zu of %zu", variants_ok, variants);
    std::fprintf(out, "\n");
    // Neither proved nor failed: say why, once per reason.
    for (const auto& [why, n] : why_inapplicable) std::fprintf(out, "  %zu %s\n", n, why.c_str());
  }
  return all_passed ? 0 : 1;
}

}  // namespace ptc::proofs
