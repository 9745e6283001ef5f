#include "properties/stateful/invariants.h"

#include <cerrno>
#include <memory>
#include <string>
#include <vector>

#include <rapidcheck.h>

#include "core/fmt.h"
#include "core/script/script.h"
#include "properties/stateful/failure_report.h"
#include "properties/stateful/generators.h"
#include "properties/stateful/model.h"
#include "properties/stateful/target_probe.h"

namespace ptc::props {

namespace {

namespace gen = rc::gen;
using ull = unsigned long long;

Op make_op(OpKind k, uint64_t iova = 0, uint64_t size = 0) {
  Op op;
  op.kind = k;
  op.iova = iova;
  op.size = size;
  return op;
}

Op dirty_read(uint64_t iova, uint64_t size, bool noclear) {
  Op op = make_op(OpKind::Dirty, iova, size);
  op.noclear = noclear;
  return op;
}

Op device(DevKind d, uint64_t iova) {
  Op op = make_op(OpKind::Dev, iova);
  op.dev = d;
  return op;
}

std::string pages_text(const IntervalSet& s) {
  std::string t = "{";
  for (auto [lo, hi] : s.ranges()) t += (t.size() > 1 ? ", " : "") + print_addr(lo) + "+" + print_size(hi - lo);
  return t + "}";
}

Config with_contract(Config c, Contract contract) {
  c.contract = contract;
  return c;
}

// One case of an invariant: a generated config, a generated setup sequence run on one or more
// probes of the target, and the failure report (the invariant's name, what broke, the statements
// as an .ops script).
class InvariantCase {
 public:
  InvariantCase(const PropertyContext& ctx, const char* name, const rc::Gen<Config>& configs, int probes = 1)
      : ctx_(ctx), name_(name), model_(with_contract(*configs, ctx.contract), ctx.target) {
    for (int i = 0; i < probes; ++i) {
      probes_.push_back(std::make_unique<TargetProbe>(model_.cfg, ctx.target, ctx.watch));
      RC_PRE(probes_.back()->started());  // the target refuses this config
    }
  }

  TargetProbe& probe(int i = 0) { return *probes_[size_t(i)]; }
  const Model& model() const { return model_; }
  const Config& config() const { return model_.cfg; }

  // A generated sequence of statements (no injections: invariants are sequential), run on every probe.
  void setup() {
    const int n = *gen::inRange(0, 10);
    for (int i = 0; i < n; ++i) {
      const OpKind k = *gen::weightedElement<OpKind>({{6, OpKind::Map},
                                                      {3, OpKind::Dev},
                                                      {2, OpKind::Dirty},
                                                      {2, OpKind::Split},
                                                      {1, OpKind::Merge},
                                                      {1, OpKind::Unmap},
                                                      {1, OpKind::UnmapDirty}});
      const Op op = *gen_op(model_, k);
      if (!model_.affordable(op) || !model_.issues(op)) continue;
      run_all(op);
    }
  }

  // Runs op on every probe (twins stay twins); the first probe's result. An op the caller would not
  // issue (not offered, outside the contract profile) makes the case one that does not apply.
  ProbeResult run_all(const Op& op) {
    RC_PRE(model_.issues(op));
    ProbeResult first;
    for (size_t i = 0; i < probes_.size(); ++i) {
      ProbeResult r = probes_[i]->run(op);
      if (i == 0) first = std::move(r);
      check_hardware(*probes_[i]);
    }
    model_.apply(op);
    return first;
  }

  // A valid range (aligned, non-empty, inside the IAS) biased as the stateful commands' ranges.
  Range valid_range() {
    const Range r = *gen_range(model_);
    RC_PRE(model_.ref->valid_range(r.iova, r.size));
    return r;
  }

  // The simulated SMMU raised an oracle while the target ran (a use-after-free, double free, ...).
  void check_hardware(TargetProbe& p) {
    if (const auto& v = p.violation())
      fail(p, fmt("the simulated SMMU raised %s: %s", oracle_name(v->oracle), v->message.c_str()));
  }

