#include "properties/concurrent/threaded.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/ops/target_call.h"
#include "properties/concurrent/contract_gate.h"
#include "core/fmt.h"
#include "core/runner/runner.h"
#include "core/script/script.h"
#include "properties/concurrent/locked_smmu.h"
#include "properties/concurrent/workload.h"

namespace ptc::conc {

namespace {

using ull = unsigned long long;

struct Planned {
  Op op;
  size_t region = 0;
  unsigned first_chunk = 0, last_chunk = 0;  // the chunk locks it holds (none for flush)
  // Opens no pause windows and draws no device action to its range: the clean step right before a
  // merge, so that the merge starts from clean pages and the device's first write to one of them
  // lands in a window the merge opened (a write during the clean would dirty a page and hide it).
  bool quiet = false;
  // Under contract=linux, what to issue when the profile's caller would not issue `op` then: the same
  // range mapped instead of unmapped or read, or unmapped instead of mapped (a chain step has none).
  std::optional<Op> instead;
};

struct PageSink {
  IntervalSet* pages;
  uint64_t lo, hi;
  static void record(void* ctx, uint64_t iova, uint64_t len) {
    auto* s = static_cast<PageSink*>(ctx);
    add_record_pages(*s->pages, iova, len, s->lo, s->hi);
  }
};

// Runs one target op, filling h.result (and h.pages for the dirty ops).
void call_target(const ptc_target_ops* t, struct ptc_target* tgt, HistOp& h) {
  const Op& op = h.op;
  PageSink sink{&h.pages, op.iova, op.iova + op.size};
  const ptc_dirty dirty{&sink, &PageSink::record};
  h.result = call_target_op(t, tgt, op, &dirty);
}

// The workload never sends the target an operation it does not offer (SPEC 6): such a kind is drawn
// again, and a chain that needs one is not started.
std::vector<std::vector<Planned>> plan(Rng& rng, const std::vector<Region>& regions, const ThreadedOptions& o,
                                       const ptc_target_ops* target) {
  // What keeps to a profile's caller guarantees is decided when the op is issued (ContractGate); here
  // only the alternative is drawn, and only under linux, so that spec workloads stay as they were.
  auto instead = [&](const Op& op, const Region& r, const Range& g) -> std::optional<Op> {
    if (o.contract == Contract::Spec) return std::nullopt;
    switch (op.kind) {
      case OpKind::Map: return target_offers(target, OpKind::Unmap) ? std::optional<Op>(make_op(rng, OpKind::Unmap, r, g)) : std::nullopt;
      case OpKind::Unmap:
      case OpKind::UnmapDirty:
      case OpKind::Dirty: return make_op(rng, OpKind::Map, r, g);
      case OpKind::Flush:
      case OpKind::Split:
      case OpKind::Merge:
      case OpKind::Phys:
      case OpKind::Dev:
      case OpKind::FailAlloc: return std::nullopt;
    }
    return std::nullopt;
  };
  auto offered = [&](const std::vector<OpKind>& kinds) {
    return std::all_of(kinds.begin(), kinds.end(), [&](OpKind k) { return target_offers(target, k); });
  };
  std::vector<std::vector<Planned>> plans(o.cpu_threads);
  for (auto& p : plans) {
    Range last{};
    for (unsigned i = 0; i < o.ops_per_thread; ++i) {
      // Now and then the life of a tracked block on one whole region: empty it, map it, clean it,
      // split it, clean the pages, merge them back (each step races with the device and the other
      // threads). Or empty, map, clean and unmap_read_dirty it.
      static const std::vector<OpKind> kBlockLife = {OpKind::Unmap, OpKind::Map,   OpKind::Dirty,
                                                     OpKind::Split, OpKind::Dirty, OpKind::Merge};
      static const std::vector<OpKind> kCleanUnmap = {OpKind::Unmap, OpKind::Map, OpKind::Dirty, OpKind::UnmapDirty};
      const std::vector<OpKind>& chain_ops = rng.percent(70) ? kBlockLife : kCleanUnmap;
      if (i > 0 && i + chain_ops.size() <= o.ops_per_thread && rng.percent(20) && offered(chain_ops)) {
        const size_t region = rng.below(regions.size());
        const Region& r = regions[region];
        const Range whole{r.iova, kRegionSize};
        const bool quiet_clean = rng.percent(60);
        for (size_t step = 0; step < chain_ops.size(); ++step) {
          const OpKind k = chain_ops[step];
          Planned x;
          x.quiet = quiet_clean && k == OpKind::Dirty && step + 1 < chain_ops.size() &&
                    chain_ops[step + 1] == OpKind::Merge;
          x.region = region;
          x.op = make_op(rng, k, r, whole);
          x.op.paddr = r.pa;
          x.op.prot = PTC_PROT_READ | PTC_PROT_WRITE;
          x.op.noclear = false;
          x.first_chunk = 0;
          x.last_chunk = kChunksPerRegion - 1;
          p.push_back(x);
        }
        i += unsigned(chain_ops.size()) - 1;
        last = whole;
        continue;
      }
      // Every thread starts with a map, so that they race to install the first tables. Half the
      // time an op works on the range of the one before (map, clean, split, dirty, merge chains).
      OpKind kind = i == 0 ? OpKind::Map : random_kind(rng, true);
      while (!target_offers(target, kind)) kind = random_kind(rng, true);
      Planned x;
      const bool chain = i > 0 && rng.percent(50);
      x.region = chain ? p.back().region : rng.below(regions.size());
      const Region& r = regions[x.region];
      if (!chain) last = random_range(rng, r);
      // A merge makes a block only of a whole 2M region.
      x.op = make_op(rng, kind, r, kind == OpKind::Merge ? Range{r.iova, kRegionSize} : last);
      x.instead = instead(x.op, r, last);
      if (kind != OpKind::Flush) {
        const uint64_t lo = x.op.iova, hi = kind == OpKind::Phys ? x.op.iova + 1 : x.op.iova + x.op.size;
        x.first_chunk = unsigned((lo - r.iova) / kChunkSize);
        x.last_chunk = unsigned((hi - 1 - r.iova) / kChunkSize);
      }
      p.push_back(x);
    }
  }
  return plans;
}

// Pause windows: a CPU thread that pauses after a descriptor access has the device act inside its
// op's range right there, so that read-then-write windows of the target are hit by the device on
// purpose rather than by luck. The action is aimed: at the page the descriptor just accessed maps
// when it lies in the op's range (the page whose leaf the op has just read, not one it has yet to
// read, which would only show it a dirty leaf). The paused thread runs the device action itself (as
// the device thread it waited for would have, while it waited): no hand-off between threads per
// pause, which on a loaded machine cost a context switch or a timed-out wait each.
struct Window {
  std::atomic<uint64_t> aim{0};  // output address of the access paused after (0: none); device threads aim there too
  bool quiet = false;            // the op in flight is quiet (Planned::quiet): no window, a yield
  std::function<void(uint64_t oa)> act;  // the device's action in the window (the history's device side)
};

// The output address a descriptor holds (SPEC 2: bits 47:12 of a valid descriptor), 0 for an
// invalid one. For a table descriptor it is a table's address, which maps no page of a region.
uint64_t descriptor_output(ptc_pte_t d) { return (d & 1) ? d & 0x0000fffffffff000ull : 0; }

void pause_in_window(void* arg, const LockedSmmu::PauseSite& site) {
  auto* w = static_cast<Window*>(arg);
  if (w->quiet) {
    std::this_thread::yield();
    return;
  }
  const uint64_t oa = descriptor_output(site.value);
  w->aim.store(oa);
  w->act(oa);
  // The window is also one for the other CPU threads (two ops racing to install a table): let them in.
  std::this_thread::yield();
}

std::string regions_text(const std::vector<Region>& regions) {
  std::string s;
  for (const Region& r : regions) s += (s.empty() ? "" : ", ") + print_addr(r.iova) + "+2M";
  return s;
}

}  // namespace

HistoryOutcome run_threaded_history(const ptc_target_ops* target, uint64_t seed, const ThreadedOptions& o) {
  HistoryOutcome out = run_history_threads(target, seed, o);
  check_history(target, out, o);
  return out;
}

HistoryOutcome run_history_threads(const ptc_target_ops* target, uint64_t seed, const ThreadedOptions& o,
                                   const std::function<void()>& beside) {
  HistoryOutcome out;
  out.seed = seed;
  Rng rng(seed);
  Config cfg = random_config(rng, /*allow_lazy=*/false);
  cfg.contract = o.contract;
  out.regions = random_regions(rng, cfg, o.regions);
  const std::vector<Region>& regions = out.regions;
  const std::vector<std::vector<Planned>> plans = plan(rng, regions, o, target);
  out.history.config = cfg;

  LockedSmmu smmu(cfg, o.yield_permille);
  const ptc_cfg abi = cfg.to_abi();
  struct ptc_target* tgt = nullptr;
  {
    const WatchScope in_target(ambient_watch(), WatchedEntry::kCreate, 0);
    tgt = target->create(&abi, smmu.hw());
  }
  if (!tgt) {
    if (beside) beside();
    out.skipped = true;
    out.skip_reason = "target " + std::string(target->name ? target->name : "?") + " refuses " + print_config(cfg);
    return out;
  }
  smmu.attach(target->root(tgt));

  const unsigned nthreads = o.cpu_threads + o.device_threads;
  std::atomic<uint64_t> clock{1};
  std::unique_ptr<std::mutex[]> chunk_mu(new std::mutex[regions.size() * kChunksPerRegion]);
  std::unique_ptr<std::atomic<uint64_t>[]> hot_lo(new std::atomic<uint64_t>[o.cpu_threads]);
  std::unique_ptr<std::atomic<uint64_t>[]> hot_hi(new std::atomic<uint64_t>[o.cpu_threads]);
  for (unsigned t = 0; t < o.cpu_threads; ++t) hot_lo[t] = hot_hi[t] = 0;
  std::atomic<unsigned> ready{0}, cpu_done{0};
  std::atomic<uint64_t> cpu_ops_started{0}, not_issued{0};
  // Bumped when a CPU op begins or a CPU thread ends: a device thread with nothing to do sleeps on it
  // rather than spinning against the CPU threads for the machine's cores.
  std::atomic<uint32_t> progress{0};
  ContractGate gate(cfg);
  std::unique_ptr<Window[]> windows(new Window[o.cpu_threads]);
  // Device threads 0..D-1 log at cpu_threads + d; the device acting in CPU thread t's pause windows at
  // nthreads + t (its own thread number in the history: the device, not the CPU thread, acts).
  std::vector<std::vector<HistOp>> logs(nthreads + o.cpu_threads);
  // The last thread to arrive starts them all (the others sleep rather than spin for the cores it needs).
  auto start_together = [&] {
    if (ready.fetch_add(1) + 1 == nthreads) {
      ready.notify_all();
      return;
    }
    for (unsigned r; (r = ready.load()) < nthreads;) ready.wait(r);
  };

  // A device action on page a, c in [0, 100): evict, evict all, write, read or fill.
  auto act = [&](uint64_t a, unsigned c, unsigned log) {
    if (c < 15) {
      smmu.evict(a);
      return;
    }
    if (c < 18) {
      smmu.evict_all();
      return;
    }
    HistOp h;
    h.thread = int(log);
    h.op.kind = OpKind::Dev;
    h.op.dev = c < 60 ? DevKind::Write : c < 80 ? DevKind::Read : DevKind::Fill;
    h.op.iova = a;
    h.call = clock.fetch_add(1);
    const DeviceResult r = h.op.dev == DevKind::Fill ? smmu.fill(a) : smmu.access(a, h.op.dev == DevKind::Write);
    h.ret = clock.fetch_add(1);
    h.fault = r.fault;
    h.result = r.fault ? 0 : int64_t(r.pa);
    logs[log].push_back(std::move(h));
  };
  // A page of CPU thread t's op in flight, if any.
  auto page_in = [&](Rng& rng, unsigned t, uint64_t* a) {
    const uint64_t lo = hot_lo[t].load(), hi = hot_hi[t].load();
    if (hi <= lo || hi - lo > kRegionSize) return false;
    *a = lo + rng.below((hi - lo) / kSize4K) * kSize4K;
    return true;
  };
  // The page of thread t's op in flight that output address oa maps, if any (regions map their pages
  // at a fixed offset, or one page further).
  auto page_of_output = [&](unsigned t, uint64_t oa, uint64_t* a) {
    const uint64_t lo = hot_lo[t].load(), hi = hot_hi[t].load();
    for (const Region& r : regions)
      if (oa >= r.pa && oa < r.pa + kRegionSize + kSize4K) {
        *a = r.iova + ((oa - r.pa) & ~(kSize4K - 1));
        return *a >= lo && *a < hi;
      }
    return false;
  };

  auto cpu = [&](unsigned t) {
    TargetWatch* watch = o.thread_watch ? o.thread_watch(t) : nullptr;
    if (watch) {
      watch->bind_to_this_thread();
      watch->unit.store(seed, std::memory_order_relaxed);
    }
    Window& window = windows[t];
    // The window's action: on the page whose descriptor the thread has just accessed when that page
    // is in its op's range (mostly a write: the first write to a clean leaf in the window is what a
    // racy op loses), else anywhere in the range.
    Rng in_window(derive_seed(seed, 400 + t));
    window.act = [&, t](uint64_t oa) {
      uint64_t a = 0;
      if (page_of_output(t, oa, &a))
        act(a, in_window.percent(70) ? 18 + unsigned(in_window.below(42)) : 60 + unsigned(in_window.below(40)),
            nthreads + t);
      else if (page_in(in_window, t, &a))
        act(a, 18 + unsigned(in_window.below(82)), nthreads + t);
    };
    LockedSmmu::set_thread_seed(derive_seed(seed, 100 + t), &pause_in_window, &window);
    Rng pace(derive_seed(seed, 300 + t));
    start_together();
    for (const Planned& p : plans[t]) {
      std::mutex* locks = &chunk_mu[p.region * kChunksPerRegion];
      const bool ranged = p.op.kind != OpKind::Flush;
      auto unlock = [&] {
        if (ranged)
          for (unsigned c = p.last_chunk + 1; c-- > p.first_chunk;) locks[c].unlock();
      };
      if (ranged)
        for (unsigned c = p.first_chunk; c <= p.last_chunk; ++c) locks[c].lock();
      const std::optional<Op> op = gate.admit(p.op, p.instead);
      if (!op) {
        not_issued.fetch_add(1);
        unlock();
        continue;
      }
      HistOp h;
      h.thread = int(t);
      h.op = *op;
      window.quiet = p.quiet;
      window.aim = 0;
      hot_lo[t] = p.quiet ? 0 : h.lo();
      hot_hi[t] = p.quiet ? 0 : h.hi();
      cpu_ops_started.fetch_add(1);
      progress.fetch_add(1);
      progress.notify_all();
      h.call = clock.fetch_add(1);
      {
        const WatchScope in_target(watch, WatchedEntry::kOp, 0, uint32_t(h.op.kind));
        call_target(target, tgt, h);
      }
      h.ret = clock.fetch_add(1);
      gate.returned(h.op);
      hot_lo[t] = hot_hi[t] = 0;
      unlock();
      logs[t].push_back(std::move(h));
      if (pace.percent(30)) std::this_thread::yield();
    }
    LockedSmmu::set_thread_seed(0);
    if (watch) watch->tid.store(0, std::memory_order_relaxed);  // the slot is free for the next history's thread
    cpu_done.fetch_add(1);
    progress.fetch_add(1);
    progress.notify_all();
  };

  auto device = [&](unsigned d) {
    Rng rng(derive_seed(seed, 200 + d));
    const uint64_t per_cpu_op = std::max(1u, o.device_ops_per_cpu_op / std::max(1u, o.device_threads));
    start_together();
    uint64_t done = 0;
    for (;;) {
      const uint32_t seen = progress.load();
      if (cpu_done.load() >= o.cpu_threads) break;
      // Besides the windows, spread a few actions over the run: some per CPU op begun.
      if (done >= (cpu_ops_started.load() + 1) * per_cpu_op) {
        progress.wait(seen);
        continue;
      }
      ++done;
      // Three times in four in the range of an op in flight: on the page it last paused at (one it
      // has reached), else a read, fill or evict on any page of it (a write to a page the op has
      // yet to reach would only show it a dirty leaf, hiding the race a write behind it exposes).
      uint64_t a = 0;
      unsigned c = unsigned(rng.below(100));
      const unsigned t = o.cpu_threads ? unsigned(rng.below(o.cpu_threads)) : 0;
      bool on_aim = false;
      if (o.cpu_threads && rng.percent(75) &&
          ((on_aim = page_of_output(t, windows[t].aim.load(), &a)) || page_in(rng, t, &a))) {
        if (!on_aim && c >= 18 && c < 60) c = 60 + c % 40;
      } else {
        const Region& r = regions[rng.below(regions.size())];
        a = r.iova + rng.below(kRegionSize / kSize4K) * kSize4K;
      }
      act(a, c, o.cpu_threads + d);
      std::this_thread::yield();
    }
  };

  std::optional<WorkerPool> own;
  WorkerPool& pool = o.pool ? *o.pool : own.emplace();
  const std::function<void(unsigned)> job = [&](unsigned i) { i < o.cpu_threads ? cpu(i) : device(i - o.cpu_threads); };
  pool.start(nthreads, job);
  if (beside) beside();
  pool.wait();

  // Quiescent: a snapshot of every region, then teardown.
  History& h = out.history;
  out.not_issued = not_issued.load();
  size_t logged = regions.size();
  for (const auto& log : logs) logged += log.size();
  h.ops.reserve(logged);  // an op is large: growing the vector step by step moved each several times
  for (auto& log : logs)
    for (HistOp& x : log) h.ops.push_back(std::move(x));
  for (const Region& r : regions) {
    HistOp s;
    s.thread = HistOp::kObserver;
    s.snapshot = true;
    s.op.kind = OpKind::Phys;
    s.op.iova = r.iova;
    s.op.size = kRegionSize;
    s.call = clock.fetch_add(1);
    for (const HwLeaf& l : smmu.leaves_in(r.iova, kRegionSize))
      s.leaves.push_back(SnapLeaf{l.iova, l.size, l.pa, l.writable, l.dirty, l.af});
    s.ret = clock.fetch_add(1);
    h.ops.push_back(std::move(s));
  }
  out.violation = smmu.violation();
  smmu.detach();
  {
    const WatchScope in_target(ambient_watch(), WatchedEntry::kDestroy, 0);
    target->destroy(tgt);
  }
  smmu.check_leaks();
  if (!out.violation) out.violation = smmu.violation();
  return out;
}

void check_history(const ptc_target_ops* target, HistoryOutcome& out, const ThreadedOptions& o) {
  if (out.skipped) return;
  const History& h = out.history;
  const Config& cfg = h.config;
  const uint64_t seed = out.seed;
  uint64_t where = 0;
  if (!out.violation) out.violation = check_dirty_accounting(h, &where);
  if (!out.violation) out.lin = check_linearizable(h, std::chrono::steady_clock::now() + o.lin_budget);
  if (!out.bug()) return;

  // The report.
  std::string s;
  const std::string what = out.violation ? oracle_name(out.violation->oracle) : "not linearizable";
  s += fmt("ptcheck stress: FAIL %s (target %s, history seed %llu)\n", what.c_str(),
           target->name ? target->name : "?", ull(seed));
  s += "  " + print_config(cfg) + "\n";
  s += fmt("  workload: %u CPU threads x %u ops, %u device threads, regions %s; %zu ops in the history\n",
           o.cpu_threads, o.ops_per_thread, o.device_threads, regions_text(out.regions).c_str(), h.ops.size());
  std::vector<const HistOp*> part;
  if (out.violation) {
    s += "  what is wrong: " + out.violation->message + "\n";
    if (!where)
      s += "  (real threads run without the simulated SMMU's event log: the events leading there are in the trace "
           "of the deterministic schedule of this history, when one is found)\n";
    for (const auto& p : partition_by_range(h))
      for (const HistOp* x : p)
        if (where && x->hi() > where && x->lo() <= where) {
          part = p;
          break;
        }
  } else {
    s += "  what is wrong: " + out.lin.explanation;
    part = out.lin.failing_part;
  }
  if (!part.empty()) {
    s += fmt("  the part of the history it concerns (%zu ops; [call..return] on one clock; t<N> = CPU or device "
             "thread N):\n",
             part.size());
    std::string lines = print_history(part, "    ");
    size_t n = 0, cut = std::string::npos;
    for (size_t i = 0; i < lines.size(); ++i)
      if (lines[i] == '\n' && ++n == 150) cut = i + 1;
    if (cut != std::string::npos) lines = lines.substr(0, cut) + "    ...\n";
    s += lines;
  }
  // Not a replay line: real threads do not interleave the same way twice (history_reproducer.h finds one).
  s += fmt("  the same workload again: ptcheck stress --seed %llu%s (thread timing varies)\n", ull(seed),
           o.replay_args.empty() ? "" : (" " + o.replay_args).c_str());
  out.report = s;
}

}  // namespace ptc::conc
