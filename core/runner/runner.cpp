#include "core/runner/runner.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "core/bitmap/caller_buffer.h"
#include "core/bitmap/dirty_bitmap.h"
#include "core/fmt.h"
#include "core/ops/op_table.h"
#include "core/ops/target_call.h"
#include "core/reference/reference_model.h"
#include "core/runner/interval_set.h"
#include "core/script/script.h"
#include "core/smmu/smmu.h"

namespace ptc {

namespace {

using ull = unsigned long long;

std::string result_text(int64_t r) {
  if (r < 0) {
    if (const char* n = errno_name(r)) return n;
  }
  return std::to_string(r);
}

std::string outcome_text(bool fault, uint64_t pa) { return fault ? "fault" : fmt("0x%llx", ull(pa)); }

std::string outcomes_text(const std::vector<DeviceOutcome>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? " or " : "") + describe(v[i]);
  return s;
}


// A ptc_dirty that keeps the raw records (for the page-level oracles) and feeds the optimized
// windowed writer (whose bitmap is compared with the plain writer's).
struct RecordingSink {
  std::vector<std::pair<uint64_t, uint64_t>> raw;
  WindowedBitmapWriter* writer = nullptr;
  static void record(void* ctx, uint64_t iova, uint64_t len) {
    auto* s = static_cast<RecordingSink*>(ctx);
    s->raw.emplace_back(iova, len);
    s->writer->record(iova, len);
  }
};

// The caller's bitmap: op.misalign bytes past a page boundary, ending for AddressSanitizer where it ends
// (CallerBuffer, or ReusedCallerBuffer with its tail poisoned), so that the windowed writer cuts it into
// windows as Linux would and ASan catches a writer that steps outside it. Bitmaps up to kReusedBitmapBytes
// come from buffers kept from op to op: a fresh allocation per dirty op (page faults, ASan's fill and
// quarantine) cost more than the table's scan. One is taken per live CallerBitmap, so an injected dirty op
// running inside another's call gets its own.
class CallerBitmap {
 public:
  static constexpr size_t kReusedBitmapBytes = 256 << 10;  // 8 GiB of 4K pages

  explicit CallerBitmap(const Op& op) : geo(geometry(op)) {
    if (!geo.valid()) return;  // only dirty operations have a bitmap
    const size_t n = geo.nbytes();
    if (n > kReusedBitmapBytes) {
      own_.emplace(n, op.misalign);
      bytes = own_->data();
      return;
    }
    auto& spare = spare_buffers();
    if (spare.empty()) spare.push_back(std::make_unique<ReusedCallerBuffer>(kReusedBitmapBytes));
    reused_ = std::move(spare.back());
    spare.pop_back();
    bytes = reused_->place(n, op.misalign, 0);
  }
  ~CallerBitmap() {
    if (!reused_) return;
    reused_->written_anywhere();  // the target may have written any of the caller's bytes
    spare_buffers().push_back(std::move(reused_));
  }
  CallerBitmap(const CallerBitmap&) = delete;
  CallerBitmap& operator=(const CallerBitmap&) = delete;

  const BitmapGeometry geo;
  uint8_t* bytes = nullptr;

 private:
  static BitmapGeometry geometry(const Op& op) {
    BitmapGeometry g;
    if (!traits(op.kind).records_dirty) return g;
    g.base = op.iova;
    g.length = op.size;
    g.pgsize = op.bitmap_pgsize;
    return g;
  }
  static std::vector<std::unique_ptr<ReusedCallerBuffer>>& spare_buffers() {
    static thread_local std::vector<std::unique_ptr<ReusedCallerBuffer>> spare;
    return spare;
  }
  std::optional<CallerBuffer> own_;
  std::unique_ptr<ReusedCallerBuffer> reused_;
};

// The largest caller's bitmap a script may ask for (a dirty read of 8 TiB at 4K granularity).
constexpr uint64_t kMaxBitmapBytes = 256ull << 20;

// One device write that completed: page, time, and whether a clearing read has covered it yet.
struct DirtyLedger {
  std::map<uint64_t, uint64_t> pending;  // page -> time of the earliest write not yet covered by a record
  void write(uint64_t page, uint64_t t) { pending.emplace(page, t); }
};

}  // namespace

// The state of one differential run: the reference model, the simulated SMMU and the target, fed
// one statement at a time. Statements are appended to script_ as they run so a failure trace shows
// the whole sequence that led to it (scripts, RapidCheck sequences and fuzz inputs alike).
class Session::Impl {
 public:
  Impl(const Config& cfg, const ptc_target_ops* ops, const RunOptions& o, std::string file) : ops_(ops), opts_(o) {
    script_.config = cfg;
    script_.file = std::move(file);
    expectations_for_ = cfg.contract;
  }
  ~Impl() {
    if (target_) {
      // A failure inside an `@N` injection ends the op early with its hook still set: destroy's
      // descriptor accesses must not run that op's injections (its context is gone).
      smmu_->set_access_hook(nullptr);
      smmu_->record_access_sites(nullptr, 0);
      smmu_->detach();
      WatchScope in(opts_.watch, WatchedEntry::kDestroy, 0);
      ops_->destroy(target_);
    }
  }

  bool start(std::string* skip_reason);
  bool step(const Op& op);
  bool finish();

  Script script_;
  std::optional<Failure> failure_;
  size_t statements_ = 0;
  std::vector<SkippedStatement> skipped_;
  std::vector<int> failed_allocations_;
  uint64_t last_op_accesses_ = 0;
  std::vector<AccessSite> observed_sites_;  // the current statement's, for opts_.observe_accesses

 private:
  // The op in progress, with what device actions did during it.
  struct OpContext {
    const Op* op = nullptr;
    uint64_t begin_t = 0;
    // Device writes that landed on the current translation during the op; the model settles what
    // they leave behind once the op is applied (ReferenceModel::settle_racing_writes).
    std::vector<uint64_t> writes;
    struct OwedIfMapSucceeds {
      uint64_t page, t;
    };
    std::vector<OwedIfMapSucceeds> owed_if_succeeds;  // writes to the pages of the map in progress
    struct Deferred {
      const Op* dev;
      DeviceResult got;
      std::vector<DeviceOutcome> before;  // and the map's transient pages
    };
    std::vector<Deferred> deferred;  // device accesses racing the op: checked once the reference applied it
    std::vector<const Op*> injected_ops;  // ops that ran to completion inside this one (`@N op`)
    std::vector<uint64_t> inject_at;      // the `@N`s of its injections, ascending
  };

