#include "properties/stateful/target_probe.h"

#include <algorithm>
#include <cerrno>

#include "core/ops/target_call.h"
#include "core/fmt.h"
#include "core/script/script.h"

namespace ptc::props {

namespace {

struct PageRecorder {
  IntervalSet pages;
  static void record(void* ctx, uint64_t iova, uint64_t len) {
    auto* r = static_cast<PageRecorder*>(ctx);
    const uint64_t lo = iova & ~(kSize4K - 1);
    const uint64_t hi = len > ~iova - kSize4K ? ~(kSize4K - 1) : (iova + len + kSize4K - 1) & ~(kSize4K - 1);
    r->pages.add(lo, hi);
  }
};

}  // namespace

TargetProbe::TargetProbe(const Config& cfg, const ptc_target_ops* ops, TargetWatch* watch)
    : ops_(ops), watch_(watch), smmu_(cfg) {
  script_.config = cfg;
  script_.has_config = true;
  const ptc_cfg abi = cfg.to_abi();
  {
    WatchScope in(watch_, WatchedEntry::kCreate, 0);
    target_ = ops_->create(&abi, smmu_.hw());
  }
  WatchScope in(watch_, WatchedEntry::kRoot, 0);
  if (target_) smmu_.attach(ops_->root(target_));
}

TargetProbe::~TargetProbe() { destroy(); }

ProbeResult TargetProbe::run(const Op& op) {
  script_.ops.push_back(op);
  script_.ops.back().inject.clear();
  script_.ops.back().line = int(script_.ops.size());
  ProbeResult r;
  if (!target_) return r;
  if (op.kind == OpKind::FailAlloc) {
    smmu_.fail_allocation(op.fail_index);
    return r;
  }
  if (op.kind == OpKind::Dev) {
    DeviceResult d;
    switch (op.dev) {
      case DevKind::Evict: smmu_.device_evict(op.iova); return r;
      case DevKind::EvictAll: smmu_.device_evict_all(); return r;
      case DevKind::Fill: d = smmu_.device_fill(op.iova); break;
      default: d = smmu_.device_access(op.iova, op.dev == DevKind::Write);
    }
    r.ret = d.fault ? -1 : int64_t(d.pa);
    return r;
  }
  PageRecorder rec;
  const ptc_dirty dirty{&rec, &PageRecorder::record};
  smmu_.begin_op(op.kind, op.iova, op.size, print_statement(op));
  {
    WatchScope in(watch_, WatchedEntry::kOp, script_.ops.back().line, uint32_t(op.kind));
    r.ret = target_offers(ops_, op.kind) ? call_target_op(ops_, target_, op, &dirty) : -EOPNOTSUPP;
  }
  smmu_.end_op();
  r.records = std::move(rec.pages);
  return r;
}

std::vector<HwLeaf> TargetProbe::leaves(uint64_t iova, uint64_t size) const {
  const uint64_t top = 1ull << script_.config.ias;
  if (!target_ || iova >= top) return {};
  return smmu_.leaves_in(iova, std::min(size, top - iova));
}

uint64_t TargetProbe::iova_to_phys(uint64_t iova) {
  if (!target_) return 0;
  smmu_.set_harness_call(true);
  WatchScope in(watch_, WatchedEntry::kOp, 0, uint32_t(OpKind::Phys));
  const uint64_t pa = ops_->iova_to_phys(target_, iova);
  smmu_.set_harness_call(false);
  return pa;
}

bool TargetProbe::destroy() {
  if (!target_) return !smmu_.violation();
  smmu_.detach();
  {
    WatchScope in(watch_, WatchedEntry::kDestroy, 0);
    ops_->destroy(target_);
  }
  target_ = nullptr;
  smmu_.check_leaks();
  return !smmu_.violation();
}

std::string describe(const std::vector<HwLeaf>& leaves) {
  std::string s;
  for (const HwLeaf& l : leaves)
    s += fmt("[%s+%s) -> %s %s%s%s\n", print_addr(l.iova).c_str(), print_size(l.size).c_str(), print_addr(l.pa).c_str(),
             l.writable ? "rw" : "r", l.writable ? (l.dirty ? " dirty" : " clean") : "", l.af ? "" : " AF=0");
  return s.empty() ? "(nothing mapped)\n" : s;
}

}  // namespace ptc::props
