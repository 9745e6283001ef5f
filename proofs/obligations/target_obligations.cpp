#include "proofs/obligations/target_obligations.h"

#include <cerrno>
#include <chrono>

#include "core/ops.h"

namespace ptc::proofs {

SubjectCache::Entry& SubjectCache::entry(const ptc_target_ops* ops, const Canonical& c, Pipeline p) {
  Entry& e = entries_[std::make_tuple(static_cast<const void*>(ops), int(c.shape), c.bbml, c.lazy, int(p))];
  if (!e.subject) e.subject = std::make_unique<Subject>(record_subject(ops, c, p));
  return e;
}

const Subject& SubjectCache::get(const ptc_target_ops* ops, const Canonical& c, Pipeline p) { return *entry(ops, c, p).subject; }

const ModelOutcome& SubjectCache::outcome(const ptc_target_ops* ops, const Canonical& c, Pipeline p, const ModelSpec& spec,
                                          Property prop, const std::vector<Property>& props, unsigned timeout_ms) {
  Entry& rec = entry(ops, c, p);
  // The recordings do not depend on the claim; the outcomes do (contract=linux's narrower dirty claim).
  Checked& e = rec.checked[spec.recorded_pages];
  const ModelSpec full = spec_for(*rec.subject, spec);
  if (!e.all_checked) {
    e.all_checked = true;
    e.all = check_all(full, rec.subject->groups, props, timeout_ms);
    e.props = props;
  }
  if (e.all) return *e.all;
  // Some violation is reachable; with one property checked it is this one's, and only the counterexample is
  // left to find.
  if (!e.outcomes.count(prop))
    e.outcomes[prop] = check_property(full, rec.subject->groups, prop, timeout_ms, /*replay_checked=*/true,
                                      /*known_reachable=*/e.props.size() == 1 && e.props[0] == prop);
  return e.outcomes[prop];
}

ModelSpec spec_for(const Subject& subj, ModelSpec spec) {
  spec.ntables = int(subj.table_ids.size());
  spec.table_ids = subj.table_ids;
  return spec;
}

Result make_result(const std::string& name, const std::string& statement, const Subject& subj, const ModelOutcome* o) {
  Result r;
  r.name = name;
  r.statement = statement;
  if (!subj.skipped.empty()) {
    r.verdict = Verdict::kSkipped;
    r.note = subj.skipped;
    return r;
  }
  if (!subj.unknown.empty() || subj.groups.empty() || !o) {
    r.verdict = Verdict::kUnknown;
    r.note = subj.unknown.empty() ? "nothing recorded" : subj.unknown;
    return r;
  }
  r.verdict = o->verdict;
  r.bound = o->bound;
  r.counterexample = o->counterexample;
  r.script = o->script;
  const std::string facts = std::to_string(subj.recordings) + " recording(s), " + std::to_string(subj.groups.size()) +
                            " distinct step sequence(s) over the 512 pages";
  r.note = o->note.empty() ? facts : o->note + "; " + facts;
  return r;
}

namespace {

constexpr int64_t k2M = 0x200000;

struct Spec {
  std::string name, statement;
  Canonical canonical;
  Pipeline pipeline;
  Property property;
  ModelSpec model;
};

// Split and merge: -EOPNOTSUPP with nothing changed at bbml 0 (SPEC section 3), else 0 and the new shape.
ModelSpec split_merge_spec(bool split, unsigned bbml) {
  ModelSpec m;
  m.bbml = bbml;
  if (bbml == 0)
    m.final_spec = split ? FinalSpec::kUnchangedBlock : FinalSpec::kUnchangedPages;
  else
    m.final_spec = split ? FinalSpec::kSplitDone : FinalSpec::kMergeDone;
  m.expected_returns = {bbml == 0 ? -EOPNOTSUPP : 0};
  return m;
}
ModelSpec unmap_spec(bool lazy) {
  ModelSpec m;
  m.final_spec = FinalSpec::kUnmapped;
  m.expected_returns = lazy ? std::vector<int64_t>{k2M, 0} : std::vector<int64_t>{k2M};
  return m;
}

std::vector<Spec> specs(Contract contract) {
  std::vector<Spec> out;
  for (unsigned bbml : {0u, 1u, 2u}) {
    const std::string b = "bbml" + std::to_string(bbml);
    for (bool split : {true, false}) {
      const std::string op = split ? "split" : "merge";
      const Canonical c{split ? Shape::kBlock : Shape::kPages, bbml, false};
      const Pipeline pl = split ? Pipeline::kSplit : Pipeline::kMerge;
      const ModelSpec ms = split_merge_spec(split, bbml);
      const std::string what = split ? "split of a writable-clean 2M block" : "merge of 512 writable-clean 4K pages";
      if (bbml < 2)
        out.push_back({op + "." + b + ".no-tlb-conflict", what + ": the IOTLB never holds two entries of another size or output for a page",
                       c, pl, Property::kNoTlbConflict, ms});
      if (bbml > 0)
        out.push_back({op + "." + b + ".no-fault-same-output", what + ": while it runs, every device access translates, to the page's own output",
                       c, pl, Property::kNoFaultSameOutput, ms});
      out.push_back({op + "." + b + ".no-lost-dirty", what + ": a device write leaves its page (or the block) dirty",
                     c, pl, Property::kNoLostDirty, ms});
      out.push_back({op + "." + b + ".final-state", what + ": the return value and end state are SPEC section 3's",
                     c, pl, Property::kFinalState, ms});
      if (!split && bbml > 0)
        out.push_back({op + "." + b + ".no-freed-table-walk", what + ": no walk reads the old table after it is freed",
                       c, pl, Property::kNoFreedTableWalk, ms});
    }
  }
  for (bool lazy : {false, true}) {
    const std::string mode = lazy ? "lazy" : "strict";
    const Pipeline pl = lazy ? Pipeline::kUnmapLazy : Pipeline::kUnmapStrict;
    const std::string after = lazy ? "flush() returns" : "unmap returns";
    for (Shape shape : {Shape::kBlock, Shape::kPages}) {
      const std::string sh = shape == Shape::kBlock ? "block" : "pages";
      const Canonical c{shape, 2, lazy};
      out.push_back({"unmap." + mode + "." + sh + ".no-stale-access",
                     "unmap of a 2M " + std::string(shape == Shape::kBlock ? "block" : "region of 4K pages") +
                         ": once " + after + " and the caller reuses IOVA and memory, no device access succeeds",
                     c, pl, Property::kNoStaleAccess, unmap_spec(lazy)});
      out.push_back({"unmap." + mode + "." + sh + ".final-state", "unmap: returns 2M and the translation is gone",
                     c, pl, Property::kFinalState, unmap_spec(lazy)});
      if (shape == Shape::kPages)
        out.push_back({"unmap." + mode + ".pages.no-freed-table-walk",
                       "unmap of 4K pages: the removed table is freed only when no walk can reach it (or a stale walk-cache entry)",
                       c, pl, Property::kNoFreedTableWalk, unmap_spec(lazy)});
    }
  }
  for (Shape shape : {Shape::kBlock, Shape::kPages}) {
    const std::string sh = shape == Shape::kBlock ? "block" : "pages";
    ModelSpec urd = unmap_spec(false);
    out.push_back({"unmap_read_dirty." + sh + ".writes-recorded",
                   "unmap_read_dirty: a device write completed before it returns is recorded", Canonical{shape, 2, false},
                   Pipeline::kUnmapReadDirty, Property::kWritesRecorded, urd});
    out.push_back({"unmap_read_dirty." + sh + ".no-stale-access", "unmap_read_dirty (lazy config too): no device access succeeds after it returns",
                   Canonical{shape, 2, true}, Pipeline::kUnmapReadDirty, Property::kNoStaleAccess, urd});
    ModelSpec rcd;
    rcd.expected_returns = {0};
    out.push_back({"read_and_clear_dirty." + sh + ".no-lost-dirty",
                   "read_and_clear_dirty: a write before its sync is recorded or stays dirty; one after it dirties the leaf again",
                   Canonical{shape, 2, false}, Pipeline::kReadAndClearDirty, Property::kDirtyNotLost, rcd});
  }
  // A leaf that sticks out of the operated range (SPEC section 3): the 2M block, operated on at its first 4K
  // page. The page variable still ranges over all 512 pages, so the pages outside the range are covered too.
  {
    ModelSpec cut;
    cut.final_spec = FinalSpec::kUnchangedBlock;
    cut.expected_returns = {-EINVAL};
    const Canonical block{Shape::kBlock, 2, false};
    out.push_back({"unmap.strict.block-cut.final-state",
                   "unmap of the first 4K of a 2M block (the range cuts the leaf): -EINVAL, and the block is unchanged (dirty iff written)",
                   block, Pipeline::kUnmapPart, Property::kFinalState, cut});
    out.push_back({"unmap.strict.block-cut.no-fault",
                   "unmap of the first 4K of a 2M block (-EINVAL): no device access to any page of the block faults or sees another output",
                   block, Pipeline::kUnmapPart, Property::kNoFaultSameOutput, cut});
    ModelSpec rcd;
    rcd.expected_returns = {0};
    std::string straddling =
        "read_and_clear_dirty of the first 4K of a 2M block (the leaf sticks out): a write to any page is "
        "recorded (inside the range) or leaves the block dirty; the block stays dirty for the pages outside";
    switch (contract) {
      case Contract::Spec: break;
      case Contract::Linux:
        // SPEC 9.5: the block may be recorded and cleaned whole, so only the page inside the range is owed a
        // record of a write before the read; a write after it must still dirty the block again.
        rcd.recorded_pages = std::make_pair(0u, 0u);
        straddling =
            "read_and_clear_dirty of the first 4K of a 2M block (the leaf sticks out; contract=linux, SPEC 9.5): a "
            "write to the page inside the range (page 0) before it returns is recorded or leaves the block dirty, a "
            "write to any page after it returns leaves the block dirty; a write to a page outside the range before "
            "it returns may go unreported (the block may be cleaned whole)";
        break;
    }
    out.push_back({"read_and_clear_dirty.block-straddling.no-lost-dirty", straddling, block,
                   Pipeline::kReadAndClearDirtyPart, Property::kDirtyNotLost, rcd});
  }
  return out;
}

// Why `prop` holds only vacuously on `subj`: in every recording the operation under proof returned an error
// that `m` does not expect and changed nothing, while the claim is about what the operation does when it
// succeeds; no step of it is there to check the claim against. Empty when the claim applies. final-state is
// never vacuous: it judges the return value itself (split at bbml 1 returning -EOPNOTSUPP refutes it), and so
// is a claim whose expected return is that error (split at bbml 0: -EOPNOTSUPP, nothing changed; SPEC 3).
std::string vacuity(Property prop, const ModelSpec& m, const Subject& subj) {
  if (subj.failed_op.empty() || prop == Property::kFinalState || m.expected_returns.empty() ||
      m.expected_returns.front() == subj.failed_ret)
    return "";
  const char* name = errno_name(subj.failed_ret);
  const std::string ret = name ? "-" + std::string(name) : std::to_string(subj.failed_ret);
  return subj.failed_op + " returned " + ret + " and changed nothing (SPEC section 3 expects " +
         std::to_string(m.expected_returns.front()) + " here): the recording holds no step of " + subj.failed_op +
         " to check the claim against";
}

// One obligation under one contract profile, with the obligations checked on the same recordings.
struct Profiled {
  Spec spec;
  std::vector<std::pair<std::string, Property>> siblings;
};

std::vector<Profiled> profiled(Contract contract) {
  const std::vector<Spec> all = specs(contract);
  std::vector<Profiled> out;
  for (const Spec& s : all) {
    Profiled p{s, {}};
    // Siblings share one fixedpoint run on s.model, so they must share its claim as well as the recordings.
    for (const Spec& o : all)
      if (o.pipeline == s.pipeline && o.canonical.shape == s.canonical.shape && o.canonical.bbml == s.canonical.bbml &&
          o.canonical.lazy == s.canonical.lazy && o.model.recorded_pages == s.model.recorded_pages)
        p.siblings.push_back({o.name, o.property});
    out.push_back(std::move(p));
  }
  return out;
}

Result check_profiled(const Profiled& p, const ProveTarget& t, unsigned ms) {
  const Spec& s = p.spec;
  const auto t0 = std::chrono::steady_clock::now();
  auto finish = [&](Result r) {
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
  };
  // The profile's caller never issues the pipeline: nothing to record, nothing claimed (SPEC 9).
  if (const std::string outside = outside_profile(t.contract, s.pipeline); !outside.empty()) {
    Result r;
    r.name = s.name;
    r.statement = s.statement;
    r.verdict = Verdict::kSkipped;
    r.note = outside;
    return finish(r);
  }
  // The shared fixedpoint run covers the siblings this run will ask for, not the others.
  SubjectCache local;
  SubjectCache& cache = t.cache ? *t.cache : local;
  const Subject& subj = cache.get(t.ops, s.canonical, s.pipeline);
  // Siblings that hold only vacuously stay out of it (they share s.model, so only their property decides).
  std::vector<Property> props;
  for (const auto& [name, prop] : p.siblings)
    if ((name == s.name || !t.selected || t.selected->count(name)) && vacuity(prop, s.model, subj).empty())
      props.push_back(prop);
  const std::string vacuous = vacuity(s.property, s.model, subj);
  const bool checkable = subj.skipped.empty() && subj.unknown.empty() && !subj.groups.empty() && vacuous.empty();
  const ModelOutcome* o = checkable ? &cache.outcome(t.ops, s.canonical, s.pipeline, s.model, s.property, props, ms) : nullptr;
  Result r = make_result(s.name, s.statement, subj, o);
  if (!vacuous.empty() && subj.skipped.empty() && subj.unknown.empty()) {
    r.verdict = Verdict::kVacuous;
    r.note = vacuous;
  }
  return finish(r);
}

}  // namespace

std::vector<Obligation> target_obligations() {
  std::vector<Obligation> out;
  // The same obligations under each profile, in the same order; the run's contract picks the variant.
  const std::vector<Profiled> in_spec = profiled(Contract::Spec), in_linux = profiled(Contract::Linux);
  for (size_t k = 0; k < in_spec.size(); ++k)
    out.push_back({in_spec[k].spec.name, in_spec[k].spec.statement, false, 20000,
                   [s = in_spec[k], l = in_linux.at(k)](const ProveTarget& t, unsigned ms) {
                     switch (t.contract) {
                       case Contract::Spec: return check_profiled(s, t, ms);
                       case Contract::Linux: return check_profiled(l, t, ms);
                     }
                     return check_profiled(s, t, ms);
                   }});
  return out;
}

}  // namespace ptc::proofs