  bool fail(Oracle o, const Op* op, const std::string& message);
  // "" when op is issued; else why not (SkippedStatement).
  std::string skip_reason(const Op& op) const;
  bool check_smmu(const Op* op);
  bool exec(const Op& op, bool injected);
  bool exec_target_op(const Op& op, bool injected);
  bool exec_device(const Op& op, OpContext* during);
  bool run_injections(const Op& op, uint64_t at, bool after_return);
  int64_t call_target(const Op& op, CallerBitmap* bm, RecordingSink* sink);
  bool compare_state(const Op* op, uint64_t lo, uint64_t size, Oracle o, const char* what);
  struct RecordSets {
    IntervalSet got, required, maybe, range;  // 4K pages: recorded, that must be, that may be; the op's range
  };
  static RecordSets record_sets(const Op& op, const std::vector<RefRecord>& ref_records, const RecordingSink& sink,
                                bool only_range);
  bool check_dirty_accounting(const Op& op, const OpContext& ctx, const std::vector<RefRecord>& ref_records,
                              const RecordSets& sets);
  bool check_bitmap(const Op& op, const std::vector<RefRecord>& ref_records, const CallerBitmap& bm);
  bool check_expect(const Op& op, int64_t got, int64_t ref, const CallerBitmap* bm);
  // A script's `=> RESULT` lines state its own profile's results (SPEC 7: every correct table gives them):
  // the spec profile's unless its config names one. Run under another profile from the command line
  // (`--contract linux` on the spec corpora), they are not checked: a table correct in Linux may give
  // another result there (a dirty block that sticks out cleaned whole, so a second read records nothing),
  // and the oracles judge it against the reference model of the run's profile.
  bool expectations_apply() const { return expectations_for_ == script_.config.contract; }
  Contract expectations_for_ = Contract::Spec;

 public:
  void expectations_written_for(Contract c) { expectations_for_ = c; }

 private:
  bool in_range(const Op& op, uint64_t a) const { return has_range(op.kind) && a >= op.iova && a - op.iova < op.size; }

  const ptc_target_ops* ops_;
  RunOptions opts_;
  std::vector<TimelineEvent> timeline_;  // with opts_.record_timeline
  std::unique_ptr<Smmu> smmu_;
  std::unique_ptr<ReferenceModel> ref_;
  struct ptc_target* target_ = nullptr;
  DirtyLedger ledger_;
  OpContext* current_ = nullptr;
  const Op* current_top_ = nullptr;
  bool finished_ = false;
};

namespace {
using Run = Session::Impl;
}  // namespace

bool Run::fail(Oracle o, const Op* op, const std::string& message) {
  if (failure_) return false;
  Failure f;
  f.oracle = o;
  f.line = op ? op->line : 0;
  f.statement = op ? print_statement(*op) : "(end of script)";
  f.message = message;
  f.signature = std::string(oracle_name(o)) + ":" + (op ? op_name(op->kind) : "destroy") + ":" +
                config_signature(script_.config);
  std::string t;
  const std::string where = script_.file.empty() ? "<script>" : script_.file;
  t += fmt("ptcheck: FAIL %s at %s:%d (target %s, contract %s)\n", oracle_name(o), where.c_str(), f.line,
           ops_->name ? ops_->name : "?", contract_name(script_.config.contract));
  t += "  signature: " + f.signature + "\n";
  t += "  script up to the failing statement:\n";
  t += "        " + print_config(script_.config) + "\n";
  const int stop_line = current_top_ ? current_top_->line : f.line;
  for (const Op& s : script_.ops) {
    if (stop_line && s.line > stop_line) break;
    const bool here = &s == current_top_ || (!current_top_ && op == &s);
    t += fmt("  %s %4d  %s\n", here ? ">" : " ", s.line, print_statement(s).c_str());
    for (const Injection& inj : s.inject) {
      const bool inj_here = &inj.op == op;
      t += fmt("  %s %4d    @%llu %s\n", inj_here ? ">" : " ", inj.op.line, ull(inj.after_access),
               print_statement(inj.op).c_str());
    }
    if (!stop_line && &s == op) break;
  }
  if (!skipped_.empty()) {
    t += "  not issued (the `=> RESULT`s after the first are not checked):\n";
    for (const SkippedStatement& k : skipped_) t += fmt("    line %d `%s`: %s\n", k.line, k.statement.c_str(), k.reason.c_str());
  }
  t += "  what is wrong: " + message + "\n";
  const std::vector<std::string> ev = smmu_ ? smmu_->events() : std::vector<std::string>{};
  if (!ev.empty()) {
    t += "  events leading there (simulated SMMU; t = step):\n";
    const size_t from = ev.size() > opts_.trace_events ? ev.size() - opts_.trace_events : 0;
    for (size_t i = from; i < ev.size(); ++i) t += "    " + ev[i] + "\n";
  }
  f.replay = "ptcheck run " + where + (opts_.replay_args.empty() ? "" : " " + opts_.replay_args);
  t += "  replay: " + f.replay + "\n";
  f.trace = t;
  if (opts_.record_timeline) {
    f.timeline = timeline_;
    // An oracle the runner checks (not the simulated SMMU) has no event yet: the timeline ends with it.
    if (std::none_of(f.timeline.begin(), f.timeline.end(),
                     [](const TimelineEvent& e) { return e.lane() == TimelineLane::kOracle; })) {
      TimelineEvent e;
      e.t = smmu_ ? smmu_->now() : 0;
      e.line = f.line;
      e.kind = EventKind::kViolation;
      e.text = std::string(oracle_name(o)) + ": " + message;
      if (!f.timeline.empty()) {
        e.iotlb = f.timeline.back().iotlb;
        e.walk_cache = f.timeline.back().walk_cache;
      }
      f.timeline.push_back(std::move(e));
    }
  }
  failure_ = f;
  return false;
}

bool Run::check_smmu(const Op* op) {
  if (const auto& v = smmu_->violation()) return fail(v->oracle, op, v->message);
  return true;
}

