#include "properties/concurrent/linearizability.h"

#include <algorithm>
#include <cstring>
#include <span>
#include <memory>

#include "core/fmt.h"
#include "core/ops/op_table.h"
#include "core/script/script.h"
#include "properties/concurrent/memo_table.h"

namespace ptc::conc {

namespace {

using ull = unsigned long long;
using Clock = std::chrono::steady_clock;

std::string result_text(int64_t r) {
  if (r < 0)
    if (const char* n = errno_name(r)) return n;
  return std::to_string(r);
}

uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  return h;
}

// The set of ops linearized so far.
struct Bits {
  std::vector<uint64_t> w;
  explicit Bits(size_t n = 0) : w((n + 63) / 64) {}
  void set(size_t i) { w[i / 64] |= 1ull << (i % 64); }
  void clear(size_t i) { w[i / 64] &= ~(1ull << (i % 64)); }
  uint64_t hash() const {
    uint64_t h = 0;
    for (uint64_t x : w) h = mix(h, x);
    return h;
  }
};

// One call or return event in the search's doubly linked list.
struct Entry {
  bool is_call = true;
  size_t op = 0;
  uint64_t time = 0;
  Entry* match = nullptr;  // a call's return
  Entry* prev = nullptr;
  Entry* next = nullptr;
};

void lift(Entry* call) {
  call->prev->next = call->next;
  call->next->prev = call->prev;
  Entry* ret = call->match;
  ret->prev->next = ret->next;
  if (ret->next) ret->next->prev = ret->prev;
}

void unlift(Entry* call) {
  Entry* ret = call->match;
  ret->prev->next = ret;
  if (ret->next) ret->next->prev = ret;
  call->prev->next = call;
  call->next->prev = call;
}

std::string leaf_list(const std::vector<SnapLeaf>& v) {
  std::string s;
  for (size_t i = 0; i < v.size() && i < 6; ++i)
    s += fmt(" [%s+%s)->%s%s", print_addr(v[i].iova).c_str(), print_size(v[i].size).c_str(),
             print_addr(v[i].pa).c_str(), !v[i].writable ? " ro" : v[i].dirty ? " dirty" : " clean");
  if (v.size() > 6) s += " ...";
  return s.empty() ? " (none)" : s;
}

}  // namespace

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::Linearizable: return "linearizable";
    case Verdict::NotLinearizable: return "not linearizable";
    case Verdict::Unknown: return "unknown";
  }
  return "?";
}

namespace {

// Whether applying h can change the model: not a snapshot, a device read or fill, a write that faulted
// or (seen for its effect only) raced a scan. Those are checked against the model as it stands, and
// the search does not copy the model for them.
bool changes_model(const HistOp& h) {
  if (h.snapshot) return false;
  if (h.op.kind != OpKind::Dev) return true;
  return h.op.dev == DevKind::Write && !h.fault && !(h.unchecked && h.racy);
}

// h's result against the model, for an op that does not change it (changes_model) or before a device
// write takes effect. *why (when given) says what the reference gives when it is not allowed.
bool holds_in(const ReferenceModel& m, const HistOp& h, std::string* why) {
  const Op& op = h.op;
  const Config& cfg = m.config();
  if (h.unchecked && op.kind == OpKind::Dev) return true;
  if (h.snapshot) {
    const std::vector<RefLeaf> want = m.leaves_in(op.iova, op.size);
    for (size_t i = 0; i < std::max(want.size(), h.leaves.size()); ++i) {
      const SnapLeaf* g = i < h.leaves.size() ? &h.leaves[i] : nullptr;
      const RefLeaf* w = i < want.size() ? &want[i] : nullptr;
      const bool dirty_known = w && cfg.hw_dirty && w->writable && w->dirty != DirtyState::Maybe;
      if (g && w && g->iova == w->iova && g->size == w->size && g->pa == w->pa && g->writable == w->writable &&
          g->af && (!dirty_known || g->dirty == (w->dirty == DirtyState::Dirty)))
        continue;
      if (why)
        *why = fmt("leaf %zu: the target has %s, the reference %s", i, g ? leaf_list({*g}).c_str() : " nothing",
                   w ? (" " + describe(*w, cfg.hw_dirty)).c_str() : " nothing");
      return false;
    }
    return true;
  }
  const std::vector<DeviceOutcome> allowed = m.device_outcomes(op.iova, op.dev == DevKind::Write);
  const DeviceOutcome got{h.fault, h.fault ? 0 : uint64_t(h.result)};
  if (std::find(allowed.begin(), allowed.end(), got) != allowed.end()) return true;
  if (why) *why = "the reference gives " + describe(allowed.front());
  return false;
}

}  // namespace

