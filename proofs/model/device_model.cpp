#include "proofs/model/device_model.h"

#include <algorithm>
#include <chrono>
#include <z3.h>
#include <cstdio>
#include <functional>
#include <cstdlib>
#include <memory>
#include <optional>

#include "proofs/model/timeline.h"
#include "proofs/smt/reduce.h"

namespace ptc::proofs {

const char* property_name(Property p) {
  switch (p) {
    case Property::kNoTlbConflict: return "no-tlb-conflict";
    case Property::kNoFaultSameOutput: return "no-fault-same-output";
    case Property::kNoLostDirty: return "no-lost-dirty";
    case Property::kFinalState: return "final-state";
    case Property::kNoFreedTableWalk: return "no-freed-table-walk";
    case Property::kNoStaleAccess: return "no-stale-access";
    case Property::kDirtyNotLost: return "no-lost-dirty";
    case Property::kWritesRecorded: return "writes-recorded";
  }
  return "?";
}

namespace {

// The state vector. Ints: PC, TR (group), IX (page index), S_TID, TP_TID, WC_TID; the rest Booleans.
enum Var : int {
  PC, TR, IX,
  S_V, S_T, S_AP2, S_DBM, S_AF, S_NT, S_OA, S_TID,             // the region's slot
  TB_V, TB_AP2, TB_DBM, TB_OA, TB_FRESH, TB_DOOM,               // IOTLB: the block's entry
  TP_V, TP_AP2, TP_DBM, TP_OA, TP_FRESH, TP_DOOM, TP_TID,       // IOTLB: the page's entry
  WC_V, WC_DOOM, WC_TID,                                        // walk cache: the slot's table pointer
  WROTE_OP, WROTE_AFTER, RECORDED, RETURNED, REUSED,            // history
  CONFLICT, FAULT, WRONG_OA, UAF, STALE,                        // sticky violations
  kFixedVars
};
enum EField : int { E_V, E_AP2, E_DBM, E_AF, E_OA, E_LIVE, kEFields };

const char* const kFixedNames[] = {"pc", "trace", "page", "s_valid", "s_table", "s_ap2", "s_dbm", "s_af", "s_nt", "s_oa_ok",
                                   "s_tid", "tb_valid", "tb_ap2", "tb_dbm", "tb_oa_ok", "tb_fresh", "tb_doom", "tp_valid",
                                   "tp_ap2", "tp_dbm", "tp_oa_ok", "tp_fresh", "tp_doom", "tp_tid", "wc_valid", "wc_doom",
                                   "wc_tid", "wrote_op", "wrote_after", "recorded", "returned", "reused", "conflict",
                                   "fault", "wrong_oa", "uaf", "stale"};
bool is_int_var(int v) { return v == PC || v == TR || v == IX; }
// Table ids (a tracked table 0..3, -1 for none, kNotATable) are 5-bit vectors: every predicate argument has
// a finite sort, which Z3's Datalog engine needs.
bool is_tid_var(int v) { return v == S_TID || v == TP_TID || v == WC_TID; }
constexpr unsigned kTidBits = 5;
// PC, TR, IX and the unrolling's rule choice are 16-bit vectors: the bounded unrolling is then pure
// bit-level (SAT), far faster than with integers.
constexpr unsigned kCounterBits = 16;

using State = std::vector<z3::expr>;

class Model {
 public:
  Model(z3::context& c, const ModelSpec& spec, const std::vector<Group>& groups)
      : c_(c), spec_(spec), groups_(groups), nt_(spec.ntables) {
    for (int v = 0; v < nvars(); ++v) {
      const std::string name = var_name(v);
      if (v < kFixedVars && is_int_var(v))
        pre_.push_back(c_.bv_const(name.c_str(), kCounterBits));
      else if (v < kFixedVars && is_tid_var(v))
        pre_.push_back(c_.bv_const(name.c_str(), kTidBits));
      else
        pre_.push_back(c_.bool_const(name.c_str()));
    }
    build_rules();
  }

  int nvars() const { return kFixedVars + kEFields * nt_; }
  std::string var_name(int v) const {
    if (v < kFixedVars) return kFixedNames[v];
    static const char* const ef[] = {"valid", "ap2", "dbm", "af", "oa_ok", "live"};
    return "t" + std::to_string((v - kFixedVars) / kEFields) + "_" + ef[(v - kFixedVars) % kEFields];
  }
  int E(int t, int f) const { return kFixedVars + kEFields * t + f; }

  const std::vector<TimelineRule>& rules() const { return rules_; }
  const State& pre() const { return pre_; }

  z3::expr init(const State& s) const {
    z3::expr any = c_.bool_val(false);
    for (size_t g = 0; g < groups_.size(); ++g) {
      const AddrTrace& a = groups_[g].trace;
      z3::expr e = s[TR] == int(g) && s[PC] == 0 && in_ranges(s[IX], groups_[g].ranges) && eq_slot(s, a.slot_init);
      for (int t = 0; t < nt_; ++t) e = e && eq_page(s, t, a.page_init[size_t(t)]) && s[E(t, E_LIVE)] == c_.bool_val(a.live_init[size_t(t)]);
      for (int v : {TB_V, TB_AP2, TB_DBM, TB_OA, TB_FRESH, TB_DOOM, TP_V, TP_AP2, TP_DBM, TP_OA, TP_FRESH, TP_DOOM, WC_V,
                    WC_DOOM, WROTE_OP, WROTE_AFTER, RECORDED, RETURNED, REUSED, CONFLICT, FAULT, WRONG_OA, UAF, STALE})
        e = e && !s[v];
      e = e && s[TP_TID] == tid(0) && s[WC_TID] == tid(0);
      any = any || e;
    }
    return any;
  }