bool Run::start(std::string* skip_reason) {
  const Config& cfg = script_.config;
  smmu_ = std::make_unique<Smmu>(cfg);
  smmu_->set_event_log(opts_.event_log);
  if (opts_.record_timeline) smmu_->record_timeline(&timeline_);
  ref_ = std::make_unique<ReferenceModel>(cfg);
  const ptc_cfg abi_cfg = cfg.to_abi();
  {
    WatchScope in(opts_.watch, WatchedEntry::kCreate, 0);
    target_ = ops_->create(&abi_cfg, smmu_->hw());
  }
  if (!target_) {
    *skip_reason = "target " + std::string(ops_->name ? ops_->name : "?") + " refuses config " + print_config(cfg);
    smmu_->check_leaks();
    return false;
  }
  {
    WatchScope in(opts_.watch, WatchedEntry::kRoot, 0);
    smmu_->attach(ops_->root(target_));
  }
  check_smmu(nullptr);
  return true;
}

bool Run::step(const Op& op) {
  if (failure_ || finished_ || !target_) return false;
  // Statements run in order of their lines; one appended without a line gets the next.
  script_.ops.push_back(op);
  Op& mine = script_.ops.back();
  if (mine.line == 0) {
    const size_t n = script_.ops.size();
    mine.line = n > 1 ? script_.ops[n - 2].line + 1 + int(script_.ops[n - 2].inject.size()) : 1;
    int l = mine.line;
    for (Injection& inj : mine.inject)
      if (inj.op.line == 0) inj.op.line = ++l;
  }
  current_top_ = &mine;
  const bool ok = exec(mine, false);
  current_top_ = nullptr;
  return ok;
}

bool Run::finish() {
  if (failure_ || finished_ || !target_) return !failure_;
  finished_ = true;
  smmu_->set_statement_line(0);
  // The whole address space, then teardown: every table must come back.
  const uint64_t top = 1ull << script_.config.ias;
  if (!compare_state(nullptr, 0, top, Oracle::Divergence, "at the end of the script")) return false;
  smmu_->detach();
  {
    WatchScope in(opts_.watch, WatchedEntry::kDestroy, 0);
    ops_->destroy(target_);
  }
  target_ = nullptr;
  smmu_->check_leaks();
  return check_smmu(nullptr);
}

std::string Run::skip_reason(const Op& op) const {
  if (!target_offers(ops_, op.kind))
    return fmt("the target does not offer %s (NULL in ptc_target_ops)", entry_name(traits(op.kind).entry));
  return ref_->outside_contract(op);
}

bool Run::exec(const Op& op, bool injected) {
  if (is_target_op(op.kind)) {
    if (std::string why = skip_reason(op); !why.empty()) {
      skipped_.push_back({op.line, print_statement(op), why});
      smmu_->note(EventKind::kNote, [&] { return fmt("`%s` skipped: %s", print_statement(op).c_str(), why.c_str()); });
      return true;
    }
  }
  ++statements_;
  // Events belong to this statement until it is done; an injected one's, to it, then the outer's again.
  const int outer_line = smmu_->statement_line();
  smmu_->set_statement_line(op.line);
  bool ok = true;
  // Directives and device actions here; every operation of the target through exec_target_op.
  if (op.kind == OpKind::FailAlloc) {
    smmu_->fail_allocation(op.fail_index);
    smmu_->note(EventKind::kNote,
                [&] { return fmt("the allocation %llu of the next operation will fail", ull(op.fail_index)); });
  } else if (op.kind == OpKind::Dev) {
    ok = exec_device(op, injected ? current_ : nullptr);
  } else {
    ok = exec_target_op(op, injected);
  }
  if (injected) smmu_->set_statement_line(outer_line);
  return ok;
}

bool Run::run_injections(const Op& op, uint64_t at, bool after_return) {
  for (const Injection& inj : op.inject) {
    if (after_return ? inj.after_access <= at : inj.after_access != at) continue;
    if (!exec(inj.op, true)) return false;
  }
  return true;
}

int64_t Run::call_target(const Op& op, CallerBitmap* bm, RecordingSink* sink) {
  WatchScope in(opts_.watch, WatchedEntry::kOp, op.line, uint32_t(op.kind));
  if (!traits(op.kind).records_dirty) return call_target_op(ops_, target_, op, nullptr);
  WindowedBitmapWriter writer(bm->geo, bm->bytes, opts_.bitmap_window_bytes);
  sink->writer = &writer;
  const ptc_dirty d{sink, &RecordingSink::record};
  const int64_t r = call_target_op(ops_, target_, op, &d);
  writer.finish();
  sink->writer = nullptr;
  return r;
}