  void expect(bool holds, const std::string& what, int probe_index = 0) {
    if (!holds) fail(probe(probe_index), what);
  }

  [[noreturn]] void fail(TargetProbe& p, const std::string& what) {
    const std::string head = "invariant " + name_ + " violated: " + what;
    const std::string files = write_reproducer(
        ctx_, name_, p.script(),
        head + "\n(the script replays the statements; the invariant itself is checked by the property)");
    RC_FAIL(head + "\n  statements:\n" + print_script(p.script()) + files);
  }

 private:
  const PropertyContext& ctx_;
  std::string name_;
  Model model_;
  std::vector<std::unique_ptr<TargetProbe>> probes_;
};

// The parts of R that leaves sticking out of R cover (they are reported, never cleaned).
IntervalSet straddling_dirty(const std::vector<HwLeaf>& leaves, const Range& r) {
  IntervalSet s;
  for (const HwLeaf& l : leaves)
    if (l.writable && l.dirty && (l.iova < r.iova || l.iova + l.size > r.iova + r.size))
      s.add(std::max(l.iova, r.iova), std::min(l.iova + l.size, r.iova + r.size));
  return s;
}

}  // namespace

void split_then_merge_restores_leaves(const PropertyContext& ctx) {
  InvariantCase c(ctx, "split_then_merge_restores_leaves", gen::map(gen_config(), [](Config cfg) {
                    if (cfg.bbml == 0) cfg.bbml = 2;  // split and merge need BBML
                    return cfg;
                  }));
  c.setup();
  // One or two 2M regions (a 1G block splits into a quarter million pages: too slow for a case).
  const uint64_t base = *gen_iova(c.model()) & ~(kSize2M - 1);
  const Range r{base, kSize2M * *gen::element<uint64_t>(1, 2)};
  RC_PRE(c.model().ref->valid_range(r.iova, r.size));
  for (const HwLeaf& l : c.probe().leaves(r.iova, r.size)) RC_PRE(l.iova >= r.iova && l.iova + l.size <= r.iova + r.size);

  const int64_t m1 = c.run_all(make_op(OpKind::Merge, r.iova, r.size)).ret;
  c.expect(m1 == 0, fmt("merge 0x%llx returned %lld; an aligned merge at bbml %u returns 0", ull(r.iova), (long long)m1,
                        c.config().bbml));
  const std::vector<HwLeaf> merged = c.probe().leaves(r.iova, r.size);
  const int64_t s = c.run_all(make_op(OpKind::Split, r.iova, r.size)).ret;
  c.expect(s == 0, fmt("split returned %lld over whole blocks", (long long)s));
  // Every block became pages with its addresses, permission and dirty state.
  std::vector<HwLeaf> want_pages;
  for (const HwLeaf& l : merged)
    for (uint64_t off = 0; off < l.size; off += kSize4K) {
      HwLeaf p = l;
      p.iova += off;
      p.pa += off;
      p.size = kSize4K;
      want_pages.push_back(p);
    }
  const std::vector<HwLeaf> split = c.probe().leaves(r.iova, r.size);
  c.expect(describe(split) == describe(want_pages),
           "after split the leaves are\n" + describe(split) + "instead of the blocks' pages\n" + describe(want_pages));
  c.run_all(make_op(OpKind::Merge, r.iova, r.size));
  const std::vector<HwLeaf> again = c.probe().leaves(r.iova, r.size);
  c.expect(describe(again) == describe(merged),
           "merge after split gives\n" + describe(again) + "where the first merge gave\n" + describe(merged));
}

void clearing_read_twice_records_nothing(const PropertyContext& ctx) {
  InvariantCase c(ctx, "clearing_read_twice_records_nothing", gen_config_with_hw_dirty());
  c.setup();
  const Range r = c.valid_range();
  const IntervalSet sticking_out = straddling_dirty(c.probe().leaves(r.iova, r.size), r);
  c.run_all(dirty_read(r.iova, r.size, false));
  const ProbeResult second = c.run_all(dirty_read(r.iova, r.size, false));
  const auto extra = second.records.first_not_in(sticking_out);
  c.expect(!extra, fmt("the second clearing read of [0x%llx+0x%llx) with no write between recorded page 0x%llx "
                       "(it recorded %s; only dirty leaves sticking out of the range, %s, may be recorded again)",
                       ull(r.iova), ull(r.size), ull(extra.value_or(0)), pages_text(second.records).c_str(),
                       pages_text(sticking_out).c_str()));
}

void no_clear_read_is_idempotent(const PropertyContext& ctx) {
  InvariantCase c(ctx, "no_clear_read_is_idempotent", gen_config_with_hw_dirty());
  c.setup();
  const Range r = c.valid_range();
  const std::string before = describe(c.probe().leaves());
  const ProbeResult first = c.run_all(dirty_read(r.iova, r.size, true));
  const std::string after = describe(c.probe().leaves());
  c.expect(after == before, "a NO_CLEAR read changed the leaves from\n" + before + "to\n" + after);
  const ProbeResult second = c.run_all(dirty_read(r.iova, r.size, true));
  c.expect(second.records.ranges() == first.records.ranges(),
           "two NO_CLEAR reads recorded " + pages_text(first.records) + " then " + pages_text(second.records));
  const ProbeResult clearing = c.run_all(dirty_read(r.iova, r.size, false));
  c.expect(clearing.records.ranges() == first.records.ranges(),
           "the NO_CLEAR read recorded " + pages_text(first.records) + " but the clearing read after it recorded " +
               pages_text(clearing.records));
}

void unmap_read_dirty_is_clearing_read_then_unmap(const PropertyContext& ctx) {
  // Twin probes with the same history: one runs unmap_read_dirty, the other a clearing read and unmap.
  InvariantCase c(ctx, "unmap_read_dirty_is_clearing_read_then_unmap", gen_config_with_hw_dirty(), 2);
  c.setup();
  const Range r = c.valid_range();
  const ProbeResult both = c.probe(0).run(make_op(OpKind::UnmapDirty, r.iova, r.size));
  c.check_hardware(c.probe(0));
  const ProbeResult read = c.probe(1).run(dirty_read(r.iova, r.size, false));
  const ProbeResult unmapped = c.probe(1).run(make_op(OpKind::Unmap, r.iova, r.size));
  c.check_hardware(c.probe(1));
  c.expect(both.ret == unmapped.ret, fmt("unmap_read_dirty returned %lld; read_and_clear then unmap returned %lld",
                                         (long long)both.ret, (long long)unmapped.ret));
  if (both.ret < 0) {
    c.expect(both.records.empty(), "unmap_read_dirty failed with " + std::to_string(both.ret) + " but recorded " +
                                       pages_text(both.records));
    return;
  }
  c.expect(both.records.ranges() == read.records.ranges(),
           "unmap_read_dirty recorded " + pages_text(both.records) + "; read_and_clear before unmap recorded " +
               pages_text(read.records));
  const std::string a = describe(c.probe(0).leaves()), b = describe(c.probe(1).leaves());
  c.expect(a == b, "after unmap_read_dirty the leaves are\n" + a + "after read_and_clear and unmap\n" + b);
}

void write_after_clearing_read_is_recorded(const PropertyContext& ctx) {
  InvariantCase c(ctx, "write_after_clearing_read_is_recorded", gen_config_with_hw_dirty());
  c.setup();
  auto writable_leaves = [&c] {
    std::vector<HwLeaf> w;
    for (const HwLeaf& l : c.probe().leaves())
      if (l.writable && l.af) w.push_back(l);
    return w;
  };
  std::vector<HwLeaf> writable = writable_leaves();
  if (writable.empty()) {  // a writable mapping to write through
    Op map = *gen_op(c.model(), OpKind::Map);
    map.prot = PTC_PROT_READ | PTC_PROT_WRITE;
    if (c.model().affordable(map)) c.run_all(map);
    writable = writable_leaves();
  }
  RC_PRE(!writable.empty());
  const HwLeaf leaf = *gen::elementOf(writable);
  const uint64_t page = leaf.iova + *gen::inRange<uint64_t>(0, leaf.size / kSize4K) * kSize4K;
  // The read covers the page: its leaf, the page alone, its 2M region, or the whole IAS.
  const uint64_t top = 1ull << c.config().ias;
  const Range r = *gen::element(Range{leaf.iova, leaf.size}, Range{page, kSize4K},
                                Range{page & ~(kSize2M - 1), std::min(kSize2M, top - (page & ~(kSize2M - 1)))},
                                Range{0, top});
  // The hardware may have cached the translation before the read (it may walk at any moment).
  if (*gen::weightedElement<bool>({{3, true}, {1, false}})) c.run_all(device(DevKind::Fill, page));
  c.run_all(dirty_read(r.iova, r.size, false));
  const ProbeResult w = c.run_all(device(DevKind::Write, page));
  c.expect(w.ret >= 0, fmt("the device write to 0x%llx faulted: the leaf is writable", ull(page)));
  const ProbeResult next = c.run_all(dirty_read(r.iova, r.size, false));
  c.expect(next.records.contains(page),
           fmt("a device write to 0x%llx completed after a clearing read of [0x%llx+0x%llx) returned; the next "
               "clearing read recorded %s, without that page",
               ull(page), ull(r.iova), ull(r.size), pages_text(next.records).c_str()));
}

void iova_to_phys_agrees_with_the_walk(const PropertyContext& ctx) {
  InvariantCase c(ctx, "iova_to_phys_agrees_with_the_walk", gen_config());
  c.setup();
  const uint64_t top = 1ull << c.config().ias;
  std::vector<uint64_t> probes = {0, top - kSize4K, top - 1};
  const std::vector<HwLeaf> leaves = c.probe().leaves();
  for (size_t i = 0; i < leaves.size() && i < 64; ++i) {
    const HwLeaf& l = leaves[i];
    for (uint64_t a : {l.iova, l.iova + l.size - 1, l.iova + l.size / 2 + 0x123, l.iova + l.size}) probes.push_back(a);
  }
  for (int i = 0; i < 8; ++i) probes.push_back(*gen_iova(c.model()) + *gen::element<uint64_t>(0, uint64_t(0x7f8)));
  for (uint64_t a : probes) {
    if (a >= top) continue;
    const std::vector<HwLeaf> at = c.probe().leaves(a & ~(kSize4K - 1), kSize4K);
    const bool translates = !at.empty() && at[0].af;
    const uint64_t walk = translates ? at[0].pa + (a - at[0].iova) : 0;
    const uint64_t got = c.probe().iova_to_phys(a);
    c.expect(got == walk, fmt("iova_to_phys(0x%llx) = 0x%llx, but the SMMU's walk %s", ull(a), ull(got),
                              translates ? fmt("translates it to 0x%llx", ull(walk)).c_str()
                              : at.empty() ? "finds no leaf"
                                           : "faults (the leaf has AF=0)"));
  }
}

void map_unmap_round_trip_frees_every_table(const PropertyContext& ctx) {
  InvariantCase c(ctx, "map_unmap_round_trip_frees_every_table", gen_config());
  std::vector<Op> mapped;
  const int n = *gen::inRange(1, 7);
  for (int i = 0; i < n; ++i) {
    const Op op = *gen_op(c.model(), OpKind::Map);
    if (!c.model().affordable(op) || !c.model().issues(op)) continue;
    if (c.run_all(op).ret == 0) mapped.push_back(op);
  }
  for (const Op& m : mapped) c.run_all(make_op(OpKind::Unmap, m.iova, m.size));
  const uint64_t top = 1ull << c.config().ias;
  // The whole IAS at once where the profile's caller would (contract=linux unmaps what it mapped).
  if (const Op all = make_op(OpKind::Unmap, 0, top); c.model().issues(all)) c.run_all(all);
  if (const Op flush = make_op(OpKind::Flush); c.model().issues(flush)) c.run_all(flush);
  const std::string left = describe(c.probe().leaves());
  c.expect(c.probe().leaves().empty(), "after unmapping the whole IAS the hardware still walks\n" + left);
  for (const Op& m : mapped)
    c.expect(c.probe().iova_to_phys(m.iova) == 0, fmt("iova_to_phys(0x%llx) is not 0 after unmap", ull(m.iova)));
  // Strict: an unmap frees the tables wholly inside its range once invalidated, so with the whole IAS
  // unmapped only the root is left. (Lazy mode may keep empty tables until destroy; so may a table
  // under contract=linux, whose callers never unmap the whole IAS and do not require it.)
  if (!c.config().lazy && c.config().contract == Contract::Spec)
    c.expect(c.probe().live_tables() == 1,
             fmt("%zu tables are still allocated after the whole IAS was unmapped; only the root should be",
                 c.probe().live_tables()));
  if (!c.probe().destroy())
    c.fail(c.probe(), fmt("destroy after the round trip: %s", c.probe().violation()->message.c_str()));
}

void failed_op_changes_nothing(const PropertyContext& ctx) {
  InvariantCase c(ctx, "failed_op_changes_nothing", gen_config());
  c.setup();
  const std::string before = describe(c.probe().leaves());
  Op fail = make_op(OpKind::FailAlloc);
  fail.fail_index = *gen::inRange<uint64_t>(1, 9);
  c.run_all(fail);
  // An op that allocates several tables, so the failing allocation can come after some work: a map
  // across 2M boundaries (pages when the output is not as aligned), or a split.
  Op op = *gen_op(c.model(), *gen::weightedElement<OpKind>({{3, OpKind::Map}, {1, OpKind::Split}}));
  if (op.kind == OpKind::Map && *gen::element(true, false))
    op.size = kSize2M * *gen::inRange<uint64_t>(1, 5) + kSize4K * *gen::inRange<uint64_t>(0, 3);
  RC_PRE(c.model().affordable(op));
  const ProbeResult r = c.run_all(op);
  RC_CLASSIFY(r.ret == -ENOMEM, "failed with -ENOMEM");
  if (r.ret != -ENOMEM) return;
  const std::string after = describe(c.probe().leaves());
  c.expect(after == before, "`" + print_statement(op) + "` failed with -ENOMEM but changed the leaves from\n" + before +
                                "to\n" + after);
}

void unmap_removes_exactly_its_range(const PropertyContext& ctx) {
  InvariantCase c(ctx, "unmap_removes_exactly_its_range", gen_config());
  c.setup();
  const Range r = c.valid_range();
  const std::vector<HwLeaf> before = c.probe().leaves();
  std::vector<HwLeaf> kept;
  uint64_t inside = 0;
  bool cuts = false;
  for (const HwLeaf& l : before) {
    const bool in = l.iova >= r.iova && l.iova + l.size <= r.iova + r.size;
    const bool overlaps = l.iova < r.iova + r.size && r.iova < l.iova + l.size;
    cuts |= overlaps && !in;
    if (in)
      inside += l.size;
    else
      kept.push_back(l);
  }
  const int64_t got = c.run_all(make_op(OpKind::Unmap, r.iova, r.size)).ret;
  const std::string after = describe(c.probe().leaves());
  if (cuts) {
    c.expect(got == -EINVAL, fmt("unmap [0x%llx+0x%llx) cuts a leaf but returned %lld, not -EINVAL", ull(r.iova),
                                 ull(r.size), (long long)got));
    c.expect(after == describe(before), "unmap failed with -EINVAL but changed the leaves to\n" + after);
    return;
  }
  c.expect(got == int64_t(inside), fmt("unmap [0x%llx+0x%llx) returned %lld; the leaves inside it hold %llu bytes",
                                       ull(r.iova), ull(r.size), (long long)got, ull(inside)));
  c.expect(after == describe(kept), "after unmap the leaves are\n" + after + "instead of\n" + describe(kept));
}

}  // namespace ptc::props