  z3::expr bad(const State& s, Property p) const {
    const z3::expr wrote = s[WROTE_OP] || s[WROTE_AFTER];
    switch (p) {
      case Property::kNoTlbConflict: return s[CONFLICT];
      case Property::kNoFaultSameOutput: return s[FAULT] || s[WRONG_OA];
      case Property::kNoLostDirty: return done(s) && wrote && !leaf_dirty(s);
      case Property::kFinalState: return done(s) && !final_ok(s);
      case Property::kNoFreedTableWalk: return s[UAF];
      case Property::kNoStaleAccess: return s[STALE];
      case Property::kDirtyNotLost: {
        const z3::expr owed = spec_.recorded_pages ? in_ranges(s[IX], {*spec_.recorded_pages}) : b(true);
        return done(s) && ((owed && s[WROTE_OP] && !s[RECORDED] && !leaf_dirty(s)) || (s[WROTE_AFTER] && !leaf_dirty(s)));
      }
      case Property::kWritesRecorded: return done(s) && s[WROTE_OP] && !s[RECORDED];
    }
    return c_.bool_val(false);
  }

  std::string describe_state(const z3::model& m, const State& s) const;

 private:
  z3::expr in_ranges(const z3::expr& ix, const std::vector<std::pair<unsigned, unsigned>>& ranges) const {
    z3::expr e = c_.bool_val(false);
    for (auto [lo, hi] : ranges) e = e || (z3::uge(ix, num(lo)) && z3::ule(ix, num(hi)));
    return e;
  }
  z3::expr b(bool v) const { return c_.bool_val(v); }
  z3::expr num(size_t v) const { return c_.bv_val(unsigned(v), kCounterBits); }
  z3::expr tid(int t) const { return c_.bv_val(unsigned(t) & ((1u << kTidBits) - 1), kTidBits); }
  z3::expr eq_slot(const State& s, const AbsDesc& a) const {
    return s[S_V] == b(a.valid) && s[S_T] == b(a.table) && s[S_AP2] == b(a.ap2) && s[S_DBM] == b(a.dbm) &&
           s[S_AF] == b(a.af) && s[S_NT] == b(a.nt) && s[S_OA] == b(a.oa_ok) && s[S_TID] == tid(a.tid);
  }
  z3::expr eq_page(const State& s, int t, const AbsDesc& a) const {
    return s[E(t, E_V)] == b(a.valid) && s[E(t, E_AP2)] == b(a.ap2) && s[E(t, E_DBM)] == b(a.dbm) &&
           s[E(t, E_AF)] == b(a.af) && s[E(t, E_OA)] == b(a.oa_ok);
  }
  void set_slot(State& n, const AbsDesc& a) const {
    n[S_V] = b(a.valid), n[S_T] = b(a.table), n[S_AP2] = b(a.ap2), n[S_DBM] = b(a.dbm), n[S_AF] = b(a.af);
    n[S_NT] = b(a.nt), n[S_OA] = b(a.oa_ok), n[S_TID] = tid(a.tid);
  }
  void set_page(State& n, int t, const AbsDesc& a) const {
    n[E(t, E_V)] = b(a.valid), n[E(t, E_AP2)] = b(a.ap2), n[E(t, E_DBM)] = b(a.dbm), n[E(t, E_AF)] = b(a.af);
    n[E(t, E_OA)] = b(a.oa_ok);
  }
  z3::expr block(const State& s) const { return s[S_V] && !s[S_T]; }
  z3::expr via_slot(const State& s, int t) const { return s[S_V] && s[S_T] && s[S_TID] == tid(t); }
  z3::expr via_wc(const State& s, int t) const { return s[WC_V] && s[WC_TID] == tid(t); }
  z3::expr live_tid(const State& s, const z3::expr& id) const {
    z3::expr e = b(false);
    for (int t = 0; t < nt_; ++t) e = e || (id == tid(t) && s[E(t, E_LIVE)]);
    return e;
  }
  z3::expr page_ok(const State& s, int t) const { return s[E(t, E_LIVE)] && s[E(t, E_V)] && s[E(t, E_AF)]; }
  z3::expr leaf_dirty(const State& s) const {
    z3::expr e = block(s) && s[S_DBM] && !s[S_AP2];
    for (int t = 0; t < nt_; ++t) e = e || (via_slot(s, t) && s[E(t, E_V)] && s[E(t, E_DBM)] && !s[E(t, E_AP2)]);
    return e;
  }
  z3::expr done(const State& s) const {
    z3::expr e = b(false);
    for (size_t g = 0; g < groups_.size(); ++g) e = e || (s[TR] == int(g) && s[PC] == int(groups_[g].trace.steps.size()));
    return e;
  }
  z3::expr final_ok(const State& s) const {
    const z3::expr dirty_expected = b(spec_.dirty_at_start) || s[WROTE_OP] || s[WROTE_AFTER];
    z3::expr state = b(true);
    switch (spec_.final_spec) {
      case FinalSpec::kNone: break;
      case FinalSpec::kSplitDone:
      case FinalSpec::kUnchangedPages: {
        state = b(false);
        for (int t = 0; t < nt_; ++t)
          state = state || (via_slot(s, t) && page_ok(s, t) && s[E(t, E_OA)] && s[E(t, E_DBM)] &&
                            (!s[E(t, E_AP2)]) == dirty_expected);
        break;
      }
      case FinalSpec::kMergeDone:
      case FinalSpec::kUnchangedBlock:
        state = block(s) && s[S_AF] && s[S_OA] && s[S_DBM] && (!s[S_AP2]) == dirty_expected;
        if (spec_.final_spec == FinalSpec::kMergeDone) state = state && !s[S_NT];
        break;
      case FinalSpec::kUnmapped: {
        state = !s[S_V];
        for (int t = 0; t < nt_; ++t) state = state || (via_slot(s, t) && !s[E(t, E_V)]);
        break;
      }
    }
    // The return values are recorded constants: a group whose returns differ is wrong in every state.
    z3::expr returns_ok = b(false);
    for (size_t g = 0; g < groups_.size(); ++g)
      if (groups_[g].trace.returns == spec_.expected_returns) returns_ok = returns_ok || s[TR] == int(g);
    return state && returns_ok;
  }