bool Run::exec_target_op(const Op& op, bool injected) {
  OpContext ctx;
  ctx.op = &op;
  OpContext* outer = current_;
  if (!injected) current_ = &ctx;
  smmu_->begin_op(op.kind, op.iova, op.size, OpLabel([&op] { return print_statement(op); }));
  ctx.begin_t = smmu_->now();
  if (injected) {
    if (outer) outer->injected_ops.push_back(&op);
    smmu_->set_hook_enabled(false);
  } else if (!op.inject.empty()) {  // else nothing to call after each access
    // The accesses after which an injection runs: most accesses have none.
    for (const Injection& inj : op.inject) ctx.inject_at.push_back(inj.after_access);
    std::sort(ctx.inject_at.begin(), ctx.inject_at.end());
    smmu_->set_access_hook([this, &op](uint64_t n) { run_injections(op, n, false); }, std::move(ctx.inject_at));
    if (!run_injections(op, 0, false)) return false;
  }
  // Where the op's own accesses were, for observe_accesses once it returns.
  const bool observing = !injected && opts_.observe_accesses;
  if (observing) {
    observed_sites_.clear();
    smmu_->record_access_sites(&observed_sites_, opts_.observe_access_limit);
  }

  CallerBitmap bm(op);
  RecordingSink sink;
  // Whether Linux's callers would issue this op now (SPEC 9): a kernel WARNING the target prints during
  // one they issue is a finding; during one they never issue it is the table's own business.
  const bool linux_issues = opts_.target_warned && ref_->outside_contract(op, Contract::Linux).empty();
  const int64_t got = call_target(op, &bm, &sink);
  const std::string warned = opts_.target_warned ? opts_.target_warned() : std::string();
  const uint64_t accesses = smmu_->op_accesses();
  const bool alloc_failed = smmu_->allocation_failed();
  if (alloc_failed && !injected) failed_allocations_.push_back(op.line);
  smmu_->end_op();
  if (observing) {
    smmu_->record_access_sites(nullptr, 0);
    opts_.observe_accesses(script_.ops.size() - 1, observed_sites_);
  }
  if (injected) {
    smmu_->set_hook_enabled(true);
  } else {
    last_op_accesses_ = accesses;
    smmu_->set_access_hook(nullptr);
    // Injections past the op's last descriptor access run right after it returns.
    if (!failure_ && !run_injections(op, accesses, true)) return false;
    current_ = outer;
  }
  if (failure_) return false;
  smmu_->note(EventKind::kResult, [&] { return fmt("%s -> %s", op_name(op.kind), result_text(got).c_str()); });
  if (!check_smmu(&op)) return false;

  // -ENOMEM after an injected allocation failure is allowed, and must change nothing.
  const bool enomem_ok = got == -ENOMEM && alloc_failed;
  std::vector<RefRecord> ref_records;
  const int64_t want = enomem_ok ? -ENOMEM : ref_->apply(op, &ref_records);
  ref_->settle_racing_writes(op, want, ctx.writes);
  // A write to a page of the map in progress is owed a record only if the map kept the page.
  if (want == 0)
    for (const OpContext::OwedIfMapSucceeds& w : ctx.owed_if_succeeds) ledger_.write(w.page, w.t);

  // Device accesses that ran during the op: the old or the new translation (or a page the op
  // installed and took back), nothing else.
  for (const OpContext::Deferred& d : ctx.deferred) {
    std::vector<DeviceOutcome> allowed = d.before;
    for (const DeviceOutcome& o : ref_->device_outcomes(d.dev->iova, d.dev->dev == DevKind::Write)) allowed.push_back(o);
    const DeviceOutcome g{d.got.fault, d.got.pa};
    if (std::find(allowed.begin(), allowed.end(), g) == allowed.end())
      return fail(Oracle::DeviceOutcome, d.dev,
                  fmt("during `%s`, dev %s 0x%llx gave %s (%s); the reference allows only the old or the new "
                      "translation: %s",
                      print_statement(op).c_str(), dev_name(d.dev->dev), ull(d.dev->iova), outcome_text(d.got.fault, d.got.pa).c_str(),
                      d.got.how.c_str(), outcomes_text(allowed).c_str()));
  }

  if (got != want) {
    if (got == -ENOMEM && !alloc_failed)
      return fail(Oracle::Divergence, &op,
                  fmt("`%s` returned -ENOMEM but no allocation failed; the reference returns %s", print_statement(op).c_str(),
                      result_text(want).c_str()));
    return fail(Oracle::Divergence, &op,
                fmt("`%s` returned %s; the reference returns %s", print_statement(op).c_str(), result_text(got).c_str(),
                    result_text(want).c_str()));
  }
  // The most specific oracle first (docs/HARNESS.md, "The order of the checks"): what a dirty op
  // recorded against the device's writes, then the leaves, then the records against the reference.
  const bool records = traits(op.kind).records_dirty && got >= 0;
  const RecordSets sets =
      records ? record_sets(op, ref_records, sink, ref_->caller_drops_records_outside_range()) : RecordSets{};
  if (records && !check_dirty_accounting(op, ctx, ref_records, sets)) return false;
  if (enomem_ok) {
    if (!compare_state(&op, op.iova, op.size, Oracle::Leak, "after it failed with -ENOMEM")) return false;
  } else if (op.kind != OpKind::Phys && op.kind != OpKind::Flush) {
    if (!compare_state(&op, op.iova, op.size, Oracle::Divergence, "after it returned")) return false;
  }
  // Ops injected during this one ran to completion on other CPUs: this op must not have undone them.
  for (const Op* other : ctx.injected_ops)
    if (other->kind != OpKind::Phys && other->kind != OpKind::Flush &&
        !compare_state(other, other->iova, other->size, Oracle::Divergence,
                       ("after `" + print_statement(op) + "`, which ran around it, returned").c_str()))
      return false;
  if (records && !check_bitmap(op, ref_records, bm)) return false;
  smmu_->check_returned_op();
  if (!check_smmu(&op)) return false;
  if (op.kind == OpKind::Unmap && got >= 0) {
    // The caller did not ask for the dirty state of what it unmapped.
    for (auto it = ledger_.pending.lower_bound(op.iova); it != ledger_.pending.end() && in_range(op, it->first);)
      it = ledger_.pending.erase(it);
  }
  // The least specific finding but the script's own expectation: every oracle above held.
  if (!warned.empty() && linux_issues)
    return fail(Oracle::Warning, &op,
                fmt("`%s` printed a kernel warning, and Linux's callers issue it: %s", print_statement(op).c_str(), warned.c_str()));
  return check_expect(op, got, want, &bm);
}