bool apply_to_model(ReferenceModel& m, const HistOp& h, std::string* why) {
  const Op& op = h.op;
  if (!changes_model(h)) return holds_in(m, h, why);
  if (op.kind == OpKind::Dev) {
    // A device write that reached its page (seen for its effect only, or whose outcome the model allows).
    if (!holds_in(m, h, why)) return false;
    m.device_write_reached(op.iova, uint64_t(h.result), nullptr);
    return true;
  }
  // Writes racing with this op's scan, then the op, then what the model says they leave behind.
  for (const HistOp::RacingWrite& w : h.racing_writes) m.device_write_reached(w.iova, w.pa, &op, w.cleared_elsewhere);
  std::vector<RefRecord> records;
  const int64_t r = m.apply(op, &records);
  for (const HistOp::RacingWrite& w : h.racing_writes) m.settle_racing_writes(op, r, {w.iova}, w.cleared_elsewhere);
  if (h.unchecked) return true;
  if (r != h.result) {
    if (why)
      *why = op.kind == OpKind::Phys ? "the reference gives " + print_addr(uint64_t(r))
                                     : "the reference returns " + result_text(r);
    return false;
  }
  if (traits(op.kind).records_dirty) {
    if (r < 0) return true;
    IntervalSet must, may;
    for (const RefRecord& rec : records)
      add_record_pages(rec.maybe ? may : must, rec.iova, rec.len, op.iova, op.iova + op.size);
    IntervalSet allowed = must;
    allowed.add(may);
    if (must.first_not_in(h.pages) || h.pages.first_not_in(allowed)) {
      if (why)
        *why = "the reference records " + print_pages(must) + (may.empty() ? "" : " and maybe " + print_pages(may));
      return false;
    }
  }
  return true;
}

namespace {

// The models a search makes, kept for the next search on this thread: assigning a state over a kept
// model reuses its leaves' nodes, where a fresh copy allocates every one (and a search makes a copy for
// each op it linearizes that changes the model). At most kKept are kept (a 2M region of 4K leaves is
// some 40 KiB a model).
class ModelPool {
 public:
  using Owned = std::vector<std::unique_ptr<ReferenceModel>>;
  std::unique_ptr<ReferenceModel> copy_of(const ReferenceModel& m) {
    if (spare_.empty()) return std::make_unique<ReferenceModel>(m);
    std::unique_ptr<ReferenceModel> r = std::move(spare_.back());
    spare_.pop_back();
    *r = m;
    return r;
  }
  void keep(Owned& used) {
    for (auto& m : used)
      if (spare_.size() < kKept) spare_.push_back(std::move(m));
    used.clear();
  }

 private:
  static constexpr size_t kKept = 128;
  Owned spare_;
};

}  // namespace