  void add_rule(TimelineRule r) { rules_.push_back(std::move(r)); }
  void build_rules();
  void cpu_rules();
  void device_rules();
  // A successful device access translating to the page's output when `oa_ok`.
  void success(State& n, const z3::expr& oa_ok) const {
    n[STALE] = pre_[STALE] || pre_[REUSED];
    n[WRONG_OA] = pre_[WRONG_OA] || !oa_ok;
  }
  void wrote(State& n) const {
    n[WROTE_OP] = pre_[WROTE_OP] || !pre_[RETURNED];
    n[WROTE_AFTER] = pre_[WROTE_AFTER] || pre_[RETURNED];
  }

  z3::context& c_;
  const ModelSpec& spec_;
  const std::vector<Group>& groups_;
  int nt_;
  State pre_;
  std::vector<TimelineRule> rules_;
};

void Model::build_rules() {
  cpu_rules();
  device_rules();
}

void Model::cpu_rules() {
  const State& s = pre_;
  for (size_t g = 0; g < groups_.size(); ++g) {
    const auto& steps = groups_[g].trace.steps;
    for (size_t k = 0; k < steps.size(); ++k) {
      const AStep& st = steps[k];
      State n = s;
      n[PC] = num(k + 1);
      z3::expr guard = s[TR] == int(g) && s[PC] == int(k);
      switch (st.kind) {
        case AKind::kSlot:
          if (st.observes) guard = guard && eq_slot(s, st.before);
          set_slot(n, st.after);
          if (st.changed) n[TB_FRESH] = b(false);
          break;
        case AKind::kPage:
          if (st.observes) guard = guard && eq_page(s, st.tid, st.before);
          set_page(n, st.tid, st.after);
          n[UAF] = s[UAF] || !s[E(st.tid, E_LIVE)];
          if (st.changed) n[TP_FRESH] = s[TP_FRESH] && !(s[TP_TID] == tid(st.tid));
          break;
        case AKind::kInv:
          n[TB_DOOM] = s[TB_DOOM] || s[TB_V];
          n[TP_DOOM] = s[TP_DOOM] || s[TP_V];
          if (!st.leaf_only) n[WC_DOOM] = s[WC_DOOM] || s[WC_V];
          break;
        case AKind::kSync:
          for (auto [v, d] : {std::pair{TB_V, TB_DOOM}, std::pair{TP_V, TP_DOOM}, std::pair{WC_V, WC_DOOM}}) {
            n[v] = s[v] && !s[d];
            n[d] = b(false);
          }
          break;
        case AKind::kAlloc:
          set_page(n, st.tid, AbsDesc{});
          n[E(st.tid, E_LIVE)] = b(true);
          break;
        case AKind::kFree:
          if (st.tid == kNotATable) {
            n[UAF] = b(true);
          } else {
            n[UAF] = s[UAF] || !s[E(st.tid, E_LIVE)];
            n[E(st.tid, E_LIVE)] = b(false);
          }
          break;
        case AKind::kRecord: n[RECORDED] = b(true); break;
        case AKind::kReturn: n[RETURNED] = b(true); break;
        case AKind::kReuse: n[REUSED] = b(true); break;
        case AKind::kWild: n[UAF] = b(true); break;
      }
      add_rule(TimelineRule{true, int(g), int(k), DevAction::kNone, -1, "", guard, n});
    }
  }
}

void Model::device_rules() {
  const State& s = pre_;
  const bool may_conflict = spec_.bbml < 2;
  auto dev = [&](DevAction a, int tid, const std::string& how, const z3::expr& guard, const State& n) {
    add_rule(TimelineRule{false, -1, -1, a, tid, how, guard, n});
  };
  {  // fill the block's entry (never an nT block at bbml 1)
    State n = s;
    n[TB_V] = b(true), n[TB_AP2] = s[S_AP2], n[TB_DBM] = s[S_DBM], n[TB_OA] = s[S_OA], n[TB_FRESH] = b(true), n[TB_DOOM] = b(false);
    n[CONFLICT] = s[CONFLICT] || (b(may_conflict) && (s[TP_V] || (s[TB_V] && s[TB_OA] != s[S_OA])));
    dev(DevAction::kFillBlock, -1, "walk", block(s) && s[S_AF] && !(b(spec_.bbml == 1) && s[S_NT]), n);
  }
  for (int t = 0; t < nt_; ++t) {
    for (bool wc : {false, true}) {  // fill the page's entry, walking from the slot or through the walk cache
      State n = s;
      n[TP_V] = b(true), n[TP_AP2] = s[E(t, E_AP2)], n[TP_DBM] = s[E(t, E_DBM)], n[TP_OA] = s[E(t, E_OA)];
      n[TP_FRESH] = b(true), n[TP_DOOM] = wc ? s[WC_DOOM] : b(false), n[TP_TID] = tid(t);
      n[CONFLICT] = s[CONFLICT] || (b(may_conflict) && (s[TB_V] || (s[TP_V] && s[TP_OA] != s[E(t, E_OA)])));
      dev(DevAction::kFillPage, t, wc ? "walk cache" : "walk", (wc ? via_wc(s, t) : via_slot(s, t)) && page_ok(s, t), n);
    }
  }
  {  // cache the slot's table pointer
    State n = s;
    n[WC_V] = b(true), n[WC_TID] = s[S_TID], n[WC_DOOM] = b(false);
    dev(DevAction::kFillWalkCache, -1, "walk", s[S_V] && s[S_T], n);
  }
  {  // a walk that reads a freed table (or something never allocated)
    State n = s;
    n[UAF] = b(true);
    dev(DevAction::kWalkFreed, -1, "", (s[S_V] && s[S_T] && !live_tid(s, s[S_TID])) || (s[WC_V] && !live_tid(s, s[WC_TID])), n);
  }
  for (auto [a, v, d] : {std::tuple{DevAction::kEvictBlock, TB_V, TB_DOOM}, std::tuple{DevAction::kEvictPage, TP_V, TP_DOOM},
                         std::tuple{DevAction::kEvictWalkCache, WC_V, WC_DOOM}}) {
    State n = s;
    n[v] = b(false), n[d] = b(false);
    dev(a, -1, "", s[v], n);
  }
  // Reads through a cached entry, and writes through one that is writable without a descriptor update;
  // returns the state after a write (for the HTTU variants).
  auto cached = [&](int valid, int ap2, int oa, const std::string& what) {
    State n = s;
    success(n, s[oa]);
    dev(DevAction::kReadCached, -1, what, s[valid], n);
    State w = n;
    wrote(w);
    dev(DevAction::kWriteCached, -1, what + ", already dirty", s[valid] && !s[ap2], w);
    return w;
  };
  {
    State h = cached(TB_V, TB_AP2, TB_OA, "block entry");  // HTTU: CAS of the descriptor the entry was filled from
    h[S_AP2] = b(false), h[TB_AP2] = b(false);
    dev(DevAction::kWriteCached, -1, "block entry, HTTU CAS clean->dirty", s[TB_V] && s[TB_AP2] && s[TB_DBM] && s[TB_FRESH], h);
  }
  {
    const State w = cached(TP_V, TP_AP2, TP_OA, "page entry");
    for (int t = 0; t < nt_; ++t) {
      State h = w;
      h[E(t, E_AP2)] = b(false), h[TP_AP2] = b(false);
      h[UAF] = s[UAF] || !s[E(t, E_LIVE)];  // a CAS into a freed table
      dev(DevAction::kWriteCached, t, "page entry, HTTU CAS clean->dirty",
          s[TP_V] && s[TP_AP2] && s[TP_DBM] && s[TP_FRESH] && s[TP_TID] == tid(t), h);
    }
  }
  // Accesses by a fresh walk (nothing cached).
  {
    State n = s;
    success(n, s[S_OA]);
    dev(DevAction::kReadWalk, -1, "block", block(s) && s[S_AF], n);
    State w = n;
    wrote(w);
    w[S_AP2] = b(false);
    w[TB_FRESH] = s[TB_FRESH] && !s[S_AP2];  // a clean block changed under a cached entry
    dev(DevAction::kWriteWalk, -1, "block", block(s) && s[S_AF] && (s[S_DBM] || !s[S_AP2]), w);
  }
  for (int t = 0; t < nt_; ++t) {
    for (bool wc : {false, true}) {
      const z3::expr via = wc ? via_wc(s, t) : via_slot(s, t);
      State n = s;
      success(n, s[E(t, E_OA)]);
      dev(DevAction::kReadWalk, t, wc ? "page, through the walk cache" : "page", via && page_ok(s, t), n);
      State w = n;
      wrote(w);
      w[E(t, E_AP2)] = b(false);
      w[TP_FRESH] = s[TP_FRESH] && !(s[TP_TID] == tid(t) && s[E(t, E_AP2)]);
      dev(DevAction::kWriteWalk, t, wc ? "page, through the walk cache" : "page",
          via && page_ok(s, t) && (s[E(t, E_DBM)] || !s[E(t, E_AP2)]), w);
    }
  }
  {  // a walk that finds no translation for a write (or a read): a fault, while the operation runs
    z3::expr no_translation = !s[S_V] || (block(s) && (!s[S_AF] || (s[S_AP2] && !s[S_DBM])));
    for (int t = 0; t < nt_; ++t) {
      const z3::expr bad_leaf = s[E(t, E_LIVE)] && !(s[E(t, E_V)] && s[E(t, E_AF)] && (s[E(t, E_DBM)] || !s[E(t, E_AP2)]));
      no_translation = no_translation || (via_slot(s, t) && bad_leaf) || (via_wc(s, t) && bad_leaf);
    }
    State n = s;
    n[FAULT] = s[FAULT] || !s[RETURNED];
    dev(DevAction::kFault, -1, "", no_translation, n);
  }
}

// A descriptor of the model's state in words (the slot when t < 0, else entry i of tracked table t).
std::string describe_entry(const z3::model& m, const State& s, int t, int ntables, const std::vector<int>& ids) {
  auto on = [&](int v) { return model_u64(m, s[size_t(v)]) != 0; };
  auto leaf = [&](bool ap2, bool dbm, bool oa) {
    std::string d = dbm ? (ap2 ? "writable-clean" : "writable-DIRTY") : (ap2 ? "read-only" : "writable");
    return d + (oa ? "" : ", another output");
  };
  if (t < 0) {
    if (!on(S_V)) return "invalid";
    if (on(S_T)) {
      const uint64_t id = model_u64(m, s[S_TID]);
      return "a table pointer to " + (id < ids.size() ? "T" + std::to_string(ids[id]) : std::string("an untracked table"));
    }
    return std::string("a 2M block, ") + leaf(on(S_AP2), on(S_DBM), on(S_OA)) + (on(S_NT) ? ", nT" : "");
  }
  if (t >= ntables) return "?";
  const int base = kFixedVars + kEFields * t;
  if (!on(base + E_V)) return "invalid";
  return "a 4K page, " + leaf(on(base + E_AP2), on(base + E_DBM), on(base + E_OA));
}

// Why a CPU step matters, when the model's state just before it differs from what the recording saw (a plain
// write replacing what the device changed) or it frees a table the device can still reach.
std::string cpu_step_note(const z3::model& m, const State& before, const AStep& st, int ntables, const std::vector<int>& ids) {
  auto on = [&](int v) { return model_u64(m, before[size_t(v)]) != 0; };
  if ((st.kind == AKind::kSlot || st.kind == AKind::kPage) && !st.observes) {
    const int t = st.kind == AKind::kSlot ? -1 : st.tid;
    const bool dirtied = st.kind == AKind::kSlot ? (st.before.ap2 && on(S_V) && !on(S_T) && !on(S_AP2))
                                                 : (st.before.ap2 && on(kFixedVars + kEFields * t + E_V) &&
                                                    !on(kFixedVars + kEFields * t + E_AP2));
    if (dirtied)
      return "<- plain write over " + describe_entry(m, before, t, ntables, ids) +
             " (the device dirtied it after the target read it clean): the dirty bit is gone";
  }
  if (st.kind == AKind::kFree && st.tid >= 0 && st.tid < ntables) {
    const uint64_t wc = model_u64(m, before[WC_TID]);
    const bool cached = on(WC_V) && int(wc) == st.tid;
    const bool linked = on(S_V) && on(S_T) && int(model_u64(m, before[S_TID])) == st.tid;
    // A cached page entry from it: an HTTU update through it writes its descriptor, in the table.
    const bool page_cached = on(TP_V) && int(model_u64(m, before[TP_TID])) == st.tid;
    if (cached || linked || page_cached)
      return std::string("<- freed while ") +
             (linked ? "the slot still points at it"
                     : cached ? "the walk cache still points at it"
                              : "the IOTLB holds a page entry from it (an HTTU update writes into the table)") +
             (on(WC_DOOM) || on(TP_DOOM) ? " (its invalidation is not synced yet)" : " (no invalidation synced yet)");
  }
  return "";
}

// The IOTLB and walk cache of a state, for the timeline.
std::string describe_iotlb(const z3::model& m, const State& s, const std::vector<int>& ids) {
  auto table = [&](int v) {
    const uint64_t t = model_u64(m, s[size_t(v)]);
    return "T" + (t < ids.size() ? std::to_string(ids[t]) : std::string("?"));
  };
  auto on = [&](int v) { return model_u64(m, s[size_t(v)]) != 0; };
  auto leaf = [&](int ap2, int dbm, int oa) {
    std::string d = on(dbm) ? (on(ap2) ? "writable-clean" : "writable-dirty") : (on(ap2) ? "read-only" : "writable");
    return d + (on(oa) ? "" : ", OTHER OUTPUT");
  };
  std::string out;
  if (on(TB_V)) out += "[2M block, " + leaf(TB_AP2, TB_DBM, TB_OA) + (on(TB_DOOM) ? ", invalidation pending" : "") + "] ";
  if (on(TP_V))
    out += "[4K page from " + table(TP_TID) + ", " + leaf(TP_AP2, TP_DBM, TP_OA) +
           (on(TP_DOOM) ? ", invalidation pending" : "") + "] ";
  if (on(WC_V)) out += "[walk cache: slot -> " + table(WC_TID) + (on(WC_DOOM) ? ", invalidation pending" : "") + "]";
  return out.empty() ? "empty" : out;
}

z3::expr substitute_state(const z3::expr& e, const State& from, const State& to) {
  z3::expr_vector f(e.ctx()), t(e.ctx());
  for (size_t i = 0; i < from.size(); ++i) f.push_back(from[i]), t.push_back(to[i]);
  z3::expr copy = e;
  return copy.substitute(f, t);
}

// Spacer, one predicate per program location (group g, CPU step k): P_g_k(state) holds for every state
// reachable with the CPU about to perform step k of group g. Device actions loop on a location; a CPU step
// moves to the next. PC, TR and IX are constants of a location, so they are not arguments.
// The state variables `e` mentions (indexes into pre).
void collect_vars(const z3::expr& e, const State& pre, std::vector<bool>& in, std::vector<unsigned>& seen) {
  const unsigned id = Z3_get_ast_id(e.ctx(), e);
  if (std::find(seen.begin(), seen.end(), id) != seen.end()) return;
  seen.push_back(id);
  if (e.is_const()) {
    for (size_t v = 0; v < pre.size(); ++v)
      if (z3::eq(e, pre[v])) in[v] = true;
    return;
  }
  for (unsigned k = 0; k < e.num_args(); ++k) collect_vars(e.arg(k), pre, in, seen);
}

// Cone of influence: the variables the property depends on -- those it reads, those any guard reads (they
// decide what is reachable), and, transitively, those their next values read. The others (most sticky
// violation flags) are left out of the fixedpoint's state: each would double the states it enumerates.
std::vector<bool> cone(const Model& m, const z3::expr& bad_now) {
  const State& pre = m.pre();
  std::vector<bool> in(pre.size(), false);
  std::vector<unsigned> seen;
  collect_vars(bad_now, pre, in, seen);
  for (const TimelineRule& r : m.rules()) collect_vars(r.guard, pre, in, seen);
  for (bool grew = true; grew;) {
    grew = false;
    for (size_t v = 0; v < pre.size(); ++v) {
      if (!in[v]) continue;
      for (const TimelineRule& r : m.rules()) {
        std::vector<bool> more(pre.size(), false);
        std::vector<unsigned> s2;
        collect_vars(r.next[v], pre, more, s2);
        for (size_t w = 0; w < pre.size(); ++w)
          if (more[w] && !in[w]) in[w] = grew = true;
      }
    }
  }
  return in;
}

// Z3's fixedpoint engine, one predicate per program location (group g, CPU step k): P_g_k(state) holds for
// every state reachable with the CPU about to perform step k of group g. Device actions loop on a location;
// a CPU step moves to the next. PC, TR and IX are constants of a location, so they are not arguments.
// Every argument has a finite sort, so the Datalog engine computes the exact least fixpoint (Spacer, for
// PTC_PROVE_ENGINE=spacer, does not finish on this encoding in reasonable time).
// With `ends`, the query is instead whether the end of every group is reachable (the vacuity check).
// With `ends_reached` as well (and not `ends`), one run answers both questions: Answer(1) is derived from Bad,
// Answer(0) from AllEnds, and the query Answer(x) returns the set of x derived; *ends_reached tells whether
// every group's end was reachable, the result whether Bad was. The Datalog engine saturates every relation the
// query depends on in one bottom-up run, so this costs one run instead of two.
z3::check_result fixedpoint(z3::context& c, const Model& m, const std::vector<Group>& groups,
                            const std::vector<Property>& props, unsigned timeout_ms, std::string* reason, bool ends = false,
                            bool* ends_reached = nullptr) {
  const bool both = ends_reached && !ends;
  if (both) ends = true;
  const auto t_start = std::chrono::steady_clock::now();
  z3::fixedpoint fp(c);
  z3::params params(c);
  const char* engine = std::getenv("PTC_PROVE_ENGINE");
  params.set("engine", c.str_symbol(engine ? engine : "datalog"));
  params.set("timeout", timeout_ms);
  fp.set(params);
  const State& pre = m.pre();
  z3::expr bad_now = c.bool_val(false);
  for (Property p : props) bad_now = bad_now || m.bad(m.pre(), p);
  const std::vector<bool> relevant = cone(m, bad_now);
  z3::sort_vector sorts(c);
  z3::expr_vector vars(c);
  std::vector<int> args_of;  // state variables that are predicate arguments
  for (int v = 0; v < int(pre.size()); ++v) {
    if (v == PC || v == TR || v == IX) continue;
    vars.push_back(pre[size_t(v)]);  // outside the cone a variable is only constrained by init: quantified away
    if (!relevant[size_t(v)]) continue;
    args_of.push_back(v);
    sorts.push_back(pre[size_t(v)].get_sort());
  }
  z3::func_decl bad = c.function("Bad", 0, nullptr, c.bool_sort());
  fp.register_relation(bad);
  z3::func_decl all_ends = c.function("AllEnds", 0, nullptr, c.bool_sort());
  fp.register_relation(all_ends);
  z3::expr all_ends_body = c.bool_val(true);
  int rule_no = 0;
  auto add = [&](const z3::expr& body, const z3::expr& head) {
    z3::expr r = z3::forall(vars, z3::implies(body, head));
    fp.add_rule(r, c.str_symbol(("r" + std::to_string(rule_no++)).c_str()));
  };
  // Device rules read and write only the cone (guards are in it by construction) and never PC/TR/IX: their
  // bodies and heads are the same at every location.
  std::vector<std::pair<z3::expr, z3::expr_vector>> device;
  for (const TimelineRule& r : m.rules()) {
    if (r.cpu) continue;
    z3::expr_vector head(c);
    for (int v : args_of) head.push_back(r.next[size_t(v)]);
    device.emplace_back(r.guard, head);
  }
  z3::expr_vector here_args(c);
  for (int v : args_of) here_args.push_back(pre[size_t(v)]);
  for (size_t g = 0; g < groups.size(); ++g) {
    const size_t len = groups[g].trace.steps.size();
    std::vector<z3::func_decl> loc;
    for (size_t k = 0; k <= len; ++k) {
      loc.push_back(c.function(("P_" + std::to_string(g) + "_" + std::to_string(k)).c_str(), sorts, c.bool_sort()));
      fp.register_relation(loc.back());
    }
    auto at = [&](size_t k, const z3::expr& e) {  // e with this location's constants
      z3::expr_vector from(c), to(c);
      from.push_back(pre[PC]), to.push_back(c.bv_val(unsigned(k), kCounterBits));
      from.push_back(pre[TR]), to.push_back(c.bv_val(unsigned(g), kCounterBits));
      from.push_back(pre[IX]), to.push_back(c.bv_val(groups[g].ranges.front().first, kCounterBits));
      z3::expr copy = e;
      return copy.substitute(from, to).simplify();
    };
    auto app = [&](size_t k, const State& st) {
      z3::expr_vector a(c);
      for (int v : args_of) a.push_back(at(k, st[size_t(v)]));
      return loc[k](a);
    };
    add(at(0, m.init(pre)), app(0, pre));
    for (size_t k = 0; k <= len; ++k) {
      const z3::expr here = loc[k](here_args);
      for (const auto& [guard, head] : device) add(here && guard, loc[k](head));
      for (const TimelineRule& r : m.rules())
        if (r.cpu && r.group == int(g) && r.step == int(k)) add(here && at(k, r.guard), app(k + 1, r.next));
      if (!ends || both) add(here && at(k, bad_now), bad());
    }
    if (ends) {
      z3::func_decl end = c.function(("End_" + std::to_string(g)).c_str(), 0, nullptr, c.bool_sort());
      fp.register_relation(end);
      add(loc[len](here_args), end());
      all_ends_body = all_ends_body && end();
    }
  }
  if (ends) add(all_ends_body, all_ends());
  z3::expr q = ends ? all_ends() : bad();
  z3::sort_vector answer_sorts(c);
  answer_sorts.push_back(c.bv_sort(1));
  z3::func_decl answer = c.function("Answer", answer_sorts, c.bool_sort());
  const z3::expr which = c.bv_const("which", 1);
  if (both) {
    fp.register_relation(answer);
    add(bad(), answer(c.bv_val(1, 1)));
    add(all_ends(), answer(c.bv_val(0, 1)));
    q = z3::exists(which, answer(which));
  }
  const auto t_built = std::chrono::steady_clock::now();
  if (std::getenv("PTC_PROVE_DEBUG"))
    std::fprintf(stderr, "fixedpoint: %d rules, %zu arguments, built in %.2fs\n", rule_no, args_of.size(),
                 std::chrono::duration<double>(t_built - t_start).count());
  if (const char* dump = std::getenv("PTC_PROVE_DUMP")) {
    if (std::FILE* f = std::fopen(dump, "w")) {
      std::fputs(fp.to_string().c_str(), f);
      std::fclose(f);
    }
  }
  try {
    z3::check_result r = fp.query(q);
    if (std::getenv("PTC_PROVE_DEBUG"))
      std::fprintf(stderr, "fixedpoint: query %d in %.2fs\n", int(r),
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - t_built).count());
    if (r == z3::unknown) *reason = fp.reason_unknown();
    if (both && r != z3::unknown) {
      // The answer: a formula over the query's variable, true for each x derived.
      const z3::expr ans = fp.get_answer();
      auto derived = [&](unsigned v) {
        z3::expr_vector to(c);
        to.push_back(c.bv_val(v, 1));
        z3::expr copy = ans;
        return copy.substitute(to).simplify().is_true();
      };
      if (r == z3::unsat) {
        *ends_reached = false;
      } else {
        *ends_reached = derived(0);
        r = derived(1) ? z3::sat : z3::unsat;
      }
      if (std::getenv("PTC_PROVE_DEBUG"))
        std::fprintf(stderr, "fixedpoint: answer %s -> bad %d, ends %d\n", ans.to_string().c_str(), int(r), int(*ends_reached));
    }
    return r;
  } catch (const z3::exception& e) {
    *reason = e.msg();
    return z3::unknown;
  }
}

// Bounded unrolling for the counterexample: for d = 0, 1, ... device actions, and each group in turn, one
// SAT problem with exactly the group's CPU steps and d device actions (len + d transitions ending at the
// group's end; the violation flags are sticky, and the others are judged at the end). The first found has
// the fewest device actions; then the page index is reduced (small values first).
struct Path {
  std::vector<int> rules;
  std::vector<State> states;
  std::unique_ptr<z3::model> model;
};

bool bmc(z3::context& c, const Model& m, const std::vector<Group>& groups, Property p, int max_device, unsigned timeout_ms,
         Path* out) {
  const State& pre = m.pre();
  std::vector<std::vector<size_t>> changers(pre.size());  // per variable, the rules that change it
  for (size_t k = 0; k < m.rules().size(); ++k)
    for (size_t v = 0; v < pre.size(); ++v)
      if (!z3::eq(m.rules()[k].next[v], pre[v])) changers[v].push_back(k);
  // One incremental solver per group: its unrolling grows by one transition per round, and each round asks
  // (inside push/pop) whether the group's end can be reached with a violation after exactly len + d
  // transitions. Rounds go by d first, so the first path found has the fewest device actions of all groups.
  struct Unrolling {
    std::unique_ptr<z3::solver> solver;
    std::vector<State> states;
    std::vector<z3::expr> choice;
  };
  std::vector<Unrolling> unrollings(groups.size());
  auto frame = [&](int f) {
    State st;
    for (size_t v = 0; v < pre.size(); ++v)
      st.push_back(c.constant((pre[v].to_string() + "@" + std::to_string(f)).c_str(), pre[v].get_sort()));
    return st;
  };
  auto extend = [&](size_t g, Unrolling& u) {  // one more transition: a rule of group g's CPU or the device
    const int f = int(u.states.size()) - 1;
    u.states.push_back(frame(f + 1));
    const State& cur = u.states[size_t(f)];
    const State& nxt = u.states.back();
    const z3::expr ch = c.bv_const(("choice@" + std::to_string(f)).c_str(), kCounterBits);
    u.choice.push_back(ch);
    auto sub = [&](const z3::expr& e) { return substitute_state(e, pre, cur); };
    z3::expr_vector allowed(c);
    for (size_t k = 0; k < m.rules().size(); ++k) {
      const TimelineRule& rule = m.rules()[k];
      if (rule.cpu && rule.group != int(g)) continue;
      allowed.push_back(ch == int(k) && sub(rule.guard));
    }
    u.solver->add(z3::mk_or(allowed));
    for (size_t v = 0; v < pre.size(); ++v) {
      z3::expr value = cur[v];
      for (size_t k : changers[v])
        if (!m.rules()[k].cpu || m.rules()[k].group == int(g)) value = z3::ite(ch == int(k), sub(m.rules()[k].next[v]), value);
      u.solver->add(nxt[v] == value);
    }
  };
  for (int d = 0; d <= max_device; ++d) {
    for (size_t g = 0; g < groups.size(); ++g) {
      const int len = int(groups[g].trace.steps.size());
      Unrolling& u = unrollings[g];
      if (!u.solver) {
        u.solver = std::make_unique<z3::solver>(c, "QF_BV");
        z3::params params(c);
        params.set("timeout", timeout_ms);
        u.solver->set(params);
        u.states.push_back(frame(0));
        u.solver->add(m.init(u.states[0]) && u.states[0][TR] == int(g));
      }
      while (int(u.states.size()) - 1 < len + d) extend(g, u);
      z3::solver& s = *u.solver;
      s.push();
      s.add(u.states.back()[PC] == len && m.bad(u.states.back(), p));
      const auto t_check = std::chrono::steady_clock::now();
      const z3::check_result r = s.check();
      if (std::getenv("PTC_PROVE_DEBUG"))
        std::fprintf(stderr, "bmc group %zu, %d device action(s): %d in %.2fs\n", g, d, int(r),
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - t_check).count());
      if (r != z3::sat) {
        s.pop();
        continue;
      }
      std::vector<z3::expr> reduce{u.states[0][IX]};
      z3::model model = reduce_model(s, reduce);
      out->states = u.states;
      for (const z3::expr& ch : u.choice) out->rules.push_back(int(model_u64(model, ch)));
      out->model = std::make_unique<z3::model>(model);
      return true;
    }
  }
  return false;
}

