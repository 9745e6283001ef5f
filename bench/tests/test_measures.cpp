// The measure table's arithmetic on synthetic Google Benchmark runs: which run is the figure and which
// the baseline, the ratio's direction for times, rates and sizes, goals, errors and the JSON record.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench/measure_collector.h"

namespace ptc::bench {
namespace {

using BenchRun = benchmark::BenchmarkReporter::Run;

BenchRun timed(const std::string& name, double cpu_seconds, int64_t iterations, const std::string& time_type = "") {
  BenchRun r;
  r.run_name.function_name = name;
  r.run_name.time_type = time_type;
  r.iterations = iterations;
  r.cpu_accumulated_time = cpu_seconds;
  r.real_accumulated_time = time_type.empty() ? 1000.0 : cpu_seconds;  // real time only counts when asked for
  return r;
}

BenchRun counted(const std::string& name, const std::string& counter, double value, const std::string& threads = "") {
  BenchRun r = timed(name, 1, 1);
  r.run_name.threads = threads;
  r.counters[counter] = benchmark::Counter(value);
  return r;
}

Measure time_measure(const std::string& bench, const std::string& baseline, Ratio ratio, std::optional<Goal> goal) {
  Measure m;
  m.name = bench;
  m.bench = bench;
  m.baseline = baseline;
  m.figure = Figure::Time;
  m.unit = "ms";
  m.scale = 1e3;
  m.ratio = ratio;
  m.goal = goal;
  return m;
}

Measure counter_measure(const std::string& name, const std::string& bench, const std::string& baseline, Figure f,
                        const std::string& counter, const std::string& unit, std::optional<Goal> goal) {
  Measure m;
  m.name = name;
  m.bench = bench;
  m.baseline = baseline;
  m.figure = f;
  m.counter = counter;
  m.unit = unit;
  m.goal = goal;
  return m;
}

// The printed table of `results`.
std::string table_text(const std::vector<MeasureResult>& results) {
  char* text = nullptr;
  size_t size = 0;
  std::FILE* f = open_memstream(&text, &size);
  print_measure_table(f, results, "m");
  std::fclose(f);
  const std::string table(text, size);
  std::free(text);
  return table;
}

TEST(Measures, TimeCostIsFigureOverBaselineInTheMeasuresUnit) {
  MeasureCollector c;
  c.ReportRuns({timed("dirty.1pct", 0.030, 10), timed("read.descriptors", 0.020, 10)});
  const std::vector<Measure> ms{time_measure("dirty.1pct", "read.descriptors", Ratio::Cost, Goal{Goal::On::Ratio, true, 1.5})};
  const auto r = c.evaluate(ms);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_DOUBLE_EQ(r[0].figure, 3.0);    // 3 ms per iteration
  EXPECT_DOUBLE_EQ(r[0].baseline, 2.0);
  EXPECT_DOUBLE_EQ(r[0].ratio, 1.5);
  ASSERT_TRUE(r[0].met.has_value());
  EXPECT_TRUE(*r[0].met);  // 1.5 <= 1.5
}

TEST(Measures, ManualTimeUsesTheReportedTimeNotCpu) {
  MeasureCollector c;
  BenchRun a = timed("split.1G", 0.004, 4, "manual_time");
  a.cpu_accumulated_time = 99;  // the loop's CPU time, restore work included: not the measure
  c.ReportRuns({a, timed("floor.split.1G", 0.002, 4, "manual_time")});
  const std::vector<Measure> ms{time_measure("split.1G", "floor.split.1G", Ratio::Cost, Goal{Goal::On::Figure, true, 0.5})};
  const auto r = c.evaluate(ms);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_DOUBLE_EQ(r[0].figure, 1.0);
  EXPECT_DOUBLE_EQ(r[0].ratio, 2.0);
  EXPECT_FALSE(*r[0].met);  // 1 ms > 0.5 ms
}

TEST(Measures, SpeedupOfTimesIsBaselineOverFigure) {
  MeasureCollector c;
  c.ReportRuns({timed("workload.table", 0.01, 1), timed("workload.reference", 0.4, 1)});
  const std::vector<Measure> ms{time_measure("workload.table", "workload.reference", Ratio::Speedup, Goal{Goal::On::Ratio, false, 50})};
  const auto r = c.evaluate(ms);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_DOUBLE_EQ(r[0].ratio, 40.0);
  EXPECT_FALSE(*r[0].met);
}

TEST(Measures, RatesCompareInverselyAndThreadFamiliesAreKeyedByThreads) {
  MeasureCollector c;
  c.ReportRuns({counted("concurrent.map_unmap", "pages", 1e6, "threads:1"),
                counted("concurrent.map_unmap", "pages", 1.9e6, "threads:2"),
                counted("harness.fuzz_ops", "execs", 500), counted("alone.fuzz_ops", "execs", 50000)});
  Measure speedup;
  speedup.name = "concurrent.threads_2";
  speedup.bench = "concurrent.map_unmap/threads:2";
  speedup.baseline = "concurrent.map_unmap/threads:1";
  speedup.figure = Figure::Rate;
  speedup.counter = "pages";
  speedup.scale = 1e-6;
  speedup.ratio = Ratio::Speedup;
  speedup.goal = Goal{Goal::On::Ratio, false, 1.8};
  Measure cost = speedup;
  cost.name = "harness.fuzz_ops";
  cost.bench = "harness.fuzz_ops";
  cost.baseline = "alone.fuzz_ops";
  cost.counter = "execs";
  cost.scale = 1;
  cost.ratio = Ratio::Cost;
  cost.goal.reset();
  const std::vector<Measure> ms{speedup, cost};
  const auto r = c.evaluate(ms);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_DOUBLE_EQ(r[0].figure, 1.9);
  EXPECT_NEAR(r[0].ratio, 1.9, 1e-12);
  EXPECT_TRUE(*r[0].met);
  EXPECT_DOUBLE_EQ(r[1].ratio, 100.0);  // the harness costs 100 times the table alone
  EXPECT_FALSE(r[1].met.has_value());
}

// Repetitions (reported one call each, as Google Benchmark does with interleaving, or together): the
// figure and the baseline are each the median of their runs, so one slow or fast run moves neither.
TEST(Measures, RepetitionsGiveTheirMedian) {
  MeasureCollector c;
  c.ReportRuns({timed("workload.table", 0.010, 1), timed("workload.table", 0.030, 1)});
  c.ReportRuns({timed("workload.reference", 0.6, 1)});
  c.ReportRuns({timed("workload.table", 0.012, 1), timed("workload.reference", 0.9, 1), timed("workload.reference", 0.7, 1)});
  const std::vector<Measure> ms{time_measure("workload.table", "workload.reference", Ratio::Speedup, std::nullopt)};
  const auto r = c.evaluate(ms);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_DOUBLE_EQ(r[0].figure, 12.0);     // median of 10, 30, 12 ms
  EXPECT_DOUBLE_EQ(r[0].baseline, 700.0);  // median of 600, 900, 700 ms
  EXPECT_NEAR(r[0].ratio, 700.0 / 12.0, 1e-9);
  // An even count takes the lower middle value.
  MeasureCollector even;
  even.ReportRuns({timed("workload.table", 0.010, 1), timed("workload.table", 0.030, 1),
                   timed("workload.reference", 0.5, 1)});
  EXPECT_DOUBLE_EQ(even.evaluate(ms).at(0).figure, 10.0);
}

TEST(Measures, AMissingOrFailedRunLeavesItsMeasuresOutAndIsReported) {
  MeasureCollector c;
  BenchRun failed = timed("split.1G", 1, 1);
  failed.error_occurred = true;
  failed.error_message = "split failed";
  c.ReportRuns({failed, timed("floor.split.1G", 1, 1)});
  const std::vector<Measure> ms{time_measure("split.1G", "floor.split.1G", Ratio::Cost, std::nullopt),
                                time_measure("merge.1G", "floor.merge.1G", Ratio::Cost, std::nullopt)};
  EXPECT_TRUE(c.evaluate(ms).empty());
  ASSERT_EQ(c.errors().size(), 1u);
  EXPECT_NE(c.errors()[0].find("split failed"), std::string::npos);
}

TEST(Measures, JsonRecordCarriesEveryField) {
  MeasureCollector c;
  c.ReportRuns({timed("dirty.1pct", 0.030, 10), timed("read.descriptors", 0.010, 10)});
  const std::vector<Measure> ms{time_measure("dirty.1pct", "read.descriptors", Ratio::Cost, Goal{Goal::On::Ratio, true, 1.5})};
  const std::string json = measures_json(c.evaluate(ms), "test machine", true);
  for (const char* field : {"\"name\": \"dirty.1pct\"", "\"figure\": 3,", "\"unit\": \"ms\"", "\"baseline\": 1,",
                            "\"ratio\": 3,", "\"goal\": \"ratio <= 1.5\"", "\"met\": false", "\"quick\": true"})
    EXPECT_NE(json.find(field), std::string::npos) << field << " in " << json;
}

// A measure without a baseline (seconds to a find): its figure and goal, no ratio; "-" in the table, null
// in the JSON.
TEST(Measures, AMeasureWithoutABaselineHasItsFigureAndGoalButNoRatio) {
  MeasureCollector c;
  c.ReportRuns({counted("fuzzbuild.finds", "fuzz/fuzz_ops/finds/direct_oob", 0.45)});
  const std::vector<Measure> ms{counter_measure("fuzzbuild.finds.fuzz_ops.direct_oob", "fuzzbuild.finds", "",
                                                Figure::Counter, "fuzz/fuzz_ops/finds/direct_oob", "s",
                                                Goal{Goal::On::Figure, true, 5})};
  const auto r = c.evaluate(ms);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_DOUBLE_EQ(r[0].figure, 0.45);
  EXPECT_TRUE(std::isnan(r[0].ratio));
  EXPECT_TRUE(*r[0].met);
  const std::string json = measures_json(r, "m", false);
  for (const char* field : {"\"figure\": 0.45,", "\"baseline\": null,", "\"baseline_what\": null,", "\"ratio\": null,",
                            "\"ratio_kind\": null,", "\"goal\": \"figure <= 5 s\"", "\"met\": true", "\"not_measured\": null"})
    EXPECT_NE(json.find(field), std::string::npos) << field << " in " << json;
  const std::string table = table_text(r);
  EXPECT_NE(table.find("fuzzbuild.finds.fuzz_ops.direct_oob         0.45 s                    -         -  figure <= 5 s  "),
            std::string::npos)
      << table;
  // Not found: an infinite figure misses its goal, and reads as null in the JSON.
  MeasureCollector missed;
  missed.ReportRuns({counted("fuzzbuild.finds", "fuzz/fuzz_ops/finds/direct_oob", 1.0 / 0.0)});
  const auto rm = missed.evaluate(ms);
  ASSERT_EQ(rm.size(), 1u);
  EXPECT_FALSE(*rm[0].met);
  EXPECT_NE(measures_json(rm, "m", false).find("\"figure\": null,"), std::string::npos);
}

// A benchmark that measures a figure and its baseline back to back gives both as counters of one run.
TEST(Measures, TheBaselineMayBeAnotherCounterOfTheSameRun) {
  MeasureCollector c;
  BenchRun both = counted("fuzzbuild.fuzz_ops", "execs", 1500);
  both.counters["alone_execs"] = benchmark::Counter(4500);
  c.ReportRuns({both});
  Measure m = counter_measure("fuzzbuild.fuzz_ops", "fuzzbuild.fuzz_ops", "fuzzbuild.fuzz_ops", Figure::Rate, "execs",
                              "execs/s", Goal{Goal::On::Ratio, true, 5});
  m.baseline_counter = "alone_execs";
  const std::vector<Measure> ms{m};
  const auto r = c.evaluate(ms);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_DOUBLE_EQ(r[0].figure, 1500.0);
  EXPECT_DOUBLE_EQ(r[0].baseline, 4500.0);
  EXPECT_DOUBLE_EQ(r[0].ratio, 3.0);  // the harness costs 3 times the table alone
  EXPECT_TRUE(*r[0].met);
}

// A measure that cannot be measured is reported as such when its benchmark ran (a filter selected it),
// with why, and left out like any other when it did not.
TEST(Measures, ANotMeasuredMeasureIsReportedWithWhy) {
  Measure m = counter_measure("fuzzbuild.fuzz_ops", "fuzzbuild.fuzz_ops", "fuzzbuild.alone.fuzz_ops" /* never ran */,
                              Figure::Rate, "execs", "execs/s", Goal{Goal::On::Ratio, true, 5});
  m.not_measured = "build the fuzz preset (cmake --preset fuzz && cmake --build --preset fuzz)";
  const std::vector<Measure> ms{m};
  EXPECT_TRUE(MeasureCollector().evaluate(ms).empty());
  MeasureCollector c;
  c.ReportRuns({timed("fuzzbuild.fuzz_ops", 0, 1)});
  const auto r = c.evaluate(ms);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_FALSE(r[0].met.has_value());
  const std::string json = measures_json(r, "m", true);
  for (const char* field : {"\"figure\": null,", "\"baseline\": null,", "\"ratio\": null,", "\"goal\": \"ratio <= 5\"",
                            "\"met\": null", "\"not_measured\": \"build the fuzz preset (cmake --preset fuzz && cmake --build --preset fuzz)\""})
    EXPECT_NE(json.find(field), std::string::npos) << field << " in " << json;
  const std::string table = table_text(r);
  EXPECT_NE(table.find("\nfuzzbuild.fuzz_ops       not measured: build the fuzz preset (cmake --preset fuzz && cmake "
                       "--build --preset fuzz)\n"),
            std::string::npos)
      << table;
}

}  // namespace
}  // namespace ptc::bench