LinResult check_partition(const Config& cfg, const std::vector<const HistOp*>& ops, Clock::time_point deadline) {
  LinResult res;
  res.partitions = 1;
  res.ops = ops.size();
  const size_t n = ops.size();
  if (n == 0) return res;

  // The events in time order; at equal times a return comes first (the ops did not overlap).
  std::vector<Entry> entries(2 * n + 1);
  std::vector<Entry*> order;
  for (size_t i = 0; i < n; ++i) {
    Entry* c = &entries[1 + 2 * i];
    Entry* r = &entries[2 + 2 * i];
    *c = Entry{true, i, ops[i]->call};
    *r = Entry{false, i, ops[i]->ret};
    c->match = r;
    order.push_back(c);
    order.push_back(r);
  }
  std::stable_sort(order.begin(), order.end(), [](const Entry* a, const Entry* b) {
    if (a->time != b->time) return a->time < b->time;
    return !a->is_call && b->is_call;
  });
  Entry* head = &entries[0];
  Entry* prev = head;
  for (Entry* e : order) {
    prev->next = e;
    e->prev = prev;
    prev = e;
  }

  // Every state of the search is owned here and goes back to the pool when the search ends.
  thread_local ModelPool pool;
  struct GiveBack {
    ModelPool& pool;
    ModelPool::Owned owned;
    // An op that changes the model is tried on a copy of the state; the copy becomes a state of its
    // own only when the search goes on from it (else the next try assigns over it). One that does not
    // change the model is tried on the state itself.
    std::unique_ptr<ReferenceModel> scratch;
    ~GiveBack() {
      if (scratch) owned.push_back(std::move(scratch));
      pool.keep(owned);
    }
  } states{pool, {}, nullptr};
  thread_local MemoTable memo;
  memo.reset(Bits(n).w.size());
  struct Frame {
    Entry* call;
    const ReferenceModel* before;
    uint64_t before_hash;
  };
  std::vector<Frame> stack;
  states.owned.push_back(pool.copy_of(ReferenceModel(cfg)));
  const ReferenceModel* state = states.owned.back().get();
  uint64_t state_hash = state->state_hash();
  Bits linearized(n);
  // For the explanation: the deepest point the search reached and each op that failed there, with the
  // state it failed in (its words are built only if the history is not linearizable).
  size_t best_depth = 0;
  std::vector<size_t> best_prefix;
  std::vector<std::pair<size_t, const ReferenceModel*>> best_failed;

  Entry* entry = head->next;
  uint64_t iter = 0;
  while (head->next) {
    if ((++iter & 255) == 0 && Clock::now() > deadline) {
      res.verdict = Verdict::Unknown;
      return res;
    }
    if (entry->is_call) {
      const HistOp& op = *ops[entry->op];
      ++res.steps;
      const bool changes = changes_model(op);
      if (changes && states.scratch)
        *states.scratch = *state;
      else if (changes)
        states.scratch = pool.copy_of(*state);
      if (changes ? apply_to_model(*states.scratch, op, nullptr) : holds_in(*state, op, nullptr)) {
        linearized.set(entry->op);
        const ReferenceModel* ns = changes ? states.scratch.get() : state;
        const uint64_t next_hash = changes ? states.scratch->state_hash() : state_hash;
        if (memo.seen_or_add(mix(linearized.hash(), next_hash), linearized.w.data(), *ns, ns)) {
          linearized.clear(entry->op);
        } else {
          if (changes) states.owned.push_back(std::move(states.scratch));
          stack.push_back(Frame{entry, state, state_hash});
          state = ns;
          state_hash = next_hash;
          lift(entry);
          entry = head->next;
          continue;
        }
      } else {
        const size_t depth = stack.size();
        if (depth > best_depth) {
          best_depth = depth;
          best_failed.clear();
          best_prefix.clear();
          for (const Frame& f : stack) best_prefix.push_back(f.call->op);
        }
        const std::pair<size_t, const ReferenceModel*> failed{entry->op, state};
        if (depth == best_depth && best_failed.size() < 32 &&
            std::find(best_failed.begin(), best_failed.end(), failed) == best_failed.end())
          best_failed.push_back(failed);
      }
      entry = entry->next;
    } else {
      if (stack.empty()) break;  // a return whose call cannot be linearized at any point
      const Frame f = stack.back();
      stack.pop_back();
      linearized.clear(f.call->op);
      state = f.before;
      state_hash = f.before_hash;
      unlift(f.call);
      entry = f.call->next;
    }
  }
  if (!head->next) return res;

  // Why each op failed where it did, in words (at most 6 different ones).
  std::vector<std::string> best_why;
  for (const auto& [op, before] : best_failed) {
    ReferenceModel m = *before;
    std::string why;
    apply_to_model(m, *ops[op], &why);
    const std::string line = print_op(*ops[op]) + "\n        -> " + why;
    if (best_why.size() < 6 && std::find(best_why.begin(), best_why.end(), line) == best_why.end())
      best_why.push_back(line);
  }
  res.verdict = Verdict::NotLinearizable;
  res.failing_part = ops;
  std::string s = fmt("no order of these %zu ops agrees with the reference model.\n", n);
  s += fmt("  the longest linearizable prefix the search found (%zu ops):\n", best_prefix.size());
  const size_t from = best_prefix.size() > 12 ? best_prefix.size() - 12 : 0;
  if (from) s += fmt("    ... %zu ops before ...\n", from);
  for (size_t i = from; i < best_prefix.size(); ++i) s += "    " + print_op(*ops[best_prefix[i]]) + "\n";
  s += "  what the ops tried next there got, against the reference:\n";
  for (const std::string& w : best_why) s += "    " + w + "\n";
  res.explanation = s;
  return res;
}

