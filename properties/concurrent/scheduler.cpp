#include "properties/concurrent/scheduler.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <variant>

#include "core/fmt.h"
#include "core/reference/reference_model.h"
#include "core/script/script.h"
#include "properties/concurrent/workload.h"

namespace ptc::conc {

namespace {

using ull = unsigned long long;

bool disjoint(const Op& x, const Op& y) {
  const uint64_t xs = x.kind == OpKind::Phys ? kSize4K : x.size, ys = y.kind == OpKind::Phys ? kSize4K : y.size;
  if (x.kind == OpKind::Flush || y.kind == OpKind::Flush) return true;
  return x.iova + xs <= y.iova || y.iova + ys <= x.iova;
}

Op dev_op(DevKind k, uint64_t iova) {
  Op op;
  op.kind = OpKind::Dev;
  op.dev = k;
  op.iova = iova;
  return op;
}

uint64_t page_in(Rng& rng, uint64_t iova, uint64_t size) {
  return (iova & ~(kSize4K - 1)) + rng.below(std::max<uint64_t>(1, size / kSize4K)) * kSize4K;
}

// Runs a script statement by statement; the session keeps the failure and the statements run.
void run_in(Session& s, const Script& script) {
  for (const Op& op : script.ops)
    if (!s.step(op)) return;
  s.finish();
}

// An op for a region in a given state, weighted towards what races there: installs into an empty
// region, splits and dirty reads of a block, merges of pages.
enum class RegionState { Empty, Block, Pages };

OpKind kind_for(Rng& rng, RegionState st) {
  const unsigned c = unsigned(rng.below(100));
  switch (st) {
    case RegionState::Empty: return c < 70 ? OpKind::Map : random_kind(rng, false);
    case RegionState::Block:
      return c < 30 ? OpKind::Split : c < 50 ? OpKind::UnmapDirty : c < 70 ? OpKind::Dirty : c < 80 ? OpKind::Unmap
             : c < 88 ? OpKind::Merge : random_kind(rng, false);
    case RegionState::Pages:
      return c < 30 ? OpKind::Merge : c < 50 ? OpKind::UnmapDirty : c < 70 ? OpKind::Dirty : c < 80 ? OpKind::Unmap
             : c < 88 ? OpKind::Split : random_kind(rng, false);
  }
  return OpKind::Map;
}

Op op_for(Rng& rng, const Region& r, RegionState st) {
  const Range g = rng.percent(60) ? Range{r.iova, kRegionSize} : random_range(rng, r);
  return make_op(rng, kind_for(rng, st), r, g);
}

// The ranges of region r a clearing read observes at the end: the whole region, or under contract=linux
// each run of mapped pages in it (whole leaves).
std::vector<Range> observed_ranges(const ReferenceModel& m, const Region& r) {
  switch (m.config().contract) {
    case Contract::Spec: return {Range{r.iova, kRegionSize}};
    case Contract::Linux: break;
  }
  std::vector<Range> runs;
  for (const RefLeaf& l : m.leaves_in(r.iova, kRegionSize)) {
    if (!runs.empty() && runs.back().iova + runs.back().size == l.iova)
      runs.back().size += l.size;
    else
      runs.push_back(Range{l.iova, l.size});
  }
  return runs;
}

}  // namespace

Sequence random_sequence(uint64_t seed, Contract contract) {
  Rng rng(seed);
  Sequence q;
  q.config = random_config(rng, /*allow_lazy=*/true);
  q.config.contract = contract;
  // The reference model after the prefix: under contract=linux only what the profile's caller would
  // issue is kept or drawn (SPEC 9), as the model says; under spec everything is.
  ReferenceModel m(q.config);
  auto issued = [&](const Op& op) { return m.outside_contract(op).empty(); };
  const std::vector<Region> regions = random_regions(rng, q.config, 2 + rng.below(2));
  std::vector<RegionState> state(regions.size(), RegionState::Empty);
  // A fresh table a quarter of the time (two ops race to install the first tables); else a prefix
  // maps each region (a block, or some pages), perhaps splits it, makes it clean, caches some of it.
  const bool fresh = rng.percent(25);
  for (size_t i = 0; i < regions.size() && !fresh; ++i) {
    const Region& r = regions[i];
    const unsigned c = unsigned(rng.below(100));
    if (c >= 80) continue;
    const Range g = c < 55 ? Range{r.iova, kRegionSize} : random_range(rng, r);
    Op map = make_op(rng, OpKind::Map, r, g);
    map.prot = PTC_PROT_READ | PTC_PROT_WRITE;
    auto keep = [&](const Op& op) {
      if (!issued(op)) return;
      m.apply(op, nullptr);
      q.prefix.push_back(op);
    };
    keep(map);
    state[i] = c < 55 && map.paddr % kSize2M == 0 ? RegionState::Block : RegionState::Pages;
    if (rng.percent(40)) {
      keep(make_op(rng, OpKind::Split, r, {r.iova, kRegionSize}));
      state[i] = RegionState::Pages;
    }
    if (rng.percent(65)) {
      Op d = make_op(rng, OpKind::Dirty, r, {r.iova, kRegionSize});
      d.noclear = false;
      keep(d);
    }
    for (unsigned n = unsigned(rng.below(3)); n > 0; --n)
      q.prefix.push_back(dev_op(DevKind::Fill, page_in(rng, g.iova, g.size)));
  }
  // A and B, on disjoint ranges.
  const size_t ia = rng.below(regions.size());
  const Region& ra = regions[ia];
  q.a = op_for(rng, ra, state[ia]);
  for (int tries = 0; tries < 16 && !issued(q.a); ++tries) q.a = op_for(rng, ra, state[ia]);
  if (!issued(q.a)) q.a = make_op(rng, OpKind::Phys, ra, {ra.iova, kSize4K});  // any caller may ask iova_to_phys
  if (rng.percent(fresh ? 100 : 75)) {
    for (int tries = 0; tries < 8; ++tries) {
      const size_t ib = rng.percent(40) ? ia : rng.below(regions.size());
      Op b = fresh ? make_op(rng, OpKind::Map, regions[ib], random_range(rng, regions[ib]))
                   : rng.percent(10) && q.config.lazy ? make_op(rng, OpKind::Flush, regions[ib], {})
                                                       : op_for(rng, regions[ib], state[ib]);
      if (disjoint(q.a, b) && issued(b)) {
        q.b = b;
        break;
      }
    }
  }
  // Device actions, mostly in A's range.
  for (unsigned i = 1 + rng.below(3); i > 0; --i) {
    const unsigned where = unsigned(rng.below(100));
    uint64_t a;
    if (where < 65 || !q.b)
      a = page_in(rng, q.a.iova, q.a.kind == OpKind::Phys ? kSize4K : q.a.size);
    else if (where < 90)
      a = page_in(rng, q.b->iova, q.b->kind == OpKind::Phys || q.b->kind == OpKind::Flush ? kSize4K : q.b->size);
    else
      a = page_in(rng, regions[rng.below(regions.size())].iova, kRegionSize);
    if (a == 0) a = ra.iova;
    const unsigned k = unsigned(rng.below(100));
    q.device.push_back(dev_op(k < 50 ? DevKind::Write : k < 70 ? DevKind::Fill : k < 85 ? DevKind::Read : DevKind::Evict, a));
  }
  // Suffix: observe, with a clearing read of every region (under linux, of every run of mapped pages
  // the region has after A and B, which the profile's caller reads area by area).
  if (contract == Contract::Linux) {
    m.apply(q.a, nullptr);
    if (q.b) m.apply(*q.b, nullptr);
  }
  for (const Region& r : regions) {
    for (const Range& g : observed_ranges(m, r)) {
      Op d = make_op(rng, OpKind::Dirty, r, g);
      d.noclear = false;
      q.suffix.push_back(d);
    }
  }
  for (const Op& d : q.device) q.suffix.push_back(dev_op(DevKind::Read, d.iova));
  return q;
}

Script schedule_script(const Sequence& seq, const Schedule& sch) {
  Script s;
  s.config = seq.config;
  s.has_config = true;
  s.ops = seq.prefix;
  const bool b_outer = sch.b_outer && seq.b;
  Op outer = b_outer ? *seq.b : seq.a;
  std::vector<Injection> inj;
  if (seq.b) inj.push_back(Injection{sch.inner_at, b_outer ? seq.a : *seq.b});
  for (size_t i = 0; i < seq.device.size(); ++i)
    inj.push_back(Injection{i < sch.device_at.size() ? sch.device_at[i] : 0, seq.device[i]});
  std::stable_sort(inj.begin(), inj.end(),
                   [](const Injection& x, const Injection& y) { return x.after_access < y.after_access; });
  outer.inject = std::move(inj);
  s.ops.push_back(std::move(outer));
  s.ops.insert(s.ops.end(), seq.suffix.begin(), seq.suffix.end());
  return s;
}

std::optional<SchedFailure> explore_sequence(const ptc_target_ops* target, uint64_t seed, const SchedOptions& o,
                                             SchedStats* stats) {
  return explore_schedules(target, random_sequence(seed, o.contract), seed, o, stats);
}

std::optional<SchedFailure> explore_schedules(const ptc_target_ops* target, const Sequence& seq, uint64_t seed,
                                              const SchedOptions& o, SchedStats* stats) {
  ++stats->sequences;
  RunOptions ro;
  ro.replay_args = o.replay_args;
  ro.watch = o.watch;
  // Events are read only in a failing schedule's trace: the schedules run without the event log, and
  // one that fails runs again with it (as run_script does; issue 17: formatting events nobody read was
  // a tenth of a sequence).
  RunOptions traced = ro;
  ro.event_log = false;

  // The outer op's accesses when it runs alone (with the prefix before it): the range of N.
  uint64_t accesses[2] = {0, 0};
  for (int outer = 0; outer < (seq.b ? 2 : 1); ++outer) {
    Session solo(seq.config, target, ro);
    if (!solo.started()) return std::nullopt;  // the target refuses this config
    bool ok = true;
    for (const Op& op : seq.prefix) ok = ok && solo.step(op);
    if (ok) solo.step(outer ? *seq.b : seq.a);
    accesses[outer] = solo.last_op_accesses();
  }

  for (unsigned s = 0; s < o.schedules; ++s) {
    Rng rng(derive_seed(seed, 1000 + s));
    Schedule sch;
    sch.b_outer = seq.b && rng.percent(50);
    const uint64_t k = accesses[sch.b_outer ? 1 : 0];
    // The inner op walks every point of a short outer op in turn, and the first device action every
    // point (and right after the op returns, k + 1) in reverse; the rest are random.
    sch.inner_at = s <= k ? s : rng.below(k + 1);
    for (size_t i = 0; i < seq.device.size(); ++i)
      sch.device_at.push_back(i == 0 && s <= k + 1 ? k + 1 - s : rng.below(k + 2));
    const Script script = schedule_script(seq, sch);
    const std::string name = fmt("sched-%llu-%u.ops", ull(seed), s);
    Session run(seq.config, target, ro, o.out_dir.empty() ? name : o.out_dir + "/" + name);
    run_in(run, script);
    ++stats->schedules;
    stats->statements += run.statements();
    if (!run.failure()) continue;

    SchedFailure f;
    f.seed = seed;
    f.schedule = s;
    f.failure = *run.failure();
    Session again(seq.config, target, traced, run.script().file);
    run_in(again, script);
    // The same oracle at the same statement (not the same words: they may name a table's address).
    if (again.failure() && again.failure()->signature == f.failure.signature && again.failure()->line == f.failure.line)
      f.failure = *again.failure();
    else
      f.failure.trace += "  (no events: the schedule run again with the event log on " +
                         std::string(again.failure() ? "failed otherwise: " + again.failure()->signature : "passed") +
                         "; the target does not behave the same on every run)\n";
    Script failing = run.script();
    failing.file = run.script().file;
    std::string text = fmt("# A failing schedule found by ptcheck's deterministic scheduler: sequence seed %llu, "
                           "schedule %u,\n# target %s; fails with %s.\n# replay: ptcheck run %s%s\n",
                           ull(seed), s, target->name ? target->name : "?", f.failure.signature.c_str(),
                           failing.file.c_str(), o.replay_args.empty() ? "" : (" " + o.replay_args).c_str());
    text += print_script(failing);
    f.script = text;
    if (!o.out_dir.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(o.out_dir, ec);
      std::ofstream out(failing.file);
      out << text;
      if (out) f.path = failing.file;
    }
    // The proof that the schedule is the script: parse the text back and run it again.
    auto parsed = parse_script(text, failing.file);
    if (auto* sc = std::get_if<Script>(&parsed)) {
      const RunResult rr = run_script(*sc, target, ro);
      f.replay_result = rr.failure ? rr.failure->signature : "holds";
      f.replayed_same = rr.failure && rr.failure->oracle == f.failure.oracle;
    } else {
      f.replay_result = "does not parse: " + std::get<ParseError>(parsed).str();
    }
    f.report = fmt("ptcheck stress: FAIL %s in a deterministic schedule (sequence seed %llu, schedule %u)\n",
                   oracle_name(f.failure.oracle), ull(seed), s) +
               f.failure.trace +
               fmt("  the schedule as a script%s%s; replayed through run_script: %s (%s)\n",
                   f.path.empty() ? "" : ": ", f.path.c_str(), f.replayed_same ? "same oracle" : "DIFFERENT",
                   f.replay_result.c_str());
    if (f.path.empty()) f.report += text;
    return f;
  }
  return std::nullopt;
}

}  // namespace ptc::conc
