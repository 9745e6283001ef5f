#include "properties/concurrent/history.h"

#include <algorithm>
#include <map>
#include <numeric>

#include "core/fmt.h"
#include "core/script/script.h"

namespace ptc::conc {

namespace {
using ull = unsigned long long;
}

uint64_t HistOp::lo() const {
  if (op.kind == OpKind::Flush) return 0;
  if (op.kind == OpKind::Dev || (op.kind == OpKind::Phys && !snapshot)) return op.iova & ~(kSize4K - 1);
  return op.iova;
}

uint64_t HistOp::hi() const {
  if (op.kind == OpKind::Flush) return 0;
  if (op.kind == OpKind::Dev || (op.kind == OpKind::Phys && !snapshot)) return lo() + kSize4K;
  return op.iova + op.size;
}

bool HistOp::is_clearing_read() const {
  if (snapshot) return false;
  if (op.kind == OpKind::Dirty) return !op.noclear && result == 0;
  return op.kind == OpKind::UnmapDirty && result >= 0;
}

void add_record_pages(IntervalSet& pages, uint64_t iova, uint64_t len, uint64_t lo, uint64_t hi) {
  if (len == 0) return;
  const uint64_t end = iova + len < iova ? ~0ull : iova + len;
  const uint64_t a = std::max(lo, iova & ~(kSize4K - 1));
  const uint64_t up = end > ~0ull - kSize4K ? ~0ull & ~(kSize4K - 1) : (end + kSize4K - 1) & ~(kSize4K - 1);
  const uint64_t b = std::min<uint64_t>(hi, up);
  pages.add(a, b);
}

std::string print_pages(const IntervalSet& pages) {
  std::string s = "{";
  for (auto [lo, hi] : pages.ranges()) {
    if (s.size() > 1) s += ", ";
    s += hi - lo == kSize4K ? print_addr(lo) : print_addr(lo) + "+" + print_size(hi - lo);
  }
  return s + "}";
}

std::string print_op(const HistOp& h, size_t max_leaves) {
  const std::string who = h.thread == HistOp::kObserver ? "end " : fmt("t%-3d", h.thread);
  std::string s = fmt("[%6llu..%6llu] %s ", ull(h.call), ull(h.ret), who.c_str());
  if (h.snapshot) {
    s += fmt("snapshot %s %s => %zu leaves", print_addr(h.op.iova).c_str(), print_size(h.op.size).c_str(),
             h.leaves.size());
    for (size_t i = 0; i < h.leaves.size() && i < max_leaves; ++i) {
      const SnapLeaf& l = h.leaves[i];
      s += fmt(" [%s+%s)->%s%s%s", print_addr(l.iova).c_str(), print_size(l.size).c_str(), print_addr(l.pa).c_str(),
               !l.writable ? " ro" : l.dirty ? " dirty" : " clean", l.af ? "" : " AF=0");
    }
    if (h.leaves.size() > max_leaves) s += " ...";
    return s;
  }
  Op op = h.op;
  op.expect.reset();
  op.inject.clear();
  s += print_statement(op) + " => ";
  if (op.kind == OpKind::Dev)
    return s + (h.fault ? "fault" : print_addr(uint64_t(h.result))) + (h.unchecked ? " (its dirty effect only)" : "");
  if (op.kind == OpKind::Phys) return s + print_addr(uint64_t(h.result));
  if (h.result < 0 && errno_name(h.result)) s += errno_name(h.result);
  else s += std::to_string(h.result);
  if ((op.kind == OpKind::Dirty && h.result == 0) || (op.kind == OpKind::UnmapDirty && h.result >= 0))
    s += " " + print_pages(h.pages);
  return h.unchecked ? s + " (projected onto one page)" : s;
}

std::string print_history(const std::vector<const HistOp*>& ops, const std::string& indent) {
  std::vector<const HistOp*> sorted = ops;
  std::stable_sort(sorted.begin(), sorted.end(), [](const HistOp* a, const HistOp* b) { return a->call < b->call; });
  std::string s;
  for (const HistOp* h : sorted) s += indent + print_op(*h) + "\n";
  return s;
}

std::vector<std::vector<const HistOp*>> partition_by_range(const History& h) {
  // Sort the ranged ops by start; sweep, starting a component where a range begins past the end
  // of everything before it.
  std::vector<size_t> ranged, global;
  for (size_t i = 0; i < h.ops.size(); ++i) (h.ops[i].hi() > h.ops[i].lo() ? ranged : global).push_back(i);
  std::stable_sort(ranged.begin(), ranged.end(), [&](size_t a, size_t b) { return h.ops[a].lo() < h.ops[b].lo(); });
  std::vector<std::vector<const HistOp*>> parts;
  uint64_t end = 0;
  for (size_t i : ranged) {
    const HistOp& o = h.ops[i];
    if (parts.empty() || o.lo() >= end) parts.emplace_back();
    parts.back().push_back(&o);
    end = parts.back().size() == 1 ? o.hi() : std::max(end, o.hi());
  }
  if (parts.empty() && !global.empty()) parts.emplace_back();
  for (auto& p : parts)
    for (size_t i : global) p.push_back(&h.ops[i]);
  return parts;
}

}  // namespace ptc::conc