namespace {

// The ops whose effect changes the output address (or fault) the pages of their range give: map, unmap,
// unmap_read_dirty. Their effects are replayed onto a model of each page the device touched; what an
// access that runs during any op may give is the model's to say (racing_outcomes).
bool changes_translation(const HistOp& o) {
  if (o.snapshot) return false;
  switch (o.op.kind) {
    case OpKind::Map: return true;
    case OpKind::Unmap:
    case OpKind::UnmapDirty: return o.result >= 0;
    case OpKind::Flush:
    case OpKind::Split:
    case OpKind::Merge:
    case OpKind::Dirty:
    case OpKind::Phys:
    case OpKind::Dev:
    case OpKind::FailAlloc: return false;
  }
  return false;
}

// The translation-changing ops that took effect (their projections apply them to the model): every
// one that succeeded, and in lazy mode every flush, which ends what lazy unmaps left usable.
bool projected_onto_pages(const HistOp& o, const Config& cfg) {
  if (o.snapshot) return false;
  if (o.op.kind == OpKind::Flush) return cfg.lazy;
  return changes_translation(o) && (o.op.kind != OpKind::Map || o.result == 0);
}

// c narrowed to one page, as an effect only (its result is not checked again there, so what it
// recorded is not copied; a recorded op has no racing writes and a projected one is no snapshot).
HistOp project_onto_page(const HistOp& c, uint64_t page) {
  HistOp p;
  p.thread = c.thread;
  p.op = c.op;
  p.call = c.call;
  p.ret = c.ret;
  p.result = c.result;
  p.fault = c.fault;
  p.unchecked = true;
  if (c.op.kind != OpKind::Flush) {
    p.op.paddr += page - c.op.iova;
    p.op.iova = page;
    p.op.size = kSize4K;
  }
  return p;
}

// When the reference model says an access to `page` races c (core/reference/race_rules.cpp), the
// outcomes it allows the access (SPEC 5.2): those of the state before c (every projected op that
// returned before c began), those of the state after it, and c's transient ones. In lazy mode a flush
// that overlaps c may have come before or after it: both. nullopt when the access does not race c.
std::optional<std::vector<DeviceOutcome>> racing_outcomes(const Config& cfg, const std::vector<HistOp>& projected,
                                                          const HistOp& c, uint64_t page, bool write) {
  ReferenceModel before(cfg);
  std::vector<const HistOp*> beside;  // flushes that overlap c
  for (const HistOp& p : projected) {
    if (p.ret < c.call)
      apply_to_model(before, p, nullptr);
    else if (p.op.kind == OpKind::Flush && p.call < c.ret)
      beside.push_back(&p);
  }
  if (!before.access_races(c.op, page)) return std::nullopt;
  ReferenceModel after = before;
  if (projected_onto_pages(c, cfg)) apply_to_model(after, project_onto_page(c, page), nullptr);
  std::vector<DeviceOutcome> out = before.transient_outcomes(project_onto_page(c, page).op, page, write);
  for (ReferenceModel* m : {&before, &after})
    for (int flushed = 0; flushed <= int(!beside.empty()); ++flushed) {
      ReferenceModel x = *m;
      if (flushed)
        for (const HistOp* f : beside) apply_to_model(x, *f, nullptr);
      for (const DeviceOutcome& o : x.device_outcomes(page, write)) out.push_back(o);
    }
  return out;
}

std::string outcomes_list(const std::vector<DeviceOutcome>& v) {
  std::string s;
  for (const DeviceOutcome& o : v) {
    const std::string t = describe(o);
    if (s.find(t) == std::string::npos) s += (s.empty() ? "" : " or ") + t;
  }
  return s.empty() ? "nothing" : s;
}

// Folds one part's result into the total; true when the search can stop (not linearizable).
bool fold(LinResult& total, LinResult r, bool& unknown) {
  ++total.partitions;
  total.ops += r.ops;
  total.steps += r.steps;
  unknown |= r.verdict == Verdict::Unknown;
  if (r.verdict != Verdict::NotLinearizable) return false;
  r.partitions = total.partitions;
  r.ops = total.ops;
  r.steps = total.steps;
  total = std::move(r);
  return true;
}

}  // namespace

