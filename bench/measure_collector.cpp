#include "bench/measure_collector.h"

#include "core/fmt.h"

#include <sys/utsname.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <thread>

namespace ptc::bench {

std::string run_key(const benchmark::BenchmarkReporter::Run& run) {
  std::string key = run.run_name.function_name;
  if (!run.run_name.threads.empty()) key += "/" + run.run_name.threads;
  return key;
}

bool MeasureCollector::ReportContext(const Context& context) {
  return inner_ ? inner_->ReportContext(context) : true;
}

void MeasureCollector::ReportRuns(const std::vector<Run>& runs) {
  if (inner_) inner_->ReportRuns(runs);
  for (const Run& r : runs) {
    if (r.run_type != Run::RT_Iteration) continue;
    if (r.error_occurred) {
      errors_.push_back(r.benchmark_name() + ": " + r.error_message);
      continue;
    }
    runs_[run_key(r)].push_back(r);
  }
}

void MeasureCollector::Finalize() {
  if (inner_) inner_->Finalize();
}

namespace {

// Seconds per iteration: the manual (thread CPU) time where the benchmark set it, the wall time where it
// asked for real time (threads), else the CPU time.
double seconds_per_iteration(const benchmark::BenchmarkReporter::Run& r) {
  const double total = r.run_name.time_type.empty() ? r.cpu_accumulated_time : r.real_accumulated_time;
  return r.iterations ? total / double(r.iterations) : total;
}

bool raw_value(const Measure& m, const std::string& counter, const benchmark::BenchmarkReporter::Run& r, double* out) {
  if (m.figure == Figure::Time) {
    *out = seconds_per_iteration(r);
    return true;
  }
  auto it = r.counters.find(counter);
  if (it == r.counters.end()) return false;
  *out = it->second.value;
  return true;
}

// The median of the repetitions' values (the lower middle one of an even count).
bool median_value(const Measure& m, const std::string& counter, const std::vector<benchmark::BenchmarkReporter::Run>& runs,
                  double* out) {
  std::vector<double> values;
  for (const auto& r : runs) {
    double v = 0;
    if (!raw_value(m, counter, r, &v)) return false;
    values.push_back(v);
  }
  if (values.empty()) return false;
  const size_t mid = (values.size() - 1) / 2;
  std::nth_element(values.begin(), values.begin() + long(mid), values.end());
  *out = values[mid];
  return true;
}

}  // namespace

std::vector<MeasureResult> MeasureCollector::evaluate(const std::vector<Measure>& measures) const {
  std::vector<MeasureResult> out;
  const double none = std::numeric_limits<double>::quiet_NaN();
  for (const Measure& m : measures) {
    auto a = runs_.find(m.bench);
    if (a == runs_.end()) continue;  // not run (filtered out, or failed)
    MeasureResult r;
    r.measure = &m;
    if (!m.not_measured.empty()) {
      r.figure = r.baseline = r.ratio = none;
      out.push_back(r);
      continue;
    }
    double fig = 0;
    if (!median_value(m, m.counter, a->second, &fig)) continue;
    r.figure = fig * m.scale;
    if (m.baseline.empty()) {
      r.baseline = r.ratio = none;
      if (m.goal) r.met = m.goal->met(r.figure, r.ratio);
      out.push_back(r);
      continue;
    }
    auto b = runs_.find(m.baseline);
    double base = 0;
    const std::string& base_counter = m.baseline_counter.empty() ? m.counter : m.baseline_counter;
    if (b == runs_.end() || !median_value(m, base_counter, b->second, &base)) continue;
    r.baseline = base * m.scale;
    // Time and Counter: lower is better; Rate: higher is better.
    const bool higher_better = m.figure == Figure::Rate;
    const double cost = higher_better ? base / fig : fig / base;
    r.ratio = m.ratio == Ratio::Cost ? cost : 1.0 / cost;
    if (!std::isfinite(r.ratio)) r.ratio = 0;
    if (m.goal) r.met = m.goal->met(r.figure, r.ratio);
    out.push_back(r);
  }
  return out;
}

namespace {

std::string number(double v) {
  if (std::isnan(v)) return "-";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  if (v != 0 && (std::fabs(v) >= 1e6 || std::fabs(v) < 1e-3))
    std::snprintf(buf, sizeof buf, "%.3g", v);
  else if (std::fabs(v) >= 100)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string ratio_kind(const Measure& m) {
  if (m.baseline.empty()) return "null";
  if (m.ratio == Ratio::Speedup) return json_quote("speedup");
  return json_quote(m.figure == Figure::Rate ? "baseline rate / rate" : "figure / baseline");
}

}  // namespace

void print_measure_table(std::FILE* out, const std::vector<MeasureResult>& results, const std::string& machine) {
  int w = 24;  // the name column: as wide as the longest name (fuzzbuild.finds.* are long)
  for (const MeasureResult& r : results) w = std::max(w, int(r.measure->name.size()));
  std::fprintf(out, "%-*s %12s %-9s %12s %9s  %-24s %s\n", w, "measure", "figure", "unit", "baseline", "ratio", "goal",
               "met");
  for (const MeasureResult& r : results) {
    const Measure& m = *r.measure;
    if (!m.not_measured.empty()) {
      std::fprintf(out, "%-*s not measured: %s\n", w, m.name.c_str(), m.not_measured.c_str());
      continue;
    }
    const std::string ratio =
        m.baseline.empty() ? "-" : number(r.ratio) + (m.ratio == Ratio::Speedup ? "x up" : "x");
    std::fprintf(out, "%-*s %12s %-9s %12s %9s  %-24s %s\n", w, m.name.c_str(), number(r.figure).c_str(), m.unit.c_str(),
                 number(r.baseline).c_str(), ratio.c_str(), m.goal ? m.goal->text(m.unit).c_str() : "-",
                 !r.met ? "-" : *r.met ? "yes" : "NO");
  }
  std::fprintf(out, "machine: %s\n", machine.c_str());
  std::fprintf(out, "ratio: figure / baseline for times and sizes, baseline rate / rate for rates (how many times the\n"
                    "baseline's cost); \"x up\": a speedup over the baseline (reference model, 1 thread).\n"
                    "baselines:\n");
  for (const MeasureResult& r : results)
    std::fprintf(out, "  %-*s %s; baseline: %s\n", w - 2, r.measure->name.c_str(), r.measure->what.c_str(),
                 r.measure->baseline.empty() ? "none" : r.measure->baseline_what.c_str());
}

std::string measures_json(const std::vector<MeasureResult>& results, const std::string& machine, bool quick) {
  std::ostringstream o;
  o << "[\n";
  for (size_t i = 0; i < results.size(); ++i) {
    const MeasureResult& r = results[i];
    const Measure& m = *r.measure;
    o << "  {\"name\": " << json_quote(m.name) << ", \"what\": " << json_quote(m.what)
      << ", \"figure\": " << json_number(r.figure) << ", \"unit\": " << json_quote(m.unit)
      << ", \"baseline\": " << json_number(r.baseline)
      << ", \"baseline_what\": " << (m.baseline.empty() ? "null" : json_quote(m.baseline_what))
      << ", \"ratio\": " << json_number(r.ratio) << ", \"ratio_kind\": " << ratio_kind(m)
      << ", \"goal\": " << (m.goal ? json_quote(m.goal->text(m.unit)) : "null")
      << ", \"met\": " << (!r.met ? "null" : *r.met ? "true" : "false")
      << ", \"not_measured\": " << (m.not_measured.empty() ? "null" : json_quote(m.not_measured)) << ", \"quick\": " << (quick ? "true" : "false")
      << ", \"machine\": " << json_quote(machine) << "}" << (i + 1 < results.size() ? "," : "") << "\n";
  }
  o << "]\n";
  return o.str();
}

std::string machine_description() {
  std::string cpu = "?";
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) {
      cpu = line.substr(line.find(':') + 2);
      break;
    }
  struct utsname u {};
  uname(&u);
  return std::to_string(std::thread::hardware_concurrency()) + " x " + cpu + ", " + u.sysname + " " + u.release;
}

}  // namespace ptc::bench
