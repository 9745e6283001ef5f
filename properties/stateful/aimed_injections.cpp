#include "properties/stateful/aimed_injections.h"

#include <algorithm>
#include <map>

#include "core/runner/runner.h"

namespace ptc::props {

namespace {

namespace gen = rc::gen;

// The IOVA span a slot of `level` translates.
uint64_t slot_span(int level) { return kSize4K << (9 * (3 - level)); }

}  // namespace

std::vector<ObservedAccess> dry_run_accesses(const Model& m, const Op& op) {
  std::vector<ObservedAccess> seen;
  if (!m.target) return seen;
  const std::vector<Op> before = m.script();
  bool recording = false;
  RunOptions opts;
  opts.trace_events = 0;
  opts.observe_accesses = [&](size_t statement, const std::vector<AccessSite>& accesses) {
    if (!recording) return;
    for (size_t i = 0; i < accesses.size(); ++i)
      seen.push_back(ObservedAccess{statement, i + 1, accesses[i].read, accesses[i].level, accesses[i].slot_iova});
  };
  Session dry(m.cfg, m.target, opts);
  if (!dry.started()) return seen;
  for (const Op& s : before)
    if (!dry.step(s)) return {};  // the real run fails there already: nothing to aim at
  recording = true;
  dry.step(op);
  return seen;
}

std::vector<size_t> tightest_windows(const std::vector<ObservedAccess>& accesses) {
  const std::vector<size_t> windows = race_windows(accesses);
  int deepest = -1;
  for (size_t i : windows) deepest = std::max(deepest, accesses[i].level);
  // The last read of each slot at the deepest level (race_windows lists them last access first).
  std::map<uint64_t, size_t> last;
  for (size_t i : windows)
    if (accesses[i].level == deepest) last.emplace(accesses[i].slot_iova, i);
  std::vector<size_t> out;
  for (const auto& [slot, i] : last) out.push_back(i);
  return out;
}

rc::Gen<std::optional<Injection>> gen_aimed_injection(const Model& m, const Op& outer, uint64_t focus_lo,
                                                      uint64_t focus_hi) {
  return gen::exec([m, outer, focus_lo, focus_hi]() -> std::optional<Injection> {
    const std::vector<ObservedAccess> seen = dry_run_accesses(m, outer);
    const std::vector<size_t> tight = tightest_windows(seen), windows = race_windows(seen);
    std::vector<size_t> reads;
    for (size_t i = 0; i < seen.size(); ++i)
      if (seen[i].read) reads.push_back(i);
    // The tightest windows mostly, any window or any read now and then (a window race_windows
    // cannot see: the store that closes it is to another slot).
    using Pool = std::pair<unsigned, const std::vector<size_t>*>;
    std::vector<Pool> pools;
    for (const Pool& p : {Pool{6u, &tight}, Pool{2u, &windows}, Pool{1u, &reads}})
      if (!p.second->empty()) pools.push_back(p);
    if (pools.empty()) return std::nullopt;
    unsigned total = 0;
    for (const auto& p : pools) total += p.first;
    unsigned pick = *gen::inRange(0u, total);
    const std::vector<size_t>* pool = pools.back().second;
    for (const auto& [w, p] : pools) {
      if (pick < w) {
        pool = p;
        break;
      }
      pick -= w;
    }
    const ObservedAccess& a = seen[(*pool)[*gen::inRange<size_t>(0, pool->size())]];

    // The pages: the focus inside the slot's span, else the op's range inside it, else the slot's
    // first page; a table not linked yet (split or map building it off-line) translates nothing of
    // its own, so then the focus.
    const uint64_t op_lo = outer.iova & ~(kSize4K - 1), op_hi = std::max(op_lo + kSize4K, outer.iova + outer.size);
    uint64_t lo = focus_lo, hi = focus_hi;
    if (a.level >= 0 && a.level <= 3) {
      const uint64_t s_lo = a.slot_iova, s_hi = a.slot_iova + slot_span(a.level);
      lo = std::max(s_lo, focus_lo), hi = std::min(s_hi, focus_hi);
      if (lo >= hi) lo = std::max(s_lo, op_lo), hi = std::min(s_hi, op_hi);
      if (lo >= hi) lo = s_lo, hi = s_lo + kSize4K;
    }
    const uint64_t npages = std::max<uint64_t>(1, (hi - lo) / kSize4K);
    const uint64_t page = *gen::weightedOneOf<uint64_t>(
        {{3, gen::just(uint64_t(0))}, {1, gen::just(npages - 1)}, {1, gen::inRange<uint64_t>(0, npages)}});
    Op dev;
    dev.kind = OpKind::Dev;
    // A write dirties a clean leaf inside the window; a fill caches what the op is about to change.
    dev.dev = *gen::weightedElement<DevKind>({{6, DevKind::Write}, {2, DevKind::Fill}, {1, DevKind::Read}});
    dev.iova = lo + page * kSize4K;
    return Injection{a.access, dev};
  });
}

}  // namespace ptc::props