LinResult check_linearizable(const History& h, Clock::time_point deadline) {
  LinResult total;
  bool unknown = false;

  // 1. Device outcomes, page by page. An access that overlapped an op changing its page's translation
  //    may give the old or the new translation (the IOTLB may still hold the old one until the op's
  //    invalidation completes, so "old after new" is allowed); the others must be linearizable with the
  //    translation-changing ops projected onto the page (lazy mode: and every flush, which ends the
  //    translations lazy unmaps left usable).
  //    Every page looks at the same few CPU ops again: they are picked out once.
  std::vector<const HistOp*> accesses;  // the device's, by page (in history order within one)
  std::vector<const HistOp*> cpu, projectable;  // projectable: by call time
  for (const HistOp& o : h.ops) {
    if (o.snapshot) continue;
    if (o.op.kind == OpKind::Dev)
      accesses.push_back(&o);
    else
      cpu.push_back(&o);
    if (projected_onto_pages(o, h.config)) projectable.push_back(&o);
  }
  std::stable_sort(projectable.begin(), projectable.end(),
                   [](const HistOp* x, const HistOp* y) { return x->call < y->call; });
  std::stable_sort(accesses.begin(), accesses.end(), [](const HistOp* x, const HistOp* y) { return x->lo() < y->lo(); });
  std::vector<HistOp> projected;
  std::vector<const HistOp*> ptrs;
  for (auto first = accesses.begin(); first != accesses.end();) {
    const uint64_t page = (*first)->lo();
    const auto last = std::find_if(first, accesses.end(), [&](const HistOp* d) { return d->lo() != page; });
    const std::span<const HistOp* const> devs(first, last);
    first = last;
    // The translation-changing ops projected onto the page, in time order: the caller never runs two
    // of them on one page at once, so each has one state before it (lazy flushes aside: see below).
    projected.clear();
    for (const HistOp* c : projectable)
      if (c->op.kind == OpKind::Flush || (page >= c->lo() && page < c->hi())) projected.push_back(project_onto_page(*c, page));
    ptrs.clear();
    for (const HistOp* d : devs) {
      std::vector<DeviceOutcome> allowed;
      bool during = false;
      const bool write = d->op.dev == DevKind::Write;
      for (const HistOp* c : cpu) {
        if (!(c->call < d->ret && d->call < c->ret)) continue;
        const auto racing = racing_outcomes(h.config, projected, *c, page, write);
        if (!racing) continue;
        during = true;
        allowed.insert(allowed.end(), racing->begin(), racing->end());
      }
      if (!during) {
        ptrs.push_back(d);
        continue;
      }
      const DeviceOutcome got{d->fault, d->fault ? 0 : uint64_t(d->result)};
      if (std::find(allowed.begin(), allowed.end(), got) == allowed.end()) {
        LinResult r;
        r.verdict = Verdict::NotLinearizable;
        for (const HistOp& o : h.ops)
          if (o.hi() > page && o.lo() <= page) r.failing_part.push_back(&o);
        r.explanation = fmt("`%s`, during an op that changes the translation of page 0x%llx, gave neither the old "
                            "nor the new translation (the reference allows %s)\n",
                            print_op(*d).c_str(), ull(page), outcomes_list(allowed).c_str());
        fold(total, std::move(r), unknown);
        return total;
      }
    }
    for (const HistOp& p : projected) ptrs.push_back(&p);

    LinResult r = check_partition(h.config, ptrs, deadline);
    if (r.verdict == Verdict::NotLinearizable) {
      // Point at the recorded ops, not at the projections that live only here.
      std::vector<const HistOp*> recorded;
      for (const HistOp& o : h.ops)
        if (o.hi() > page && o.lo() <= page) recorded.push_back(&o);
      r.failing_part = recorded;
      r.explanation = fmt("the device's results at page 0x%llx (CPU ops projected onto that page) ", ull(page)) +
                      r.explanation;
    }
    if (fold(total, std::move(r), unknown)) return total;
  }

  // 2. The CPU ops and snapshots, device writes as effects only.
  History rest;
  rest.config = h.config;
  std::vector<size_t> origin;  // rest.ops[i] is h.ops[origin[i]]
  for (const HistOp& o : h.ops) {
    if (!o.snapshot && o.op.kind == OpKind::Dev && (o.op.dev != DevKind::Write || o.fault)) continue;
    origin.push_back(size_t(&o - &h.ops[0]));
    rest.ops.push_back(o);
    if (o.snapshot || o.op.kind != OpKind::Dev) continue;
    rest.ops.back().unchecked = true;
  }
  std::vector<HistOp*> all_scans;  // the ops that scan page by page
  for (HistOp& c : rest.ops)
    if (!c.snapshot && (c.op.kind == OpKind::Dirty || c.op.kind == OpKind::Split || c.op.kind == OpKind::UnmapDirty))
      all_scans.push_back(&c);
  std::vector<HistOp*> scans;
  for (HistOp& w : rest.ops) {
    if (w.snapshot || w.op.kind != OpKind::Dev) continue;
    scans.clear();
    bool cleared = false;
    for (HistOp* c : all_scans) {
      if (c->call < w.ret && w.call < c->ret && w.lo() >= c->lo() && w.lo() < c->hi()) {
        scans.push_back(c);
        cleared |= c->is_clearing_read();
      }
    }
    w.racy = !scans.empty();
    for (HistOp* c : scans) c->racing_writes.push_back({w.op.iova, uint64_t(w.result), cleared});
  }
  for (const auto& part : partition_by_range(rest)) {
    LinResult r = check_partition(h.config, part, deadline);
    if (r.verdict == Verdict::NotLinearizable) {
      // The failing part's pointers point into `rest`: map them back to the recorded ops.
      for (const HistOp*& p : r.failing_part) p = &h.ops[origin[size_t(p - &rest.ops[0])]];
    }
    if (fold(total, std::move(r), unknown)) return total;
  }
  total.verdict = unknown ? Verdict::Unknown : Verdict::Linearizable;
  return total;
}