// `groups` with their page ranges cut at the edges of spec.recorded_pages, so that each group holds wholly
// inside or wholly outside them: the fixedpoint evaluates a group's claim at its first page (IX is a constant
// of a location there), so no group may span pages the claim treats differently. *storage holds the cut
// groups; without recorded_pages the result is `groups` itself.
const std::vector<Group>& cut_at_claim(const ModelSpec& spec, const std::vector<Group>& groups, std::vector<Group>* storage) {
  if (!spec.recorded_pages) return groups;
  const auto [lo, hi] = *spec.recorded_pages;
  for (const Group& g : groups) {
    Group inside = g, outside = g;
    inside.ranges.clear();
    outside.ranges.clear();
    for (const auto& [first, last] : g.ranges) {
      if (first < lo) outside.ranges.push_back({first, std::min(last, lo - 1)});
      if (last >= lo && first <= hi) inside.ranges.push_back({std::max(first, lo), std::min(last, hi)});
      if (last > hi) outside.ranges.push_back({std::max(first, hi + 1), last});
    }
    for (Group* part : {&inside, &outside})
      if (!part->ranges.empty()) storage->push_back(std::move(*part));
  }
  return *storage;
}

}  // namespace

std::optional<ModelOutcome> check_all(const ModelSpec& spec, const std::vector<Group>& recorded,
                                      const std::vector<Property>& props, unsigned timeout_ms) {
  std::vector<Group> storage;
  const std::vector<Group>& groups = cut_at_claim(spec, recorded, &storage);
  z3::context c;
  Model m(c, spec, groups);
  ModelOutcome out;
  std::string reason;
  bool ends_reached = false;
  const z3::check_result r = fixedpoint(c, m, groups, props, timeout_ms, &reason, false, &ends_reached);
  if (r != z3::unknown && !ends_reached) {
    out.verdict = Verdict::kUnknown;
    out.note = "vacuous encoding: some recorded step sequence cannot happen in the model (its assumptions contradict)";
    return out;
  }
  if (r == z3::sat) return std::nullopt;
  out.verdict = r == z3::unsat ? Verdict::kProved : Verdict::kUnknown;
  out.bound = "unbounded (Z3 fixedpoint): any number of device actions in every gap";
  if (r != z3::unsat) out.note = "fixedpoint: " + reason;
  return out;
}

