#include "proofs/model/race_model.h"

#include <z3++.h>

#include <cstdio>

#include "proofs/model/timeline.h"
#include "proofs/smt/reduce.h"

namespace ptc::proofs {

namespace {

constexpr unsigned kRoleBits = 3;
constexpr unsigned kPosBits = 16;

std::string hex(uint64_t v) {
  char b[32];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

struct Entry {
  z3::expr v, ap2, dbm, af, oa;
};

// The state after some prefix of the interleaving, as expressions over the choice (pos, fire).
struct RState {
  z3::expr sv, st, srole;           // the slot: valid, table, the role of the table it links
  std::vector<z3::expr> live;       // per role
  std::vector<Entry> mine, theirs;  // per role: the two pages' entries
  z3::expr fired, uaf;
};

class RaceEncoding {
 public:
  RaceEncoding(z3::context& c, const RaceSubject& subj, const RaceGroup& g)
      : c_(c), subj_(subj), g_(g), pos_(c.bv_const("pos", kPosBits)), fire_(c.bool_const("other_map_acts")), guards_(c.bool_val(true)) {
    RState s = init();
    for (size_t k = 0; k <= g.steps.size(); ++k) {
      s = other_map_may_act(s, k);
      after_gap_.push_back(s);
      if (k < g.steps.size()) s = step(s, g.steps[k]);
    }
    final_ = s;
  }

  const z3::expr& pos() const { return pos_; }
  const z3::expr& fire() const { return fire_; }
  // The recorded observations hold and the choice is in range.
  z3::expr assumptions() const { return guards_ && z3::ule(pos_, num(g_.steps.size())); }
  z3::expr took_effect() const { return final_.fired; }
  z3::expr mine_ok(const RState& s, int role) const { return page_ok(s.mine[size_t(role)]) && s.live[size_t(role)]; }
  z3::expr theirs_ok(const RState& s, int role) const { return page_ok(s.theirs[size_t(role)]); }
  // The claim, at the end.
  z3::expr claim() const {
    const RState& s = final_;
    z3::expr linked = c_.bool_val(false);
    for (int r = 0; r < kRaceRoles; ++r)
      linked = linked || (s.srole == role(r) && mine_ok(s, r) && (!s.fired || theirs_ok(s, r)));
    const bool returns_ok = g_.returns == std::vector<int64_t>{0};
    return c_.bool_val(returns_ok) && !s.uaf && s.sv && s.st && linked;
  }
  const RState& final_state() const { return final_; }
  const RState& after_gap(size_t k) const { return after_gap_[k]; }
  z3::expr role(int r) const { return c_.bv_val(unsigned(r), kRoleBits); }

 private:
  z3::expr b(bool v) const { return c_.bool_val(v); }
  z3::expr num(size_t v) const { return c_.bv_val(unsigned(v), kPosBits); }
  Entry entry(const AbsDesc& a) const { return Entry{b(a.valid), b(a.ap2), b(a.dbm), b(a.af), b(a.oa_ok)}; }
  z3::expr eq(const Entry& e, const AbsDesc& a) const {
    return e.v == b(a.valid) && e.ap2 == b(a.ap2) && e.dbm == b(a.dbm) && e.af == b(a.af) && e.oa == b(a.oa_ok);
  }
  z3::expr page_ok(const Entry& e) const { return e.v && e.af && e.oa; }
  z3::expr slot_is(const RState& s, const RaceSlot& r) const {
    z3::expr e = s.sv == b(r.valid) && s.st == b(r.table);
    if (r.table) e = e && s.srole == role(r.role);
    return e;
  }
  static Entry ite(const z3::expr& c, const Entry& a, const Entry& e) {
    return Entry{z3::ite(c, a.v, e.v), z3::ite(c, a.ap2, e.ap2), z3::ite(c, a.dbm, e.dbm), z3::ite(c, a.af, e.af),
                 z3::ite(c, a.oa, e.oa)};
  }

  RState init() const {
    const Trace& t = *g_.raw;
    RState s{b(false), b(false), role(kRaceNoRole), {}, {}, {}, b(false), b(false)};
    const bool start_valid = t.slot_at_start & 1;
    s.sv = b(start_valid);
    s.st = b(false);  // Shape::kEmpty: checked by record_race through the other map's expectation
    for (int r = 0; r < kRaceRoles; ++r) {
      const bool other = r == kRaceOtherTable;
      s.live.push_back(b(other));
      s.mine.push_back(entry(other ? subj_.other_mine : AbsDesc{}));
      s.theirs.push_back(entry(other ? subj_.other_theirs : AbsDesc{}));
    }
    return s;
  }

  // The other map, all at once, in the gap before step k, when the choice says so and its CAS would succeed.
  RState other_map_may_act(RState s, size_t k) const {
    const z3::expr here = fire_ && pos_ == num(k) && !s.fired;
    const z3::expr takes = subj_.install.cas ? here && slot_is(s, subj_.install_expected) : here;
    s.sv = z3::ite(takes, b(true), s.sv);
    s.st = z3::ite(takes, b(true), s.st);
    s.srole = z3::ite(takes, role(kRaceOtherTable), s.srole);
    s.fired = s.fired || takes;
    return s;
  }

  RState step(RState s, const RStep& st) {
    switch (st.kind) {
      case RKind::kSlot:
        if (st.observes) guards_ = guards_ && slot_is(s, st.slot_before);
        s.sv = b(st.slot_after.valid);
        s.st = b(st.slot_after.table);
        s.srole = role(st.slot_after.table ? st.slot_after.role : kRaceNoRole);
        break;
      case RKind::kEntry: {
        const size_t r = size_t(st.role);
        if (st.observes) guards_ = guards_ && eq(s.mine[r], st.before);
        s.uaf = s.uaf || !s.live[r];
        s.mine[r] = entry(st.after);
        break;
      }
      case RKind::kAlloc:
        if (st.role >= 0 && st.role < kRaceRoles) {
          s.live[size_t(st.role)] = b(true);
          s.mine[size_t(st.role)] = entry(AbsDesc{});
          s.theirs[size_t(st.role)] = entry(AbsDesc{});
        }
        break;
      case RKind::kFree:
        if (st.role == kRaceNoRole) {
          s.uaf = b(true);  // it frees a table that is not its own new one
        } else {
          s.uaf = s.uaf || !s.live[size_t(st.role)];
          s.live[size_t(st.role)] = b(false);
        }
        break;
      case RKind::kWild: s.uaf = b(true); break;
      case RKind::kReturn: break;
    }
    return s;
  }

  z3::context& c_;
  const RaceSubject& subj_;
  const RaceGroup& g_;
  z3::expr pos_, fire_, guards_;
  std::vector<RState> after_gap_;
  RState final_{c_.bool_val(false), c_.bool_val(false), c_.bool_val(false), {}, {}, {}, c_.bool_val(false), c_.bool_val(false)};
};

std::string page_iova(unsigned page) { return hex(kRegionIova + page * 4096ull); }
std::string page_pa(unsigned page) { return hex(kRegionPa + page * 4096ull); }
std::string map_line(unsigned page) { return "map " + page_iova(page) + " " + page_pa(page) + " 4K rw"; }

std::string role_name(const Trace& t, int role) {
  if (role == kRaceOtherTable) return "cpu1's table";
  int own = 0;
  for (const Step& s : t.steps)
    if (s.kind == StepKind::kAlloc && own++ == role) return "T" + std::to_string(s.table);
  return "another table";
}

std::string render(const RaceSubject& subj, const RaceGroup& g, const RaceEncoding& enc, const z3::model& m,
                   std::string* script) {
  const Trace& t = *g.raw;
  auto on = [&](const z3::expr& e) { return m.eval(e, true).is_true(); };
  const bool fire = on(enc.fire());
  const size_t pos = size_t(model_u64(m, enc.pos()));
  const bool acted = on(enc.took_effect());
  std::string s;
  s += "  cpu0: " + map_line(subj.mine) + ", recorded: " + t.what + (g.pattern == "none" ? "" : " [" + g.pattern + "]") + "\n";
  const Step& link = subj.other.steps[subj.other_install];
  s += "  cpu1: " + map_line(subj.theirs) + ", recorded on its own; it links its new table into the slot with " +
       (subj.install.cas ? "a compare-and-swap expecting " + hex(subj.install.expected) : std::string("a plain write")) +
       " (its step #" + std::to_string(subj.other_install) + ": " + describe_step(subj.other, link, subj.theirs) + ")\n";
  size_t gap = 0;  // the group step the next printed raw step is
  size_t accesses = 0, accesses_before_cpu1 = 0;
  bool cpu1_printed = false;
  auto print_cpu1 = [&]() {
    if (!fire || !acted || cpu1_printed) return;
    cpu1_printed = true;
    accesses_before_cpu1 = accesses;
    s += "          cpu1 runs its whole map here: it links its table (holding " + page_iova(subj.theirs) + " -> " +
         page_pa(subj.theirs) + ") into L2[" + std::to_string(t.slot_index) + "], the region's slot\n";
  };
  for (size_t k = 0; k < t.steps.size(); ++k) {
    const Step& st = t.steps[k];
    if (st.kind == StepKind::kForeignInstall) continue;  // the model's cpu1 line stands for it
    while (gap < g.steps.size() && g.steps[gap].raw < k) ++gap;
    const bool modelled = gap < g.steps.size() && g.steps[gap].raw == k;
    if (modelled && gap == pos) print_cpu1();
    char head[32];
    std::snprintf(head, sizeof head, "  #%-4zu cpu0 ", k);
    std::string line = head + describe_step(t, st, subj.mine);
    if (modelled && g.steps[gap].kind == RKind::kSlot && !g.steps[gap].observes) {
      const RState& before = enc.after_gap(gap);
      const int was = int(model_u64(m, before.srole));
      if (on(before.sv) && on(before.st) && was == kRaceOtherTable && g.steps[gap].slot_after.role != kRaceOtherTable)
        line += "   <- plain write over cpu1's table: it is unlinked";
    }
    s += line + "\n";
    if (is_access(st.kind)) ++accesses;
  }
  if (pos >= g.steps.size()) print_cpu1();
  const RState& f = enc.final_state();
  const int linked = int(model_u64(m, f.srole));
  s += "  at the end: L2[" + std::to_string(t.slot_index) + "] ";
  if (on(f.sv) && on(f.st) && linked < kRaceRoles) {
    s += "links " + role_name(t, linked) + ": " + page_iova(subj.mine) + (on(enc.mine_ok(f, linked)) ? " mapped" : " NOT mapped") +
         ", " + page_iova(subj.theirs) + (on(enc.theirs_ok(f, linked)) ? " mapped" : " NOT mapped") + "\n";
  } else {
    s += on(f.sv) ? "holds no table of this race\n" : "is empty\n";
  }
  std::string why;
  if (!(g.returns == std::vector<int64_t>{0})) why = "cpu0's map did not return 0";
  else if (on(f.uaf)) why = "cpu0 used or freed a table that was already freed (or not its own)";
  else if (acted && !(on(f.sv) && on(f.st) && linked < kRaceRoles && on(enc.theirs_ok(f, linked))))
    why = "lost map: cpu1's map of " + page_iova(subj.theirs) + " returned 0, but its page is not mapped at the end";
  else why = "cpu0's map of " + page_iova(subj.mine) + " returned 0, but its page is not mapped at the end";
  s += "  => " + why + "\n";
  // The script: cpu1's map as an `@N` line after cpu0's N-th descriptor access.
  std::string& sc = *script;
  sc += "# ptcheck prove: race.map-install refuted for " + t.what + "\n";
  sc += config_line(t) + "\n";
  for (const std::string& l : t.setup_script) sc += l + "\n";
  sc += map_line(subj.mine) + " => 0\n";
  if (acted) sc += "  @" + std::to_string(cpu1_printed ? accesses_before_cpu1 : accesses) + " " + map_line(subj.theirs) + " => 0\n";
  sc += "phys " + page_iova(subj.mine) + " => " + page_pa(subj.mine) + "\n";
  if (acted) sc += "phys " + page_iova(subj.theirs) + " => " + page_pa(subj.theirs) + "\n";
  return s;
}

}  // namespace

RaceOutcome check_race(const RaceSubject& subj, unsigned timeout_ms) {
  RaceOutcome out;
  z3::context c;
  for (const RaceGroup& g : subj.groups) {
    RaceEncoding enc(c, subj, g);
    z3::solver s(c);
    z3::params params(c);
    params.set("timeout", timeout_ms);
    s.set(params);
    s.add(enc.assumptions());
    // Against vacuity: the recorded observations must be possible for some placement of the other map.
    const z3::check_result possible = s.check();
    if (possible != z3::sat) {
      out.verdict = Verdict::kUnknown;
      out.note = possible == z3::unsat ? "vacuous encoding: a recording's observations cannot happen (" + g.pattern + ")"
                                       : "solver: " + s.reason_unknown();
      return out;
    }
    s.add(!enc.claim());
    const z3::check_result r = s.check();
    if (r == z3::unsat) continue;
    if (r == z3::unknown) {
      out.verdict = Verdict::kUnknown;
      out.note = "solver: " + s.reason_unknown();
      return out;
    }
    const z3::model m = reduce_model(s, {enc.pos()});
    out.verdict = Verdict::kRefuted;
    out.bound = "exhaustive: cpu1's map at every point of cpu0's recorded steps";
    out.counterexample = render(subj, g, enc, m, &out.script);
    return out;
  }
  out.verdict = Verdict::kProved;
  out.bound = "exhaustive: cpu1's map at every point of cpu0's recorded steps";
  return out;
}

}  // namespace ptc::proofs
