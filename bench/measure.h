// A measure of the suite: one benchmark's figure reported beside a baseline measured in the same run,
// their ratio, and the goal (issue 6) when there is one. The benchmarks themselves only time things;
// which figure pairs with which baseline, and what the goal is, lives here and in measures.cpp.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace ptc::bench {

// Where a figure comes from in a benchmark run.
enum class Figure {
  Time,     // seconds per iteration (manual time where the benchmark sets it)
  Rate,     // a rate counter (per second), higher is better
  Counter,  // a plain counter, lower is better (bytes per page, MiB)
};

// How the ratio reads.
enum class Ratio {
  Cost,     // the measure's cost over the baseline's: time / baseline time (1.0 = as fast as the baseline)
  Speedup,  // the measure over the baseline: baseline time / time, or rate / baseline rate
};

struct Goal {
  enum class On { Figure, Ratio } on = On::Ratio;
  bool at_most = true;  // figure/ratio <= value; else >= value
  double value = 0;
  std::string text(const std::string& unit) const;  // "ratio <= 1.5", "figure <= 0.5 ms"
  bool met(double figure, double ratio) const;
};

struct Measure {
  std::string name;           // stable: the JSON record's name, equal in quick and full runs
  std::string what;           // what is measured, with its size
  std::string bench;          // the benchmark giving the figure (its key: see run_key)
  std::string baseline;       // the benchmark giving the baseline; "" none (a figure goal alone: seconds to a find)
  std::string baseline_what;  // what the baseline is
  Figure figure = Figure::Time;
  std::string counter;        // Rate / Counter: the counter's name (both benchmarks, unless baseline_counter)
  // Rate / Counter: the baseline's counter when it differs ("" the same): a benchmark that measures both
  // back to back, so that a slow phase of the machine falls on both (fuzzbuild.fuzz_ops: two child
  // processes), names itself as the baseline and the baseline's counter here.
  std::string baseline_counter;
  std::string unit;           // the unit the figure is shown in: ms, us, GB/s, execs/s, B/page, MiB, s
  double scale = 1;           // figure in `unit` = raw value * scale
  Ratio ratio = Ratio::Cost;
  std::optional<Goal> goal;
  // Why the figure cannot be measured in this run ("" it can), e.g. the fuzz build's measures without a
  // fuzz build: the measure is still reported, as "not measured: WHY", never left out or made up. Its
  // benchmark still runs (one empty iteration), so that a filter selects or drops it as any other.
  std::string not_measured;
};

// One evaluated measure.
struct MeasureResult {
  const Measure* measure = nullptr;
  // Figure and baseline in the measure's unit. NaN where there is none: no baseline (baseline, ratio), not
  // measured (all three); a figure may be infinite (a broken target not found: no time to a find).
  double figure = 0, baseline = 0, ratio = 0;
  std::optional<bool> met;  // empty when the measure has no goal or was not measured
};

}  // namespace ptc::bench