bool Run::exec_device(const Op& op, OpContext* during) {
  const uint64_t a = op.iova;
  if (op.dev == DevKind::Evict) {
    smmu_->device_evict(a);
    return true;
  }
  if (op.dev == DevKind::EvictAll) {
    smmu_->device_evict_all();
    return true;
  }
  const bool write = op.dev == DevKind::Write;
  // The model says whether the access races the op in progress (its outcome is then the old or the
  // new translation, checked once the op returned) and whether it may fault meanwhile.
  const bool racing = during && ref_->access_races(*during->op, a);
  std::vector<DeviceOutcome> now = ref_->device_outcomes(a, write);
  const DeviceResult r = op.dev == DevKind::Fill ? smmu_->device_fill(a) : smmu_->device_access(a, write);
  if (!check_smmu(&op)) return false;
  const DeviceOutcome g{r.fault, r.pa};

  if (racing) {
    if (r.fault && !ref_->may_fault_during(*during->op, a, write))
      return fail(Oracle::FaultDuringSplit, &op,
                  fmt("dev %s 0x%llx faulted (%s) while `%s` ran at bbml %u; it was mapped to %s", dev_name(op.dev),
                      ull(a), r.how.c_str(), print_statement(*during->op).c_str(), script_.config.bbml,
                      describe(now.front()).c_str()));
    for (const DeviceOutcome& t : ref_->transient_outcomes(*during->op, a, write)) now.push_back(t);
    during->deferred.push_back({&op, r, now});
  } else if (op.dev != DevKind::Fill || !r.fault || now.front().fault) {
    // A quiescent access: exactly the reference's outcome (lazy mode: or a translation that waits for flush).
    if (std::find(now.begin(), now.end(), g) == now.end()) {
      const std::optional<RefLeaf> l = ref_->leaf_at(a);
      return fail(Oracle::DeviceOutcome, &op,
                  fmt("dev %s 0x%llx gave %s (%s); the reference gives %s%s", dev_name(op.dev), ull(a),
                      outcome_text(r.fault, r.pa).c_str(), r.how.c_str(), outcomes_text(now).c_str(),
                      l ? (" (leaf " + describe(*l, script_.config.hw_dirty) + ")").c_str() : ""));
    }
  }
  if (write && !r.fault) {
    // The write completed: what it is owed is the model's to say (SPEC 5.3); the ledger then holds
    // the page until a clearing read reports it.
    const uint64_t page = a & ~(kSize4K - 1);
    switch (ref_->device_write_reached(a, r.pa, during ? during->op : nullptr)) {
      case ReferenceModel::WriteOwes::Nothing: break;
      case ReferenceModel::WriteOwes::Record:
        ledger_.write(page, smmu_->now());
        if (during) during->writes.push_back(a);
        break;
      case ReferenceModel::WriteOwes::IfOpSucceeds: during->owed_if_succeeds.push_back({page, smmu_->now()}); break;
    }
  }
  if (op.expect && skipped_.empty() && expectations_apply()) {
    const Expect& e = *op.expect;
    const bool match = e.kind == Expect::Kind::Fault ? r.fault : (!r.fault && int64_t(r.pa) == e.value);
    if (!match)
      return fail(Oracle::DeviceOutcome, &op,
                  fmt("dev %s 0x%llx gave %s (%s); the script expects %s", dev_name(op.dev), ull(a),
                      outcome_text(r.fault, r.pa).c_str(), r.how.c_str(), print_expect(op, e).c_str()));
  }
  return true;
}

namespace {
// A walk over a sequence of runs of leaves, a leaf at a time or a stretch at a time: the leaf it is at,
// how many leaves its run still holds from there, and the leaf k further on in the same run.
template <class Run, class Leaf>
struct RunCursor {
  const std::vector<Run>* runs;
  size_t i = 0;
  uint64_t k = 0;  // leaves of runs[i] already passed
  bool done() const { return i >= runs->size(); }
  uint64_t left() const { return (*runs)[i].count - k; }
  Leaf leaf(uint64_t further = 0) const { return leaf_of((*runs)[i], k + further); }
  void advance(uint64_t n) {
    k += n;
    if (k == (*runs)[i].count) ++i, k = 0;
  }
  static HwLeaf leaf_of(const HwRun& r, uint64_t k) { return r.leaf(k); }
  static RefLeaf leaf_of(const RefRun& r, uint64_t k) { return r.leaf(k); }
};
using HwCursor = RunCursor<HwRun, HwLeaf>;
using RefCursor = RunCursor<RefRun, RefLeaf>;
}  // namespace

