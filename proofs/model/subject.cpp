#include "proofs/model/subject.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "core/descriptor_bits.h"

namespace ptc::proofs {

namespace {

bool writable_clean(uint64_t v, bool page) {
  const bool leaf = (v & pte::kValid) && (page ? (v & pte::kPage) != 0 : (v & pte::kTable) == 0);
  return leaf && (v & pte::kDbm) && (v & pte::kAp2);
}

bool below_slot(const Trace& t, int table) {
  return table >= 0 && table != t.slot_table &&
         std::find(t.path_tables.begin(), t.path_tables.end(), table) == t.path_tables.end();
}

// The injection points of a recording: slot ordinals and page ordinals at which the location holds a
// writable-clean leaf, which a device write could dirty just before the target looks.
void injection_points(const Trace& t, std::vector<unsigned>* slot, std::vector<unsigned>* page) {
  unsigned slot_n = 0;
  std::vector<unsigned> page_n(kPagesPerRegion, 0);
  std::set<unsigned> slots, pages;
  for (const Step& s : t.steps) {
    if (!is_access(s.kind)) continue;
    if (s.table == t.slot_table && s.index == t.slot_index) {
      ++slot_n;
      if (writable_clean(s.before, false)) slots.insert(slot_n);
    } else if (below_slot(t, s.table) && s.index < kPagesPerRegion) {
      const unsigned n = ++page_n[s.index];
      if (writable_clean(s.before, true)) pages.insert(n);
    }
  }
  slot->assign(slots.begin(), slots.end());
  page->assign(pages.begin(), pages.end());
}

std::string pattern_name(const std::vector<Injection>& in) {
  if (in.empty()) return "none";
  std::string s;
  for (const Injection& j : in)
    s += (s.empty() ? "" : " + ") + std::string(j.slot ? "the slot" : "this page") + " before its access #" + std::to_string(j.ordinal);
  return s;
}

void add_projection(Subject& subj, const Trace* raw, const std::vector<int>& tracked, unsigned i, const std::string& pattern) {
  AddrTrace a = project(*raw, tracked, i);
  for (Group& g : subj.groups) {
    if (g.trace == a) {
      if (!g.ranges.empty() && g.ranges.back().second + 1 == i)
        g.ranges.back().second = i;
      else
        g.ranges.push_back({i, i});
      return;
    }
  }
  subj.groups.push_back(Group{std::move(a), {{i, i}}, raw, pattern});
}

// Adds a recording to the subject: projected onto `pages` (all of them, or the one page it injected at).
bool add_trace(Subject& subj, Trace t, const std::vector<unsigned>& pages, const std::string& pattern) {
  std::string why;
  const std::vector<int> tracked = tracked_tables(t, &why);
  if (!why.empty()) {
    subj.unknown = why;
    return false;
  }
  if (subj.traces.empty()) {
    subj.table_ids = tracked;
  } else if (tracked.size() != subj.table_ids.size()) {
    subj.unknown = "recordings with different numbers of tables below the slot";
    return false;
  }
  // Keep the recording only when it starts a new group (the timeline needs it); else drop it.
  subj.traces.push_back(std::move(t));
  const Trace* raw = &subj.traces.back();
  const size_t before = subj.groups.size();
  for (unsigned i : pages) add_projection(subj, raw, tracked, i, pattern);
  if (subj.groups.size() == before) subj.traces.pop_back();
  return true;
}

std::vector<unsigned> all_pages() {
  std::vector<unsigned> v(kPagesPerRegion);
  for (unsigned i = 0; i < kPagesPerRegion; ++i) v[i] = i;
  return v;
}

}  // namespace

Subject record_subject(const ptc_target_ops* ops, const Canonical& c, Pipeline p) {
  const auto t0 = std::chrono::steady_clock::now();
  struct Report {
    const Subject* s;
    std::chrono::steady_clock::time_point t0;
    ~Report() {
      if (std::getenv("PTC_PROVE_DEBUG"))
        std::fprintf(stderr, "recorded %zu in %.2fs, %zu groups\n", s->recordings,
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), s->groups.size());
    }
  };
  Subject subj;
  Report report{&subj, t0};
  std::string why;
  auto base = record_pipeline(ops, c, p, {}, &why);
  ++subj.recordings;
  if (!base) {
    (skip_reason(why) ? subj.skipped : subj.unknown) = why;
    return subj;
  }
  if (const Step* f = failed_without_effect(*base)) {
    subj.failed_op = f->op;
    subj.failed_ret = f->ret;
  }
  std::vector<unsigned> slot_points, page_points;
  injection_points(*base, &slot_points, &page_points);
  if (!add_trace(subj, std::move(*base), all_pages(), "none")) return subj;
  // Patterns: one slot injection, one page injection, or one of each.
  std::vector<std::vector<Injection>> patterns;
  for (unsigned j : slot_points) patterns.push_back({Injection{true, 0, j}});
  for (unsigned j : page_points) patterns.push_back({Injection{false, 0, j}});
  for (unsigned js : slot_points)
    for (unsigned jp : page_points) patterns.push_back({Injection{true, 0, js}, Injection{false, 0, jp}});
  for (const std::vector<Injection>& pat : patterns) {
    const bool per_page = std::any_of(pat.begin(), pat.end(), [](const Injection& j) { return !j.slot; });
    if (!per_page) {
      auto t = record_pipeline(ops, c, p, pat, &why);
      ++subj.recordings;
      if (!t && not_recordable(why)) {
        subj.skipped = why;  // a pattern the recordings cannot cover: no verdict on the others alone
        return subj;
      }
      if (t && !failed_without_effect(*t)) subj.failed_op.clear();
      if (t && !add_trace(subj, std::move(*t), all_pages(), pattern_name(pat))) return subj;
      continue;
    }
    // A page injection is recorded once per page: the recording for page k is what the target does when
    // page k is dirtied, and it is projected onto page k only.
    for (unsigned k = 0; k < kPagesPerRegion; ++k) {
      std::vector<Injection> at = pat;
      for (Injection& j : at)
        if (!j.slot) j.page = k;
      auto t = record_pipeline(ops, c, p, at, &why);
      ++subj.recordings;
      if (!t && not_recordable(why)) {
        subj.skipped = why;  // a pattern the recordings cannot cover: no verdict on the others alone
        return subj;
      }
      if (t && !failed_without_effect(*t)) subj.failed_op.clear();
      if (t && !add_trace(subj, std::move(*t), {k}, pattern_name(pat))) return subj;
    }
  }
  return subj;
}

Subject hand_written_subject(Trace t) {
  Subject subj;
  subj.recordings = 0;
  add_trace(subj, std::move(t), all_pages(), "none");
  return subj;
}

}  // namespace ptc::proofs
