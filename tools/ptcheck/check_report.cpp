#include "tools/ptcheck/check_report.h"

#include "core/fmt.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <set>
#include <sstream>

namespace ptc::cli {

const char* check_result_name(CheckResult r) {
  switch (r) {
    case CheckResult::kPass: return "PASS";
    case CheckResult::kFail: return "FAIL";
    case CheckResult::kSkip: return "SKIP";
  }
  return "?";
}

size_t CheckStage::count(CheckResult r) const {
  size_t n = 0;
  for (const CheckItem& i : items) n += i.result == r;
  return n;
}

const CheckItem* CheckStage::first_failure() const {
  for (const CheckItem& i : items)
    if (i.result == CheckResult::kFail) return &i;
  return nullptr;
}

namespace {

std::string seconds_text(double s) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3f", s);
  return b;
}

bool any_failure(const CheckReport& r) {
  for (const CheckStage& s : r.stages)
    if (s.count(CheckResult::kFail)) return true;
  return false;
}

bool unfinished(const CheckReport& r) { return r.stopped == CheckReport::kUnfinished; }

const char* overall(const CheckReport& r) {
  if (unfinished(r)) return any_failure(r) ? "FAIL" : "INCOMPLETE";
  switch (r.exit_status) {
    case 0: return "PASS";
    case 1: return "FAIL";
    case 2: return "BAD_INPUT";
  }
  return "STOPPED";
}

// A passing run's outcome: "every oracle holds" only when every stage ran; otherwise which stages held and
// which were skipped (not built, off, or not reached), so that a gate with no fuzzers does not claim them.
std::string held_text(const CheckReport& r) {
  std::string held, skipped;
  for (const CheckStage& s : r.stages) {
    std::string& list = s.ran && s.result == CheckResult::kPass ? held : skipped;
    list += (list.empty() ? "" : ", ") + s.name;
  }
  const std::string budget = r.stopped == "budget" ? " in what the budget allowed" : "";
  if (skipped.empty()) return "every oracle holds" + budget;
  return "held: " + (held.empty() ? std::string("none") : held) + budget + "; skipped: " + skipped;
}

// What the summary's last line calls the outcome.
std::string verdict_text(const CheckReport& r) {
  const std::string stop = r.stopped.empty() || r.stopped == "budget" ? "" : " (stopped: " + r.stopped + ")";
  if (unfinished(r)) return any_failure(r) ? "BUGS FOUND so far" : "unfinished";
  switch (r.exit_status) {
    case 0: return held_text(r);
    case 1: return "BUGS FOUND" + stop;
    case 2: return "BAD INPUT" + stop;
  }
  return "STOPPED by " + r.stopped + ", nothing failed in what ran";
}

// "stopped by SIGTERM: replay cut short; not run: prove, fuzz" (the stages as they stand in the report).
std::string stop_line(const CheckReport& r) {
  std::string cut, not_run;
  for (const CheckStage& s : r.stages) {
    if (!s.stopped.empty()) cut += (cut.empty() ? "" : ", ") + s.name;
    if (!s.ran) not_run += (not_run.empty() ? "" : ", ") + s.name;
  }
  std::string line = unfinished(r) ? "unfinished (written between stages)" : "stopped by " + r.stopped;
  if (r.stopped == "budget") line = "the budget ran out";
  line += ": " + (cut.empty() ? std::string("no stage cut short") : cut + " cut short");
  return line + "; not run: " + (not_run.empty() ? "none" : not_run) + "\n";
}

const char* json_bool(bool b) { return b ? "true" : "false"; }

// One line for a stage's <system-out> when the run or the stage did not go to the end.
std::string suite_status(const CheckReport& r, const CheckStage& s) {
  const bool says_not_run = s.note.rfind("not run", 0) == 0;  // "not run: the budget was spent", ...
  std::string line = !s.ran ? (says_not_run ? s.note : "not run: " + s.note)
                     : !s.stopped.empty() ? "cut short (" + s.stopped + ")"
                                          : "ran in full";
  if (!r.stopped.empty()) line += "; " + stop_line(r);
  else line += "\n";
  return line;
}

}  // namespace

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\n': out += "&#10;"; break;  // kept in attributes too
      case '\t': out += "&#9;"; break;
      case '\r': out += "&#13;"; break;
      default:
        // XML 1.0 allows no other control character, not even escaped.
        out += c < 0x20 ? '?' : ch;
    }
  }
  return out;
}