// ---- dirty accounting ------------------------------------------------------------------------

namespace {

// The largest leaf size of the config: no leaf holding a page reaches outside the aligned region of
// that size around it.
uint64_t largest_leaf(const Config& cfg) {
  return cfg.pgsizes & kSize1G ? kSize1G : cfg.pgsizes & kSize2M ? kSize2M : kSize4K;
}

// contract=linux accepts a read_and_clear_dirty that cleans a dirty leaf sticking out of its range
// whole (SPEC 9.5): a write to a page of that leaf outside the range may then go unreported. The
// history does not say which leaves there were, so any clearing read that ended after the write began
// and began before `due` did, whose range reaches the aligned region of the largest leaf size around
// the page without covering the page, may have cleaned it. `reads`: the history's clearing reads.
bool cleaned_whole_by_a_neighbour(const std::vector<const HistOp*>& reads, const HistOp& w, const HistOp& due,
                                  uint64_t page, const Config& cfg) {
  switch (cfg.contract) {
    case Contract::Spec: return false;
    case Contract::Linux: break;
  }
  const uint64_t unit = largest_leaf(cfg);
  const uint64_t lo = page & ~(unit - 1), hi = lo + unit;
  return std::any_of(reads.begin(), reads.end(), [&](const HistOp* o) {
    return o->op.kind == OpKind::Dirty && !(page >= o->lo() && page < o->hi()) &&
           o->ret >= w.call && o->call <= due.call && o->lo() < hi && o->hi() > lo;
  });
}

}  // namespace

