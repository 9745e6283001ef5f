#include "proofs/model/race_subject.h"

#include <algorithm>

#include "core/descriptor_bits.h"

namespace ptc::proofs {

namespace {

bool is_slot(const Trace& t, const Step& s) { return s.table == t.slot_table && s.index == t.slot_index; }
bool on_path(const Trace& t, int table) {
  return std::find(t.path_tables.begin(), t.path_tables.end(), table) != t.path_tables.end();
}
bool modifies(const Step& s) { return s.kind == StepKind::kWrite || s.before != s.after; }
bool table_desc(uint64_t v) { return (v & (pte::kValid | pte::kTable)) == (pte::kValid | pte::kTable); }

int table_at(const Trace& t, uint64_t addr) {
  for (size_t id = 0; id < t.tables.size(); ++id)
    if (t.tables[id].addr == addr) return int(id);
  return -1;
}

// The other map: which step links its table, what it expects there, and what its table holds when it is done.
bool describe_other(RaceSubject& subj) {
  const Trace& o = subj.other;
  const Step* link = nullptr;
  for (size_t k = 0; k < o.steps.size(); ++k) {
    const Step& s = o.steps[k];
    if (is_access(s.kind) && is_slot(o, s) && !(s.before & pte::kValid) && table_desc(s.after)) {
      link = &s;
      subj.other_install = k;
      break;
    }
  }
  if (!link) {
    subj.unknown = "the other map links no table into the empty slot";
    return false;
  }
  const int table = table_at(o, link->after & pte::kAddrMask);
  if (table < 0 || o.tables[size_t(table)].live_at_start) {
    subj.unknown = "the other map links a table it did not allocate during the operation";
    return false;
  }
  if (link->kind == StepKind::kFetchOr) {
    subj.unknown = "the other map links its table with fetch_or";
    return false;
  }
  subj.install.cas = link->kind == StepKind::kCmpxchg;
  subj.install.expected = subj.install.cas ? link->arg : 0;
  subj.install.desc_bits = link->after & ~pte::kAddrMask;
  subj.install_expected = RaceSlot{(subj.install.expected & pte::kValid) != 0, table_desc(subj.install.expected), -1};
  if (subj.install_expected.table) {
    subj.unknown = "the other map's compare-and-swap expects a table in the slot";
    return false;
  }
  // Its table's contents when it is done; and the conditions under which it may act all at once.
  std::vector<uint64_t> entries(o.tables[size_t(table)].bytes / sizeof(uint64_t), 0);
  for (size_t k = 0; k < o.steps.size(); ++k) {
    const Step& s = o.steps[k];
    if (s.kind == StepKind::kFree && s.table == table) {
      subj.unknown = "the other map frees the table it linked";
      return false;
    }
    if (!is_access(s.kind) || !modifies(s) || k == subj.other_install) continue;
    const bool own = s.table == table;
    if (own && s.index < entries.size()) entries[s.index] = s.after;
    const bool fine = k < subj.other_install ? own : own && s.index == subj.theirs;
    if (!fine && (is_slot(o, s) || on_path(o, s.table) || s.table == o.slot_table || own)) {
      subj.unknown = "the other map writes " + std::string(is_slot(o, s) ? "the slot" : "a shared table") +
                     " besides linking its table and writing its own page (step " + std::to_string(k) + ")";
      return false;
    }
    // Writes to tables nobody else reaches (its other new tables) do not matter.
  }
  subj.install.entries = entries;
  subj.other_mine = abstract_page(o, entries[subj.mine], subj.mine);
  subj.other_theirs = abstract_page(o, entries[subj.theirs], subj.theirs);
  return true;
}

// The projection of one of this map's recordings; false with subj.unknown set when it is outside the encoding.
bool project_race(RaceSubject& subj, const Trace& t, RaceGroup& g) {
  std::vector<int> role_of(t.tables.size(), -1);
  int own = 0;
  for (size_t k = 0; k < t.steps.size(); ++k) {
    const Step& s = t.steps[k];
    if (s.kind == StepKind::kAlloc && s.table >= 0) {
      if (own == kRaceOwnTables) {
        subj.unknown = "the map allocates more than " + std::to_string(kRaceOwnTables) + " tables";
        return false;
      }
      role_of[size_t(s.table)] = own++;
    }
    if (s.kind == StepKind::kForeignInstall) role_of[size_t(s.arg)] = kRaceOtherTable;
  }
  auto slot_of = [&](uint64_t v) {
    RaceSlot r{(v & pte::kValid) != 0, table_desc(v), -1};
    if (r.table) {
      const int id = table_at(t, v & pte::kAddrMask);
      r.role = id >= 0 && role_of[size_t(id)] >= 0 ? role_of[size_t(id)] : kRaceNoRole;
    }
    return r;
  };
  for (size_t k = 0; k < t.steps.size(); ++k) {
    const Step& s = t.steps[k];
    RStep r;
    r.raw = k;
    switch (s.kind) {
      case StepKind::kRead:
      case StepKind::kWrite:
      case StepKind::kCmpxchg:
      case StepKind::kXchg:
      case StepKind::kFetchOr: {
        r.observes = s.kind != StepKind::kWrite;
        if (s.table < 0) {
          r.kind = RKind::kWild;
          break;
        }
        if (is_slot(t, s)) {
          r.kind = RKind::kSlot;
          r.slot_before = slot_of(s.before);
          r.slot_after = slot_of(s.after);
          break;
        }
        const int role = role_of[size_t(s.table)];
        if (role >= 0 && (s.index == subj.mine || s.index == subj.theirs)) {
          if (s.index == subj.theirs) {
            subj.unknown = "the map touches the other page's entry (step " + std::to_string(k) + ")";
            return false;
          }
          r.kind = RKind::kEntry;
          r.role = role;
          r.before = abstract_page(t, s.before, s.index);
          r.after = abstract_page(t, s.after, s.index);
          break;
        }
        if (role < 0 && modifies(s) && (on_path(t, s.table) || s.table == t.slot_table)) {
          subj.unknown = "the map changes an entry of a table above or beside the slot (step " + std::to_string(k) + ")";
          return false;
        }
        continue;  // another entry of a table of its own, or a read on the way down
      }
      case StepKind::kAlloc:
        r.kind = RKind::kAlloc;
        r.role = role_of[size_t(s.table)];
        break;
      case StepKind::kFree:
        r.kind = RKind::kFree;
        r.role = s.table >= 0 && role_of[size_t(s.table)] >= 0 ? role_of[size_t(s.table)] : kRaceNoRole;
        break;
      case StepKind::kReturn:
        r.kind = RKind::kReturn;
        g.returns.push_back(s.ret);
        break;
      default: continue;  // TLB maintenance: nothing is cached for an address nobody mapped yet
    }
    g.steps.push_back(r);
  }
  return true;
}

bool add(RaceSubject& subj, Trace t, const std::string& pattern) {
  subj.traces.push_back(std::move(t));
  RaceGroup g;
  g.raw = &subj.traces.back();
  g.pattern = pattern;
  if (!project_race(subj, subj.traces.back(), g)) return false;
  for (const RaceGroup& h : subj.groups)
    if (h.steps == g.steps && h.returns == g.returns) {
      subj.traces.pop_back();
      return true;
    }
  subj.groups.push_back(std::move(g));
  return true;
}

}  // namespace

RaceSubject record_race(const ptc_target_ops* ops, unsigned bbml, unsigned mine) {
  RaceSubject subj;
  subj.mine = mine;
  subj.theirs = 1 - mine;
  const Canonical c{Shape::kEmpty, bbml, false};
  const Pipeline mine_p = mine == 0 ? Pipeline::kMapFirstPage : Pipeline::kMapSecondPage;
  const Pipeline theirs_p = mine == 0 ? Pipeline::kMapSecondPage : Pipeline::kMapFirstPage;
  std::string why;
  auto other = record_pipeline(ops, c, theirs_p, {}, &why);
  ++subj.recordings;
  if (!other) {
    (skip_reason(why) ? subj.skipped : subj.unknown) = why;
    return subj;
  }
  subj.other = std::move(*other);
  if (!describe_other(subj)) return subj;
  auto base = record_pipeline(ops, c, mine_p, {}, &why);
  ++subj.recordings;
  if (!base) {
    (not_recordable(why) ? subj.skipped : subj.unknown) = why;
    return subj;
  }
  unsigned slot_accesses = 0;
  for (const Step& s : base->steps) slot_accesses += is_access(s.kind) && is_slot(*base, s);
  if (!add(subj, std::move(*base), "none")) return subj;
  // The other map first, before this map's j-th access to the slot (the run is the base one up to there).
  for (unsigned j = 1; j <= slot_accesses; ++j) {
    ForeignInstall f = subj.install;
    f.ordinal = j;
    auto t = record_pipeline(ops, c, mine_p, {}, &why, &f);
    ++subj.recordings;
    if (!t && not_recordable(why)) {
      subj.skipped = why;  // a point the recordings cannot cover: no verdict on the others alone
      return subj;
    }
    if (t && !add(subj, std::move(*t), "the other map ran before this map's access #" + std::to_string(j) + " to the slot"))
      return subj;
  }
  return subj;
}

}  // namespace ptc::proofs