std::string failure_group(const std::string& signature) {
  if (signature.rfind("bad input", 0) == 0) return "bad input";
  // `property:NAME failed after N case(s)`: the name.
  std::string key = signature.substr(0, signature.find(' '));
  const size_t first = key.find(':');
  if (first == std::string::npos) return key;
  const size_t second = key.find(':', first + 1);
  return second == std::string::npos ? key : key.substr(0, second);
}

std::vector<FailureGroup> distinct_failures(const CheckReport& r) {
  std::vector<FailureGroup> groups;
  std::vector<std::set<std::string>> sigs;
  for (const CheckStage& s : r.stages)
    for (const CheckItem& i : s.items) {
      if (i.result != CheckResult::kFail) continue;
      const std::string key = failure_group(i.signature);
      size_t g = 0;
      while (g < groups.size() && groups[g].key != key) ++g;
      if (g == groups.size()) {
        groups.push_back({key, 0, 0, {}, &i});
        sigs.emplace_back();
      }
      FailureGroup& fg = groups[g];
      ++fg.inputs;
      sigs[g].insert(i.signature);
      fg.signatures = sigs[g].size();
      if (std::find(fg.stages.begin(), fg.stages.end(), s.name) == fg.stages.end()) fg.stages.push_back(s.name);
      const size_t best = fg.shortest->size ? fg.shortest->size : SIZE_MAX;
      if (i.size && i.size < best) fg.shortest = &i;
    }
  return groups;
}

// The distinct failures under the table: each once, how many inputs hit it, its smallest reproducer.
// At most kShownGroups: a red gate fits on one screen; every failure is in the JSON and JUnit reports.
static std::string distinct_failures_text(const CheckReport& r) {
  constexpr size_t kShownGroups = 10;
  const std::vector<FailureGroup> groups = distinct_failures(r);
  if (groups.empty()) return "";
  size_t inputs = 0;
  for (const FailureGroup& g : groups) inputs += g.inputs;
  std::ostringstream o;
  o << groups.size() << " distinct failure(s) in " << inputs << " failing item(s):\n";
  for (size_t k = 0; k < groups.size() && k < kShownGroups; ++k) {
    const FailureGroup& g = groups[k];
    std::string where;
    for (const std::string& st : g.stages) where += (where.empty() ? "" : ", ") + st;
    o << "  " << g.key << "  x" << g.inputs << (g.signatures > 1 ? " (" + std::to_string(g.signatures) + " configs)" : "")
      << " in " << where << "; smallest: " << g.shortest->name
      << (g.shortest->size ? " (" + std::to_string(g.shortest->size) + " statements)" : "") << "\n"
      << "      replay: " << g.shortest->replay << "\n";
  }
  if (groups.size() > kShownGroups)
    o << "  ... " << groups.size() - kShownGroups << " more distinct failure(s): in the --json and --junit reports\n";
  return o.str();
}