// Compares the target's tables (as the hardware reads them) with the reference over [lo, lo+size):
// every leaf's start, size, output, permission and dirty state; resolves "clean or dirty" leaves.
// Both sides come as runs of equal leaves and are walked in step, leaf i of one against leaf i of the
// other, a stretch at a time: over a stretch neither side's run ends, so every pair in it compares as the
// first does (both advance a leaf size in input and output, attributes fixed) and one comparison answers
// for all of them. A split 1G block is one stretch, not 262,144 pairs.
bool Run::compare_state(const Op* op, uint64_t lo, uint64_t size, Oracle o, const char* what) {
  const Config& cfg = script_.config;
  const uint64_t top = 1ull << cfg.ias;
  if (lo >= top) return true;
  size = std::min(size, top - lo);
  if (size == 0) return true;
  // Buffers kept across runs: a fuzzer runs thousands a second, each comparing after every op.
  thread_local std::vector<HwRun> hw;
  thread_local std::vector<RefRun> rf;
  smmu_->leaf_runs_in(lo, size, &hw);
  ref_->runs_in(lo, size, &rf);
  const auto stmt = [&] { return op ? "`" + print_statement(*op) + "` " : std::string(); };
  auto hw_text = [&](const HwLeaf& l) {
    return describe(RefLeaf{l.iova, l.size, l.pa, l.writable, l.dirty ? DirtyState::Dirty : DirtyState::Clean},
                    cfg.hw_dirty) +
           (l.af ? "" : " with AF=0 (the device faults)");
  };
  // A completed device write whose leaf is now clean in the target without having been reported is
  // the root cause whatever else differs: look for one first.
  // Walks both in step, a stretch at a time: step(h, r, n) for the stretch's first pair and its length;
  // false stops the walk (the cursors then stand at that stretch).
  HwCursor hc{&hw};
  RefCursor rc{&rf};
  auto walk = [&](auto&& step) {
    hc = HwCursor{&hw};
    rc = RefCursor{&rf};
    while (!hc.done() && !rc.done()) {
      const uint64_t n = std::min(hc.left(), rc.left());
      if (!step(hc.leaf(), rc.leaf(), n)) return false;
      hc.advance(n);
      rc.advance(n);
    }
    return true;
  };
  if (cfg.hw_dirty) {
    bool lost = false;
    walk([&](const HwLeaf& h, const RefLeaf& r, uint64_t n) {
      if (h.iova != r.iova || h.size != r.size || !r.writable || r.dirty != DirtyState::Dirty || h.dirty) return true;
      // The first write pending in the stretch, and the pair of leaves holding it.
      auto w = ledger_.pending.lower_bound(r.iova);
      if (w == ledger_.pending.end() || w->first - r.iova >= n * r.size) return true;
      const uint64_t at = (w->first - r.iova) / r.size;
      const HwLeaf hk = HwCursor::leaf_of(HwRun{h, n}, at);
      const RefLeaf rk = RefCursor::leaf_of(RefRun{r.iova, r.size, n, r.pa, r.writable, r.dirty}, at);
      // The most specific account: a clearing read that cleaned a leaf sticking out of its range lost
      // the write to a page outside the range, although it may well have recorded what lies inside.
      const bool cleaned_straddling = op && op->kind == OpKind::Dirty && !op->noclear &&
                                      (rk.iova < op->iova || rk.end() - op->iova > op->size) &&
                                      !in_range(*op, w->first);
      lost = true;
      if (cleaned_straddling)
        return fail(Oracle::LostDirty, op,
                    fmt("%s%s: it cleaned the leaf %s, which sticks out of its range [0x%llx+0x%llx), so the device "
                        "write to page 0x%llx outside the range (completed at t%llu) is lost: a leaf that sticks out "
                        "must be reported and stay dirty (SPEC 3; contract=linux accepts it, SPEC 9.5)",
                        stmt().c_str(), what, hw_text(hk).c_str(), ull(op->iova), ull(op->size), ull(w->first),
                        ull(w->second)));
      return fail(Oracle::LostDirty, op,
                  fmt("%s%s: a device write to page 0x%llx completed at t%llu, but the leaf %s is writable-clean "
                      "in the target's tables and no read has reported the write: it is lost",
                      stmt().c_str(), what, ull(w->first), ull(w->second), hw_text(hk).c_str()));
    });
    if (lost) return false;
  }
  // Clean-or-dirty is settled by looking at the target once the op whose scan raced the write has
  // returned. An op injected into it (`@N`, or run after it returns but before the reference
  // applied it) sees the leaf too early: it accepts either state and settles nothing (fuzz-found:
  // regressions/harness_injected_op_sees_leaf_outer_read_may_miss.ops). Those leaves are the ones
  // that reach into the range of the outer op still scanning.
  const Op* scanning = current_ && current_->op != op && has_range(current_->op->kind) ? current_->op : nullptr;
  bool differs = false;
  walk([&](const HwLeaf& h, const RefLeaf& r, uint64_t n) {
    if (h.iova != r.iova || h.size != r.size || h.pa != r.pa || h.writable != r.writable || !h.af) {
      const uint64_t at = std::min(h.iova, r.iova);
      // A leaf that is right but lacks AF is what the device sees differently: it faults.
      const bool only_af = h.iova == r.iova && h.size == r.size && h.pa == r.pa && h.writable == r.writable;
      differs = true;
      return fail(only_af && o == Oracle::Divergence ? Oracle::DeviceOutcome : o, op,
                  fmt("%s%s: at iova 0x%llx the target has the leaf %s; the reference has %s", stmt().c_str(), what,
                      ull(std::max(at, lo)), hw_text(h).c_str(), describe(r, cfg.hw_dirty).c_str()));
    }
    if (cfg.hw_dirty && r.writable) {
      if (r.dirty == DirtyState::Maybe) {
        // The stretch's leaves [0, n), less those [skip_lo, skip_hi) that reach into the scanning op's range.
        uint64_t skip_lo = n, skip_hi = n;
        if (scanning) {
          const uint64_t s_lo = scanning->iova, s_hi = scanning->iova + scanning->size;
          const uint64_t end = r.iova + n * r.size;
          if (r.iova < s_hi && s_lo < end) {
            skip_lo = s_lo > r.iova ? (s_lo - r.iova) / r.size : 0;
            skip_hi = std::min(n, (std::min(s_hi, end) - 1 - r.iova) / r.size + 1);
          }
        }
        if (skip_lo > 0) ref_->resolve_dirty(r.iova, skip_lo * r.size, h.dirty);
        if (skip_hi < n) ref_->resolve_dirty(r.iova + skip_hi * r.size, (n - skip_hi) * r.size, h.dirty);
      } else if ((r.dirty == DirtyState::Dirty) != h.dirty) {
        differs = true;
        return fail(o, op,
                    fmt("%s%s: the leaf at iova 0x%llx is %s in the target and %s in the reference", stmt().c_str(),
                        what, ull(r.iova), h.dirty ? "writable-dirty" : "writable-clean", dirty_state_name(r.dirty)));
      }
    }
    return true;
  });
  if (differs) return false;
  if (!hc.done())
    return fail(o, op,
                fmt("%s%s: the target maps %s; the reference maps nothing there", stmt().c_str(), what,
                    hw_text(hc.leaf()).c_str()));
  if (!rc.done())
    return fail(o, op,
                fmt("%s%s: the reference maps %s; the target maps nothing there", stmt().c_str(), what,
                    describe(rc.leaf(), cfg.hw_dirty).c_str()));
  // iova_to_phys agrees at the range's edges (it is the target's own walk, not the hardware's).
  for (uint64_t a : {lo, lo + size - kSize4K}) {
    smmu_->set_harness_call(true);
    const uint64_t t = ops_->iova_to_phys(target_, a);
    smmu_->set_harness_call(false);
    const uint64_t r = ref_->iova_to_phys(a);
    if (t != r)
      return fail(Oracle::Divergence, op,
                  fmt("%s%s: iova_to_phys(0x%llx) returns 0x%llx; the reference gives 0x%llx", stmt().c_str(), what,
                      ull(a), ull(t), ull(r)));
  }
  return check_smmu(op);
}

Run::RecordSets Run::record_sets(const Op& op, const std::vector<RefRecord>& ref_records, const RecordingSink& sink,
                                 bool only_range) {
  RecordSets s;
  s.range.add(op.iova, op.iova + op.size);
  const uint64_t range_lo = op.iova & ~(kSize4K - 1), range_hi = op.iova + op.size;
  for (auto [iova, len] : sink.raw) {
    uint64_t lo = iova & ~(kSize4K - 1);
    uint64_t hi = len > ~iova - kSize4K ? ~0ull & ~(kSize4K - 1) : (iova + len + kSize4K - 1) & ~(kSize4K - 1);
    if (only_range) {  // the caller's bitmap keeps only the read's range (the reference model says when)
      lo = std::max(lo, range_lo);
      hi = std::min(hi, range_hi);
    }
    s.got.add(lo, hi);
  }
  for (const RefRecord& r : ref_records) (r.maybe ? s.maybe : s.required).add(r.iova, r.iova + r.len);
  return s;
}

