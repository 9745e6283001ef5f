// Reading libFuzzer's and ctest's output: see libfuzzer_output.h.
#include "bench/libfuzzer_output.h"

#include <regex>
#include <sstream>

namespace ptc::bench {

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.push_back(line);
  }
  return out;
}

}  // namespace

ReplayTotals parse_replay(const std::string& output) {
  static const std::regex executed(R"(^Executed .* in ([0-9]+) ms$)");
  ReplayTotals t;
  std::smatch m;
  for (const std::string& line : lines_of(output))
    if (std::regex_match(line, m, executed)) {
      t.ms += std::stod(m[1]);
      ++t.files;
    }
  return t;
}

std::optional<double> parse_campaign_rate(const std::string& output) {
  static const std::regex done(R"(^Done ([0-9]+) runs in ([0-9]+) second)");
  static const std::regex status(R"(^#[0-9]+\s.*\bexec/s: ([0-9]+))");
  std::optional<double> last_status;
  std::smatch m;
  for (const std::string& line : lines_of(output)) {
    if (std::regex_search(line, m, done) && std::stod(m[2]) > 0) return std::stod(m[1]) / std::stod(m[2]);
    if (std::regex_search(line, m, status)) last_status = std::stod(m[1]);
  }
  return last_status;
}

std::string parse_finding(const std::string& output) {
  static const std::regex error(R"(^==[0-9]+== ?ERROR: |^SUMMARY: )");
  std::string first_error;
  for (const std::string& line : lines_of(output)) {
    if (line.rfind("ptcheck signature: ", 0) == 0) return line;
    if (first_error.empty() && std::regex_search(line, error)) first_error = line;
  }
  return first_error;
}

std::vector<CtestResult> parse_ctest_results(const std::string& output) {
  // The time ends the result's line, or a later one: a failure's "Regex=[...]" quotes the expression with a
  // newline after it.
  static const std::regex result(R"(^\s*[0-9]+/[0-9]+ Test\s+#[0-9]+: (\S+) \.*\s*(\*\*\*)?(\S+))");
  static const std::regex seconds(R"(([0-9]+\.[0-9]+) sec$)");
  std::vector<CtestResult> out;
  bool timed = true;  // the last result has its time
  std::smatch m;
  for (const std::string& line : lines_of(output)) {
    if (std::regex_search(line, m, result)) {
      out.push_back({m[1], !m[2].matched && m[3] == "Passed", 0});
      timed = false;
    }
    if (!timed && std::regex_search(line, m, seconds)) {
      out.back().seconds = std::stod(m[1]);
      timed = true;
    }
  }
  if (!timed) out.pop_back();  // cut short: no time
  return out;
}

std::vector<std::string> parse_ctest_list(const std::string& output) {
  static const std::regex listed(R"(^\s*Test\s+#[0-9]+: (\S+)$)");
  std::vector<std::string> out;
  std::smatch m;
  for (const std::string& line : lines_of(output))
    if (std::regex_match(line, m, listed)) out.push_back(m[1]);
  return out;
}

}  // namespace ptc::bench