std::string check_summary_table(const CheckReport& r) {
  std::ostringstream o;
  char line[512];
  std::snprintf(line, sizeof line, "%-11s %-6s %6s %6s %6s %8s  %s\n", "stage", "result", "items", "failed", "skipped",
                "time", "first failure (and how to replay it)");
  o << line;
  for (const CheckStage& s : r.stages) {
    const CheckItem* f = s.first_failure();
    std::snprintf(line, sizeof line, "%-11s %-6s %6zu %6zu %6zu %7.1fs  ", s.name.c_str(), check_result_name(s.result),
                  s.items.size(), s.count(CheckResult::kFail), s.count(CheckResult::kSkip), s.seconds);
    o << line;
    if (f)
      o << f->signature << "\n" << std::string(50, ' ') << "replay: " << f->replay << "\n";
    else if (!s.stopped.empty())
      o << "cut short (" << s.stopped << ")\n";
    else
      o << (s.result == CheckResult::kSkip ? s.note : "-") << "\n";
  }
  o << distinct_failures_text(r);
  if (!r.stopped.empty()) o << stop_line(r);
  std::string budget;
  if (r.budget > 0) {
    char b[160];
    // Over it when replay and prove alone take longer, or a stage's minimum or its last item ran over.
    std::snprintf(b, sizeof b, " of a %.0fs budget", r.budget);
    budget = b;
    if (r.seconds > r.budget + 1) {
      std::snprintf(b, sizeof b, " (over it by %.0fs)", r.seconds - r.budget);
      budget += b;
    }
  }
  std::snprintf(line, sizeof line, "ptcheck check: %s in %.1fs%s (target %s, contract %s)\n",
                verdict_text(r).c_str(), r.seconds,
                budget.c_str(), r.target.c_str(), r.contract.c_str());
  o << line;
  return o.str();
}

std::string check_json(const CheckReport& r) {
  std::ostringstream o;
  o << "{\n  \"tool\": \"ptcheck check\",\n  \"target\": " << json_quote(r.target)
    << ",\n  \"target_path\": " << json_quote(r.target_path) << ",\n  \"contract\": " << json_quote(r.contract)
    << ",\n  \"target_log\": " << json_quote(r.target_log)
    << ",\n  \"budget\": ";
  if (r.budget > 0)
    o << seconds_text(r.budget);
  else
    o << "null";
  o << ",\n  \"seconds\": " << seconds_text(r.seconds) << ",\n  \"result\": " << json_quote(overall(r))
    << ",\n  \"exit_status\": " << (unfinished(r) ? std::string("null") : std::to_string(r.exit_status))
    << ",\n  \"stopped\": " << json_quote(r.stopped) << ",\n  \"stages\": [";
  for (size_t k = 0; k < r.stages.size(); ++k) {
    const CheckStage& s = r.stages[k];
    o << (k ? "," : "") << "\n    {\"name\": " << json_quote(s.name) << ", \"result\": "
      << json_quote(check_result_name(s.result)) << ", \"ran\": " << json_bool(s.ran)
      << ", \"stopped\": " << json_quote(s.stopped) << ", \"items\": " << s.items.size()
      << ", \"passed\": " << s.count(CheckResult::kPass) << ", \"skipped\": " << s.count(CheckResult::kSkip)
      << ", \"seconds\": " << seconds_text(s.seconds) << ", \"note\": " << json_quote(s.note) << ",\n     \"failures\": [";
    bool first = true;
    for (const CheckItem& i : s.items) {
      if (i.result != CheckResult::kFail) continue;
      o << (first ? "" : ",") << "\n       {\"name\": " << json_quote(i.name) << ", \"signature\": "
        << json_quote(i.signature) << ", \"replay\": " << json_quote(i.replay) << "}";
      first = false;
    }
    o << (first ? "]," : "\n     ],") << "\n     \"skips\": [";
    first = true;
    for (const CheckItem& i : s.items) {  // why each skipped item says nothing (a prove obligation: skipped or vacuous)
      if (i.result != CheckResult::kSkip) continue;
      o << (first ? "" : ",") << "\n       {\"name\": " << json_quote(i.name) << ", \"reason\": " << json_quote(i.signature) << "}";
      first = false;
    }
    o << (first ? "]," : "\n     ],") << "\n     \"warnings\": [";
    first = true;
    for (const CheckItem& i : s.items) {  // kernel WARNING lines the target printed, per item (target_log)
      if (!i.warnings) continue;
      o << (first ? "" : ",") << "\n       {\"name\": " << json_quote(i.name) << ", \"count\": " << i.warnings << "}";
      first = false;
    }
    o << (first ? "]}" : "\n     ]}");
  }
  o << "\n  ],\n  \"distinct_failures\": [";
  const std::vector<FailureGroup> groups = distinct_failures(r);
  for (size_t k = 0; k < groups.size(); ++k) {
    const FailureGroup& g = groups[k];
    o << (k ? "," : "") << "\n    {\"group\": " << json_quote(g.key) << ", \"inputs\": " << g.inputs
      << ", \"signatures\": " << g.signatures << ", \"stages\": [";
    for (size_t j = 0; j < g.stages.size(); ++j) o << (j ? ", " : "") << json_quote(g.stages[j]);
    o << "], \"smallest\": {\"name\": " << json_quote(g.shortest->name) << ", \"signature\": "
      << json_quote(g.shortest->signature) << ", \"statements\": " << g.shortest->size
      << ", \"replay\": " << json_quote(g.shortest->replay) << "}}";
  }
  o << (groups.empty() ? "]\n}\n" : "\n  ]\n}\n");
  return o.str();
}