// A dirty op's records (SPEC 5.3, 5.1): phantom records, lost writes, then a record the reference
// requires. Checked before the leaves are compared: a read that misses a write is lost-dirty, and one
// that skips a dirty leaf has not recorded it, whatever state either left behind.
bool Run::check_dirty_accounting(const Op& op, const OpContext& ctx, const std::vector<RefRecord>& ref_records,
                                 const RecordSets& sets) {
  const auto stmt = [&] { return print_statement(op); };  // in words only for a report
  const IntervalSet &got = sets.got, &maybe = sets.maybe, &required = sets.required, &range = sets.range;

  // Recorded outside the range (beyond what the profile accepts: contract=linux records a leaf that
  // sticks out whole), or though no write reached it since it was cleared.
  IntervalSet may_record = range;
  may_record.add(maybe);
  if (auto a = got.first_not_in(may_record))
    return fail(Oracle::PhantomDirty, &op,
                fmt("`%s` recorded iova 0x%llx, outside its range", stmt().c_str(), ull(*a)));
  IntervalSet allowed = required;
  allowed.add(maybe);
  if (auto a = got.first_not_in(allowed)) {
    const std::optional<RefLeaf> l = ref_->leaf_at(*a);
    return fail(Oracle::PhantomDirty, &op,
                fmt("`%s` recorded page 0x%llx though no device write reached it since it was last cleared (reference "
                    "leaf: %s)",
                    stmt().c_str(), ull(*a), l ? describe(*l, script_.config.hw_dirty).c_str() : "unmapped"));
  }

  // Every completed device write must be covered (SPEC 5.3), independently of the reference's leaves.
  const bool clearing = op.kind == OpKind::UnmapDirty || (op.kind == OpKind::Dirty && !op.noclear);
  if (clearing) {
    for (auto it = ledger_.pending.lower_bound(op.iova); it != ledger_.pending.end() && in_range(op, it->first);) {
      const uint64_t page = it->first, t = it->second;
      if (got.contains(page)) {
        it = ledger_.pending.erase(it);
        continue;
      }
      if (op.kind == OpKind::UnmapDirty || t < ctx.begin_t)
        return fail(Oracle::LostDirty, &op,
                    fmt("a device write to page 0x%llx completed at t%llu, before `%s` began at t%llu, and `%s` did not "
                        "record it%s",
                        ull(page), ull(t), stmt().c_str(), ull(ctx.begin_t), stmt().c_str(),
                        op.kind == OpKind::UnmapDirty ? " although it removed the page"
                                                      : ": the first clearing read after the write must report it"));
      ++it;  // written during this read: the next clearing read must report it
    }
  }
  // contract=linux: a read that may clean a leaf sticking out of its range whole discharges what
  // writes to the leaf's pages outside the range were owed (SPEC 9.5: tracking at IOPTE granularity).
  if (clearing)
    for (const RefRecord& r : ref_records) {
      if (!r.may_clean_whole) continue;
      for (auto it = ledger_.pending.lower_bound(r.iova); it != ledger_.pending.end() && it->first - r.iova < r.len;)
        it = in_range(op, it->first) ? std::next(it) : ledger_.pending.erase(it);
    }
  if (auto a = sets.required.first_not_in(sets.got)) {
    const std::optional<RefLeaf> l = ref_->leaf_at(*a);
    return fail(Oracle::Divergence, &op,
                fmt("`%s` did not record page 0x%llx, which the reference reports dirty%s", stmt().c_str(), ull(*a),
                    l ? (" (leaf " + describe(*l, script_.config.hw_dirty) + ")").c_str() : ""));
  }

  return true;
}

// The set bits of a caller's bitmap of n bytes, as runs of bit indexes [lo, hi), padding bits included:
// zero words are skipped whole, so a large sparse bitmap costs a pass over its memory.
namespace {
IntervalSet set_bits(const uint8_t* bytes, uint64_t n) {
  IntervalSet out;
  uint64_t run_lo = 0;
  bool in_run = false;
  uint64_t i = 0;
  auto bit = [&](uint64_t b) { return (bytes[b / 8] >> (b % 8)) & 1; };
  while (i < n) {
    uint64_t word = 0;
    const uint64_t take = std::min<uint64_t>(8, n - i);
    std::memcpy(&word, bytes + i, take);
    const uint64_t full = take == 8 ? ~0ull : (1ull << (8 * take)) - 1;
    if ((!in_run && word == 0) || (in_run && word == full)) {
      i += take;
      continue;
    }
    for (uint64_t b = 8 * i; b < 8 * (i + take); ++b) {
      if (bit(b) && !in_run) run_lo = b, in_run = true;
      if (!bit(b) && in_run) out.add(run_lo, b), in_run = false;
    }
    i += take;
  }
  if (in_run) out.add(run_lo, 8 * n);
  return out;
}
}  // namespace

// The caller's bitmap (SPEC 5.1), once the records and the leaves agree: the optimized windowed writer's
// bytes against the bits the reference's plain writer sets for the reference's records (its runs, not a
// second bitmap: a 1 GiB read costs what its records are, not a step per bit).
bool Run::check_bitmap(const Op& op, const std::vector<RefRecord>& ref_records, const CallerBitmap& bm) {
  if (!bm.geo.valid()) return true;
  IntervalSet must, may;
  for (const RefRecord& r : ref_records) {
    uint64_t first = 0, last = 0;
    if (plain_bitmap_bits(bm.geo, r.iova, r.len, &first, &last)) (r.maybe ? may : must).add(first, last + 1);
  }
  const IntervalSet got = set_bits(bm.bytes, bm.geo.nbytes());
  IntervalSet allowed = must;
  allowed.add(may);
  const std::optional<uint64_t> extra = got.first_not_in(allowed), missing = must.first_not_in(got);
  if (!extra && !missing) return true;
  const uint64_t bad = std::min(extra.value_or(~0ull), missing.value_or(~0ull));
  const uint64_t i = bad / 8;
  uint8_t must_byte = 0, may_byte = 0;
  for (unsigned b = 0; b < 8; ++b) {
    if (must.contains(8 * i + b)) must_byte |= uint8_t(1u << b);
    if (may.contains(8 * i + b)) may_byte |= uint8_t(1u << b);
  }
  return fail(Oracle::Divergence, &op,
              fmt("`%s`: byte %llu of the caller's bitmap (misalign %u, bitmap page 0x%llx) is 0x%02x; the "
                  "reference's plain writer gives 0x%02x (bits 0x%02x may differ)",
                  print_statement(op).c_str(), ull(i), op.misalign, ull(op.bitmap_pgsize), bm.bytes[i], must_byte,
                  may_byte));
}

