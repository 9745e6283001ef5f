// The measures of the suite: which benchmark gives each figure, which gives its baseline, and the goal
// of issue 6 where it states one.
#include <cstdio>
#include <string>

#include "bench/fuzz_build.h"
#include "bench/registration.h"
#include "bench/suite.h"

namespace ptc::bench {

unsigned concurrent_max_threads();  // concurrent_benchmarks.cpp

namespace {

Measure time_measure(std::string name, std::string what, std::string baseline, std::string baseline_what,
                     std::string unit, double scale) {
  Measure m;
  m.name = name;
  m.what = std::move(what);
  m.bench = std::move(name);
  m.baseline = std::move(baseline);
  m.baseline_what = std::move(baseline_what);
  m.figure = Figure::Time;
  m.unit = std::move(unit);
  m.scale = scale;
  return m;
}

Measure counter_measure(std::string name, std::string what, std::string bench, std::string baseline,
                        std::string baseline_what, Figure f, std::string counter, std::string unit, double scale,
                        Ratio ratio) {
  Measure m;
  m.name = std::move(name);
  m.what = std::move(what);
  m.bench = std::move(bench);
  m.baseline = std::move(baseline);
  m.baseline_what = std::move(baseline_what);
  m.figure = f;
  m.counter = std::move(counter);
  m.unit = std::move(unit);
  m.scale = scale;
  m.ratio = ratio;
  return m;
}

}  // namespace

std::vector<Measure> suite_measures(const SuiteOptions& o) {
  std::vector<Measure> out;
  const std::string dirty_size = o.quick ? "256 MiB" : "64 GiB";
  // Map and unmap of 1 GiB.
  for (const char* shape : {"4K", "2M", "1G"}) {
    const std::string s = shape;
    const std::string leaves = s == "4K" ? "262144 4K pages" : s == "2M" ? "512 2M blocks" : "one 1G block";
    const char* unit = s == "4K" ? "ms" : "us";
    const uint64_t leaf = s == "4K" ? 1ull << 12 : s == "2M" ? 1ull << 21 : 1ull << 30;
    const double scale = (s == "4K" ? 1e3 : 1e6) / double(ranges_per_timing(leaf));  // per GiB
    out.push_back(time_measure("map." + s, "map 1 GiB as " + leaves, "floor.map." + s,
                               "allocate+zero the same tables, store the same descriptors", unit, scale));
    out.push_back(time_measure("unmap." + s, "unmap 1 GiB of " + leaves, "floor.unmap." + s,
                               "zero the same descriptors, free the same tables", unit, scale));
  }
  Measure split = time_measure("split.1G", "split one 1 GiB block into 4K pages (bbml 2)", "floor.split.1G",
                               "allocate+zero 513 tables, store 262144 page descriptors", "ms", 1e3);
  split.goal = Goal{Goal::On::Figure, true, 0.5};
  out.push_back(split);
  out.push_back(time_measure("merge.1G", "merge 262144 4K pages back into a 1 GiB block", "floor.merge.1G",
                             "read 262144 descriptors, free 513 tables", "ms", 1e3));
  // Dirty tracking over 64 GiB of 4K leaves.
  for (const char* pct : {"0pct", "1pct", "100pct"}) {
    const std::string p = pct;
    const std::string share = p == "0pct" ? "0%" : p == "1pct" ? "1%" : "100%";
    Measure d = time_measure("dirty." + p, "read_and_clear_dirty over " + dirty_size + " of 4K leaves, " + share +
                                               " dirty, into the bitmap",
                             "read.descriptors", "sequential read of the same descriptor bytes", "ms", 1e3);
    if (p == "1pct") d.goal = Goal{Goal::On::Ratio, true, 1.5};
    out.push_back(d);
  }
  for (const char* pct : {"0pct", "1pct", "100pct"}) {
    const std::string p = pct;
    const std::string share = p == "0pct" ? "0%" : p == "1pct" ? "1%" : "100%";
    out.push_back(time_measure("unmap_dirty." + p,
                               "unmap_read_dirty of " + dirty_size + " of 4K leaves, " + share + " dirty",
                               "read.descriptors", "sequential read of the same descriptor bytes", "ms", 1e3));
  }
  out.push_back(counter_measure("memory.bytes_per_page", "bytes of tables per mapped 4K page (" + dirty_size + ")",
                                "dirty.1pct", "read.descriptors", "the descriptors alone in one array",
                                Figure::Counter, "bytes_per_page", "B/page", 1, Ratio::Cost));
  out.push_back(counter_measure("memory.rss", "resident MiB the " + dirty_size + " 4K mapping adds to the process", "dirty.1pct",
                                "read.descriptors", "the same for the descriptors alone in one array", Figure::Counter, "rss_mib",
                                "MiB", 1, Ratio::Cost));
  // The bitmap writer.
  out.push_back(counter_measure("bitmap.pages", "bitmap writer, one record per 4K page (" + dirty_size + ")",
                                "bitmap.pages", "floor.memset", "memset of the same bitmap bytes", Figure::Rate,
                                "bytes_per_second", "GB/s", 1e-9, Ratio::Cost));
  out.push_back(counter_measure("bitmap.runs", "bitmap writer, one record per 2 MiB (" + dirty_size + ")",
                                "bitmap.runs", "floor.memset", "memset of the same bitmap bytes", Figure::Rate,
                                "bytes_per_second", "GB/s", 1e-9, Ratio::Cost));
  // Against the reference model.
  Measure vs = time_measure("workload.vs_reference",
                            std::string(o.quick ? "16 Ki" : "1 Mi") + "-page map + dirty + device writes + dirty + unmap",
                            "workload.reference", "the reference model on the same workload", "ms", 1e3);
  vs.bench = "workload.table";
  vs.ratio = Ratio::Speedup;
  vs.goal = Goal{Goal::On::Ratio, false, 50};
  out.push_back(vs);
  // Concurrent map/unmap.
  for (unsigned t = 2; t <= concurrent_max_threads(); ++t) {
    Measure c = counter_measure("concurrent.threads_" + std::to_string(t),
                                "map+unmap of 512 pages on disjoint ranges, " + std::to_string(t) + " threads",
                                "concurrent.map_unmap/threads:" + std::to_string(t), "concurrent.map_unmap/threads:1",
                                "the same on 1 thread", Figure::Rate, "pages", "Mpages/s", 1e-6, Ratio::Speedup);
    if (t == 2) c.goal = Goal{Goal::On::Ratio, false, 1.8};
    out.push_back(c);
    out.push_back(counter_measure("concurrent.cpu_threads_" + std::to_string(t),
                                  "the same, pages per second of each thread's CPU time (1.0x: the threads do not slow each other)", c.bench, c.baseline,
                                  "the same on 1 thread", Figure::Rate, "pages_per_cpu_second", "Mpages/s", 1e-6,
                                  Ratio::Speedup));
    out.push_back(counter_measure("concurrent.vs_private_" + std::to_string(t),
                                  "the same on one shared table (1.0x: sharing the table costs nothing)", c.bench,
                                  "concurrent.map_unmap_private/threads:" + std::to_string(t),
                                  "each thread on a table and arena of its own (the machine's own scaling)",
                                  Figure::Rate, "pages", "Mpages/s", 1e-6, Ratio::Speedup));
  }
  // The harness.
  out.push_back(counter_measure("harness.fuzz_bitmap",
                                "fuzz_bitmap's per-input work (decode, windowed writer, checks) over its seed corpus",
                                "harness.fuzz_bitmap", "plain.fuzz_bitmap",
                                "plain_bitmap_record (a step per bit) over the same records", Figure::Rate, "execs",
                                "execs/s", 1, Ratio::Cost));
  out.push_back(counter_measure("harness.fuzz_ops", "fuzz_ops executions of the decoded seed corpus (differential runner)",
                                "harness.fuzz_ops", "alone.fuzz_ops", "the same programs on the table alone",
                                Figure::Rate, "execs", "execs/s", 1, Ratio::Cost));
  out.push_back(counter_measure("harness.scenarios", "corpora/scenarios through the differential runner",
                                "harness.scenarios", "alone.scenarios", "the same scripts on the table alone",
                                Figure::Rate, "scripts", "scripts/s", 1, Ratio::Cost));
  if (stress_built())
    out.push_back(counter_measure("harness.stress",
                                  "ptcheck stress: a real-thread history (3 CPU x 16 ops, 2 device threads), checked, "
                                  "and a sequence of 16 schedules",
                                  "harness.stress", "alone.stress", "the histories' CPU ops in call order on the table alone",
                                  Figure::Rate, "histories", "histories/s", 1, Ratio::Cost));
  if (proofs_built())
    out.push_back(time_measure("proofs.suite",
                               o.quick ? "the bbml 0 split obligations (Z3)" : "every Z3 obligation (ptcheck prove)",
                               "proofs.check",
                               o.quick ? "the bits.level-index proof" : "the obligations ptcheck check runs", "s", 1));
  add_fuzz_build_measures(o, &out);
  return out;
}

std::string Goal::text(const std::string& unit) const {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s %s %g%s%s", on == On::Figure ? "figure" : "ratio", at_most ? "<=" : ">=", value,
                on == On::Figure ? " " : "", on == On::Figure ? unit.c_str() : "");
  return buf;
}

bool Goal::met(double figure, double ratio) const {
  const double v = on == On::Figure ? figure : ratio;
  return at_most ? v <= value : v >= value;
}

}  // namespace ptc::bench