std::optional<Violation> check_dirty_accounting(const History& h, uint64_t* where) {
  uint64_t unused = 0;
  if (!where) where = &unused;
  const Config& cfg = h.config;
  if (!cfg.hw_dirty) return std::nullopt;
  std::vector<const HistOp*> ops;
  for (const HistOp& o : h.ops) ops.push_back(&o);
  std::stable_sort(ops.begin(), ops.end(), [](const HistOp* a, const HistOp* b) { return a->call < b->call; });
  auto covers = [](const HistOp* o, uint64_t a) { return o->hi() > o->lo() && a >= o->lo() && a < o->hi(); };
  auto is_write = [](const HistOp* o) { return o->op.kind == OpKind::Dev && o->op.dev == DevKind::Write && !o->fault; };
  auto removes = [](const HistOp* o) {
    return !o->snapshot && (o->op.kind == OpKind::Unmap || o->op.kind == OpKind::UnmapDirty) && o->result >= 0;
  };
  // The few ops each check below looks for, picked out once in call order (a history is mostly device
  // accesses, and every write and every recorded region looks at them again).
  std::vector<const HistOp*> reads, removals, cleaners, dirtiers;
  for (const HistOp* o : ops) {
    const bool read = o->is_clearing_read(), removal = removes(o);
    if (read) reads.push_back(o);
    if (removal) removals.push_back(o);
    if (read || removal) cleaners.push_back(o);
    if (is_write(o) || (!o->snapshot && o->op.kind == OpKind::Map && o->result == 0)) dirtiers.push_back(o);
  }

  // Lost dirty.
  for (const HistOp* w : ops) {
    if (!is_write(w)) continue;
    const uint64_t page = w->op.iova & ~(kSize4K - 1), t = w->ret;
    bool recorded = false;
    const HistOp* first_after = nullptr;  // the first clearing read of the page that began after t
    const HistOp* running = nullptr;      // an unmap_read_dirty of the page running when it completed
    for (const HistOp* o : reads) {
      if (!covers(o, page)) continue;
      // The write took effect somewhere in [call, ret]: a read that ended after it began and
      // recorded the page may have seen it (found by `ptcheck check` in a release build, where a
      // write's return was stamped after a racing read's).
      if (o->ret >= w->call && o->pages.contains(page)) recorded = true;
      if (o->ret < t) continue;
      if (o->call > t && !first_after) first_after = o;
      if (o->call < w->call && o->op.kind == OpKind::UnmapDirty && !running) running = o;
    }
    if (recorded) continue;
    const HistOp* due = running ? running : first_after;
    if (!due) continue;
    // A removal that may have come after the write began takes it along: a plain unmap discards it
    // (the caller did not ask), an unmap_read_dirty answers for it itself (its own check). In lazy
    // mode a write may also go through a translation an earlier unmap left behind.
    bool discarded = false;
    for (const HistOp* o : removals)
      if (o != due && covers(o, page) && o->call < due->call && (o->ret > w->call || cfg.lazy))
        discarded = true;
    if (discarded) continue;
    if (cleaned_whole_by_a_neighbour(reads, *w, *due, page, cfg)) continue;
    *where = page;
    return Violation{
        Oracle::LostDirty,
        fmt("a device write to page 0x%llx completed at t%llu (%s), but `%s` [t%llu..t%llu] did not record it and no "
            "clearing read that ended after the write did: the write is lost",
            ull(page), ull(t), print_op(*w).c_str(), print_op(*due).c_str(), ull(due->call), ull(due->ret))};
  }

  // Phantom dirty, by aligned regions of the largest leaf size.
  const uint64_t unit = largest_leaf(cfg);
  for (const HistOp* r : reads) {
    for (auto [lo, hi] : r->pages.ranges()) {
      for (uint64_t u = lo & ~(unit - 1); u < hi; u += unit) {
        // The last op before r after which the leaf holding the page was clean or gone: an unmap of
        // the page (it removes whole leaves or nothing), a clearing read of the page that did not
        // record it, or a clearing read of the whole region (no leaf can stick out of it).
        const uint64_t page = std::max(lo, u);
        uint64_t since = 0;
        for (const HistOp* o : cleaners) {
          if (o->ret >= r->call) continue;
          const bool cleans = removes(o) ? covers(o, page)
                              : o->is_clearing_read()
                                  ? (o->lo() <= u && o->hi() >= u + unit) || (covers(o, page) && !o->pages.contains(page))
                                  : false;
          if (cleans) since = std::max(since, o->call);
        }
        const HistOp* cause = nullptr;
        for (const HistOp* o : dirtiers) {
          if (o->call > r->ret || o->ret < since) continue;
          if (o->lo() < u + unit && o->hi() > u) {
            cause = o;
            break;
          }
        }
        if (!cause) {
          *where = page;
          return Violation{Oracle::PhantomDirty,
                           fmt("`%s` recorded page 0x%llx, but no device write and no map reached [0x%llx+0x%llx) "
                               "since it was last cleaned or unmapped (at t%llu)",
                               print_op(*r).c_str(), ull(page), ull(u), ull(unit), ull(since))};
        }
      }
    }
  }
  return std::nullopt;
}

}  // namespace ptc::conc