bool Run::check_expect(const Op& op, int64_t got, int64_t ref, const CallerBitmap* bm) {
  if (!op.expect || !skipped_.empty() || !expectations_apply()) return true;
  const Expect& e = *op.expect;
  const auto stmt = [&] { return print_statement(op); };  // in words only for a report
  auto mismatch = [&](const std::string& got_text) {
    return fail(Oracle::Divergence, &op,
                fmt("`%s` gave %s; the script expects %s", stmt().c_str(), got_text.c_str(), print_expect(op, e).c_str()));
  };
  const bool is_set = e.kind == Expect::Kind::Bitmap || e.has_bitmap;
  if (e.kind == Expect::Kind::Number || e.kind == Expect::Kind::Errno) {
    if (e.value != got) return mismatch(op.kind == OpKind::Phys ? fmt("0x%llx", ull(got)) : result_text(got));
    if (e.value != ref)
      return fail(Oracle::Divergence, &op,
                  fmt("the script expects %s from `%s` but the reference model gives %s (the scenario or the reference "
                      "is wrong)",
                      print_expect(op, e).c_str(), stmt().c_str(), result_text(ref).c_str()));
  } else if (e.kind == Expect::Kind::Bitmap && got < 0) {
    return mismatch(result_text(got));
  }
  if (is_set && got >= 0 && bm && bm->geo.valid()) {
    IntervalSet want, have;
    for (const BitRun& r : e.bitmap) want.add(r.addr, r.addr + (r.size ? r.size : bm->geo.pgsize));
    std::string have_text = "{";
    for (auto [a, len] : bitmap_runs(bm->geo, bm->bytes)) {
      have.add(a, a + len);
      have_text += (have_text.size() > 1 ? ", " : "") + print_addr(a) + "+" + print_size(len);
    }
    have_text += "}";
    if (want.ranges() != have.ranges()) return mismatch("the bitmap " + have_text);
  }
  return true;
}


std::string config_signature(const Config& c) {
  std::string s = fmt("ias%u-", c.ias);
  if (c.pgsizes & kSize4K) s += "4K";
  if (c.pgsizes & kSize2M) s += "2M";
  if (c.pgsizes & kSize1G) s += "1G";
  s += fmt("-bbml%u-%s-%s", c.bbml, c.hw_dirty ? "hd" : "nohd", c.lazy ? "lazy" : "strict");
  if (c.contract != Contract::Spec) s += std::string("-") + contract_name(c.contract);
  return s;
}

std::string check_runnable(const Script& script) {
  auto check = [&](const Op& op) -> std::string {
    if (op.kind != OpKind::Dirty && op.kind != OpKind::UnmapDirty) return "";
    BitmapGeometry g;
    g.base = op.iova;
    g.length = op.size;
    g.pgsize = op.bitmap_pgsize;
    if (g.valid() && g.nbytes() > kMaxBitmapBytes)
      return fmt("%s:%d: the bitmap of this %s needs %llu MiB at bitmap page 0x%llx (limit %llu MiB): use a larger "
                 "bitmap=SIZE",
                 script.file.c_str(), op.line, op_name(op.kind), ull(g.nbytes() >> 20), ull(g.pgsize),
                 ull(kMaxBitmapBytes >> 20));
    return "";
  };
  for (const Op& op : script.ops) {
    if (std::string e = check(op); !e.empty()) return e;
    for (const Injection& inj : op.inject) {
      if (std::string e = check(inj.op); !e.empty()) return e;
      if (injection_breaks_contract(op, inj.op))
        return fmt("%s:%d: `%s` overlaps `%s`, which it runs inside: the caller never runs two operations on "
                   "overlapping ranges at once (SPEC section 6)",
                   script.file.c_str(), inj.op.line, print_statement(inj.op).c_str(), print_statement(op).c_str());
    }
  }
  return "";
}

Session::Session(const Config& cfg, const ptc_target_ops* target, const RunOptions& opts, std::string file)
    : impl_(std::make_unique<Impl>(cfg, target, opts, std::move(file))) {
  started_ = impl_->start(&skip_reason_);
}
Session::~Session() = default;
bool Session::step(const Op& op) { return impl_->step(op); }
void Session::expectations_written_for(Contract c) { impl_->expectations_written_for(c); }
bool Session::finish() { return impl_->finish(); }
const std::optional<Failure>& Session::failure() const { return impl_->failure_; }
const Script& Session::script() const { return impl_->script_; }
size_t Session::statements() const { return impl_->statements_; }
const std::vector<SkippedStatement>& Session::skipped_statements() const { return impl_->skipped_; }
const std::vector<int>& Session::failed_allocations() const { return impl_->failed_allocations_; }
uint64_t Session::last_op_accesses() const { return impl_->last_op_accesses_; }

namespace {
RunResult run_once(const Script& script, const ptc_target_ops* target, const RunOptions& opts) {
  RunResult rr;
  Session session(script.config, target, opts, script.file);
  session.expectations_written_for(script.has_contract ? script.config.contract : Contract::Spec);
  if (!session.started()) {
    rr.skipped = true;
    rr.skip_reason = session.skip_reason();
    return rr;
  }
  for (const Op& op : script.ops)
    if (!session.step(op)) break;
  session.finish();
  rr.failure = session.failure();
  rr.statements = session.statements();
  rr.skipped_statements = session.skipped_statements();
  rr.failed_allocations = session.failed_allocations();
  return rr;
}
}  // namespace

RunResult run_script(const Script& script, const ptc_target_ops* target, const RunOptions& opts) {
  // Events are only read in a failure's trace: record them only in a run known to fail (issue 17: a
  // fuzzer's executions spent most of their time formatting events nobody read).
  const bool replay_for_trace = opts.event_log && !opts.record_timeline;
  if (!replay_for_trace) return run_once(script, target, opts);
  RunOptions quiet = opts;
  quiet.event_log = false;
  RunResult rr = run_once(script, target, quiet);
  if (!rr.failure) return rr;
  RunOptions tracing = opts;
  tracing.observe_accesses = nullptr;  // the accesses were the first run's: observed once
  const RunResult traced = run_once(script, target, tracing);
  // The same failure when the same oracle fires at the same statement: its words may differ, as a message
  // naming a table's heap address does from run to run.
  if (traced.failure && traced.failure->signature == rr.failure->signature && traced.failure->line == rr.failure->line) {
    rr.failure = traced.failure;
  } else {
    std::string& t = rr.failure->trace;
    const size_t at = t.find("  replay: ");
    t.insert(at == std::string::npos ? t.size() : at,
             "  (no events: run again with the event log on, the script " +
                 std::string(traced.failure ? "failed otherwise: " + traced.failure->signature : "passed") +
                 "; the target does not behave the same on every run)\n");
  }
  return rr;
}

}  // namespace ptc