ModelOutcome check_property(const ModelSpec& spec, const std::vector<Group>& recorded, Property p, unsigned timeout_ms,
                            bool replay_checked, bool known_reachable) {
  std::vector<Group> storage;
  const std::vector<Group>& groups = cut_at_claim(spec, recorded, &storage);
  ModelOutcome out;
  z3::context c;
  Model m(c, spec, groups);
  std::string reason;
  if (std::getenv("PTC_PROVE_DEBUG")) {
    std::fprintf(stderr, "groups %zu rules %zu:", groups.size(), m.rules().size());
    for (const Group& g : groups) std::fprintf(stderr, " %zu", g.trace.steps.size());
    std::fprintf(stderr, "\n");
  }
  // Unless done already, the vacuity check rides along with the property's fixedpoint run.
  bool ends_reached = true;
  const z3::check_result r = known_reachable ? z3::sat
                                             : fixedpoint(c, m, groups, {p}, timeout_ms, &reason, false,
                                                          replay_checked ? nullptr : &ends_reached);
  if (r != z3::unknown && !ends_reached) {
    out.verdict = Verdict::kUnknown;
    out.note = "vacuous encoding: some recorded step sequence cannot happen in the model (its assumptions contradict)";
    return out;
  }
  if (std::getenv("PTC_PROVE_DEBUG")) std::fprintf(stderr, "fixedpoint %d %s\n", int(r), reason.c_str());
  size_t longest = 0;
  for (const Group& g : groups) longest = std::max(longest, g.trace.steps.size());
  constexpr int kDeviceBound = 6;  // device actions in all, for counterexamples and the bounded fallback
  const int frames = kDeviceBound;
  if (r == z3::unsat) {
    out.verdict = Verdict::kProved;
    out.bound = "unbounded (Z3 fixedpoint): any number of device actions in every gap";
    return out;
  }
  Path path;
  const bool found = bmc(c, m, groups, p, kDeviceBound, timeout_ms, &path);
  if (found) {
    out.verdict = Verdict::kRefuted;
    out.bound = r == z3::sat ? "unbounded (Z3 fixedpoint); shortest counterexample by bounded unrolling"
                             : "bounded: up to " + std::to_string(frames) + " device actions (fixedpoint: " + reason + ")";
    std::vector<TimelineEvent> events;
    const int group = int(model_u64(*path.model, path.states[0][TR]));
    const unsigned page = unsigned(model_u64(*path.model, path.states[0][IX]));
    for (size_t f = 0; f < path.rules.size(); ++f) {
      const TimelineRule& rule = m.rules()[size_t(path.rules[f])];
      TimelineEvent e{&rule, describe_iotlb(*path.model, path.states[f + 1], spec.table_ids), ""};
      if (rule.cpu)
        e.note = cpu_step_note(*path.model, path.states[f], groups[size_t(group)].trace.steps[size_t(rule.step)],
                               spec.ntables, spec.table_ids);
      events.push_back(e);
    }
    const State& last = path.states.back();
    std::string end = "the slot: " + describe_entry(*path.model, last, -1, spec.ntables, spec.table_ids);
    for (int t = 0; t < spec.ntables; ++t)
      if (model_u64(*path.model, last[size_t(kFixedVars + kEFields * t + E_LIVE)]))
        end += "; T" + std::to_string(spec.table_ids[size_t(t)]) + "[" + std::to_string(page) +
               "]: " + describe_entry(*path.model, last, t, spec.ntables, spec.table_ids);
    const bool wrote = model_u64(*path.model, last[WROTE_OP]) || model_u64(*path.model, last[WROTE_AFTER]);
    end += std::string("; the device ") + (wrote ? "wrote" : "did not write") + " the page";
    const Timeline tl = render_timeline(groups[size_t(group)], page, events, p, end);
    out.counterexample = tl.text;
    out.script = tl.script;
    return out;
  }
  if (r == z3::sat) {
    out.verdict = Verdict::kRefuted;
    out.bound = "unbounded (Z3 fixedpoint)";
    out.note = "no counterexample with up to " + std::to_string(frames) + " device actions to print";
    return out;
  }
  out.verdict = Verdict::kUnknown;
  out.bound = "bounded: no counterexample with up to " + std::to_string(frames) + " device actions";
  out.note = "fixedpoint: " + reason;
  return out;
}

}  // namespace ptc::proofs