std::string check_junit(const CheckReport& r) {
  size_t tests = 0, failures = 0, skipped = 0;
  for (const CheckStage& s : r.stages) {
    const size_t n = s.items.empty() ? 1 : s.items.size();  // a stage that did not run is one skipped case
    tests += n;
    failures += s.count(CheckResult::kFail);
    skipped += s.items.empty() ? 1 : s.count(CheckResult::kSkip);
  }
  std::ostringstream o;
  o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"ptcheck check\" tests=\"" << tests
    << "\" failures=\"" << failures << "\" errors=\"0\" skipped=\"" << skipped << "\" time=\"" << seconds_text(r.seconds)
    << "\">\n";
  for (const CheckStage& s : r.stages) {
    const size_t n = s.items.empty() ? 1 : s.items.size();
    o << "  <testsuite name=\"" << xml_escape(s.name) << "\" tests=\"" << n << "\" failures=\""
      << s.count(CheckResult::kFail) << "\" errors=\"0\" skipped=\""
      << (s.items.empty() ? 1 : s.count(CheckResult::kSkip)) << "\" time=\"" << seconds_text(s.seconds) << "\">\n";
    o << "    <properties><property name=\"target\" value=\"" << xml_escape(r.target) << "\"/><property name=\"contract\" value=\""
      << xml_escape(r.contract) << "\"/><property name=\"target_log\" value=\"" << xml_escape(r.target_log)
      << "\"/><property name=\"note\" value=\""
      << xml_escape(s.note) << "\"/><property name=\"ran\" value=\"" << json_bool(s.ran) << "\"/>";
    if (!r.stopped.empty()) o << "<property name=\"stopped\" value=\"" << xml_escape(r.stopped) << "\"/>";
    o << "</properties>\n";
    if (s.items.empty()) {
      o << "    <testcase classname=\"ptcheck." << xml_escape(s.name) << "\" name=\"" << xml_escape(s.name)
        << "\" time=\"0.000\"><skipped message=\"" << xml_escape(s.note) << "\"/></testcase>\n";
    }
    for (const CheckItem& i : s.items) {
      o << "    <testcase classname=\"ptcheck." << xml_escape(s.name) << "\" name=\"" << xml_escape(i.name)
        << "\" time=\"" << seconds_text(i.seconds) << "\"";
      if (i.result == CheckResult::kPass) {
        o << "/>\n";
        continue;
      }
      o << ">";
      if (i.result == CheckResult::kSkip) {
        o << "<skipped message=\"" << xml_escape(i.signature) << "\"/>";
      } else {
        o << "<failure message=\"" << xml_escape(i.signature) << "\" type=\"" << xml_escape(s.name) << "\">"
          << xml_escape(i.signature + "\nreplay: " + i.replay + (i.detail.empty() ? "" : "\n\n" + i.detail))
          << "</failure>";
      }
      o << "</testcase>\n";
    }
    // Where a CI page shows a suite's output: why it did not run, or ran only in part.
    if (!s.ran || !s.stopped.empty() || !r.stopped.empty())
      o << "    <system-out>" << xml_escape(suite_status(r, s)) << "</system-out>\n";
    o << "  </testsuite>\n";
  }
  o << "</testsuites>\n";
  return o.str();
}

}  // namespace ptc::cli
