#include "properties/concurrent/history_reproducer.h"

#include <algorithm>
#include <filesystem>
#include <vector>

#include "properties/concurrent/rng.h"

namespace ptc::conc {

namespace {

bool overlapped(const HistOp& x, const HistOp& y) { return x.call < y.ret && y.call < x.ret; }

bool ranges_disjoint(const HistOp& x, const HistOp& y) { return x.hi() <= y.lo() || y.hi() <= x.lo(); }

bool is_device(const HistOp& h) { return h.op.kind == OpKind::Dev; }

// The history's operations as the script language issues them: no snapshots (the checker's own
// reading), in call order.
std::vector<const HistOp*> issued_ops(const History& h) {
  std::vector<const HistOp*> ops;
  for (const HistOp& x : h.ops)
    if (!x.snapshot) ops.push_back(&x);
  std::stable_sort(ops.begin(), ops.end(), [](const HistOp* x, const HistOp* y) { return x->call < y->call; });
  return ops;
}

Op plain(const HistOp& h) {
  Op op = h.op;
  op.inject.clear();
  return op;
}

// The Sequence around CPU op `a`: a CPU op on another range that overlapped it as B, the device actions
// that overlapped it as injections, everything else before or after by call time.
Sequence sequence_around(const History& h, const std::vector<const HistOp*>& ops, const HistOp& a) {
  Sequence seq;
  seq.config = h.config;
  seq.a = plain(a);
  const HistOp* b = nullptr;
  for (const HistOp* x : ops)
    if (x != &a && !is_device(*x) && x->thread != a.thread && overlapped(*x, a) && ranges_disjoint(*x, a)) {
      b = x;
      break;
    }
  if (b) seq.b = plain(*b);
  for (const HistOp* x : ops) {
    if (x == &a || x == b) continue;
    if (is_device(*x) && overlapped(*x, a))
      seq.device.push_back(plain(*x));
    else
      (x->call < a.call ? seq.prefix : seq.suffix).push_back(plain(*x));
  }
  return seq;
}

bool fails_as_the_history(const SchedFailure& f, const ReproducerOptions& o) {
  return f.replayed_same && (!o.oracle || f.failure.oracle == *o.oracle);
}

}  // namespace

std::optional<SchedFailure> deterministic_reproducer(const ptc_target_ops* target, const History& h,
                                                     const ReproducerOptions& o) {
  const std::vector<const HistOp*> ops = issued_ops(h);
  if (ops.empty()) return std::nullopt;
  SchedOptions so;
  so.out_dir = o.out_dir;
  so.replay_args = o.replay_args;
  so.watch = o.watch;
  SchedStats stats;
  auto keep_if_same = [&](std::optional<SchedFailure> f) -> std::optional<SchedFailure> {
    if (!f) return std::nullopt;
    if (fails_as_the_history(*f, o)) return f;
    std::error_code ec;
    if (!f->path.empty()) std::filesystem::remove(f->path, ec);  // a different failure: not this history's
    return std::nullopt;
  };
  // First the history one operation at a time, in call order: a failure that needs no race at all.
  {
    Sequence seq;
    seq.config = h.config;
    for (size_t i = 0; i + 1 < ops.size(); ++i) seq.prefix.push_back(plain(*ops[i]));
    seq.a = plain(*ops.back());
    so.schedules = 1;
    if (auto f = keep_if_same(explore_schedules(target, seq, o.seed, so, &stats))) return f;
  }
  // Then each CPU operation with what overlapped it, latest first: a failure is found at the end of a
  // history, usually by what ran late.
  so.schedules = o.schedules;
  uint64_t k = 0;
  for (auto it = ops.rbegin(); it != ops.rend() && stats.schedules < o.max_runs; ++it) {
    if (is_device(**it)) continue;
    const Sequence seq = sequence_around(h, ops, **it);
    if (!seq.b && seq.device.empty()) continue;  // nothing raced with it: the sequential run covered it
    if (auto f = keep_if_same(explore_schedules(target, seq, derive_seed(o.seed, ++k), so, &stats))) return f;
  }
  return std::nullopt;
}

}  // namespace ptc::conc
