#include "proofs/model/timeline.h"

#include <algorithm>
#include <cstdio>

#include "proofs/model/device_model.h"
#include "proofs/trace/canonical.h"

namespace ptc::proofs {

namespace {

std::string hex(uint64_t v) {
  char b[32];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

std::string entry_name(const Trace& t, int table, unsigned index, unsigned page) {
  if (table < 0) return "an address outside every table";
  if (table == t.slot_table && index == t.slot_index) return "L2[" + std::to_string(index) + "] (the region's slot)";
  if (table == t.slot_table) return "L2[" + std::to_string(index) + "]";
  for (size_t k = 0; k < t.path_tables.size(); ++k)
    if (t.path_tables[k] == table) return "L" + std::to_string(k) + "[" + std::to_string(index) + "]";
  std::string s = "T" + std::to_string(table) + "[" + std::to_string(index) + "]";
  if (index == page) s += " (this page)";
  return s;
}

}  // namespace

std::string describe_step(const Trace& t, const Step& s, unsigned page) {
  std::string d = step_kind_name(s.kind);
  switch (s.kind) {
    case StepKind::kRead: return d + "     " + entry_name(t, s.table, s.index, page) + " = " + hex(s.before);
    case StepKind::kWrite:
    case StepKind::kXchg:
      return d + (s.kind == StepKind::kWrite ? "    " : "     ") + entry_name(t, s.table, s.index, page) + ": " +
             hex(s.before) + " -> " + hex(s.after);
    case StepKind::kCmpxchg:
      return d + "  " + entry_name(t, s.table, s.index, page) + ": expected " + hex(s.arg) + ", found " + hex(s.before) +
             (s.before == s.arg ? " -> " + hex(s.after) : " (failed)");
    case StepKind::kFetchOr:
      return d + " " + entry_name(t, s.table, s.index, page) + " |= " + hex(s.arg) + ": " + hex(s.before) + " -> " + hex(s.after);
    case StepKind::kInvRange:
      return d + " [" + hex(s.iova) + "+" + hex(s.size) + ")" + (s.leaf_only ? " leaf-only" : " (leaves and walks)");
    case StepKind::kInvAll:
    case StepKind::kSync:
    case StepKind::kReuse: return d;
    case StepKind::kAlloc: return d + " -> T" + std::to_string(s.table);
    case StepKind::kFree: return d + " " + (s.table >= 0 ? "T" + std::to_string(s.table) : std::string("(not a table)"));
    case StepKind::kRecord: return d + " [" + hex(s.iova) + "+" + hex(s.size) + ")";
    case StepKind::kReturn: return s.op + " returns " + std::to_string(s.ret);
    case StepKind::kInjectDirty:
    case StepKind::kForeignInstall: return d;
  }
  return d;
}

std::string config_line(const Trace& t) {
  return "config ias=48 oas=48 pgsizes=4K,2M,1G bbml=" + std::to_string(t.cfg.bbml) + " hw_dirty=on flush=" +
         ((t.cfg.flags & PTC_CFG_LAZY) ? "lazy" : "strict");
}

namespace {

const char* action_text(DevAction a) {
  switch (a) {
    case DevAction::kNone: return "";
    case DevAction::kFillBlock: return "fills the IOTLB with the block";
    case DevAction::kFillPage: return "fills the IOTLB with the page";
    case DevAction::kFillWalkCache: return "caches the slot's table pointer (walk cache)";
    case DevAction::kWalkFreed: return "walks into a freed table";
    case DevAction::kEvictBlock: return "evicts the block entry";
    case DevAction::kEvictPage: return "evicts the page entry";
    case DevAction::kEvictWalkCache: return "evicts the walk-cache entry";
    case DevAction::kReadCached: return "reads through the cached";
    case DevAction::kWriteCached: return "writes through the cached";
    case DevAction::kReadWalk: return "reads, walking to the";
    case DevAction::kWriteWalk: return "writes, walking to the";
    case DevAction::kFault: return "accesses the page: translation fault";
  }
  return "";
}

const char* script_action(DevAction a) {
  switch (a) {
    case DevAction::kFillBlock:
    case DevAction::kFillPage:
    case DevAction::kFillWalkCache: return "fill";
    case DevAction::kEvictBlock:
    case DevAction::kEvictPage:
    case DevAction::kEvictWalkCache: return "evict";
    case DevAction::kWriteCached:
    case DevAction::kWriteWalk: return "write";
    default: return "read";
  }
}

const char* violation_text(Property p) {
  switch (p) {
    case Property::kNoTlbConflict: return "TLB conflict: the IOTLB holds two entries of another size or output for the page (SPEC 5.6)";
    case Property::kNoFaultSameOutput: return "a device access to the mapped page faulted or saw another output while the operation ran (SPEC 5.7/5.2)";
    case Property::kNoLostDirty: return "lost dirty: the device wrote the page, but neither the page nor the block is dirty at the end (SPEC 5.3)";
    case Property::kFinalState: return "the end state (or return value) is not what SPEC section 3 says";
    case Property::kNoFreedTableWalk: return "table use-after-free: a walk (or access) read a freed table, or a table was freed twice (SPEC 5.5)";
    case Property::kNoStaleAccess: return "stale translation: a device access succeeded after the caller freed the IOVA and the memory (SPEC 5.4)";
    case Property::kDirtyNotLost: return "lost dirty: a device write was neither recorded by the operation nor left the leaf dirty (SPEC 5.3)";
    case Property::kWritesRecorded: return "lost dirty: a write completed while unmap_read_dirty ran but was not recorded (SPEC 5.3)";
  }
  return "";
}

}  // namespace

Timeline render_timeline(const Group& g, unsigned page, const std::vector<TimelineEvent>& events, Property p,
                         const std::string& end) {
  const Trace& t = *g.raw;
  const uint64_t iova = t.region_iova + page * 4096ull;
  Timeline out;
  std::string& s = out.text;
  s += "  recorded: " + t.what + (g.pattern == "none" ? "" : " [device dirties first: " + g.pattern + "]") + "\n";
  s += "  page " + std::to_string(page) + ": iova " + hex(iova) + " -> " + hex(t.region_pa + page * 4096ull) + "\n";
  size_t next_raw = 0;  // the first recorded step not shown yet
  // Script: the device actions of each operation, by the access count before them.
  std::vector<std::string> after;       // quiescent device lines, after the last step
  unsigned accesses = 0, op_index = 0;
  std::vector<std::string> op_lines;    // per op: "@N dev ..." lines
  op_lines.emplace_back();
  auto finished = [&]() { return next_raw >= t.steps.size(); };
  for (const TimelineEvent& e : events) {
    const TimelineRule& r = *e.rule;
    if (r.cpu) {
      const size_t raw = g.trace.steps[size_t(r.step)].raw;
      size_t hidden = 0;
      for (size_t k = next_raw; k < raw; ++k)
        if (t.steps[k].kind != StepKind::kInjectDirty) ++hidden;
      if (hidden) s += "          ... " + std::to_string(hidden) + " step(s) that do not touch this page\n";
      for (size_t k = next_raw; k <= raw; ++k) {
        if (is_access(t.steps[k].kind)) accesses = t.steps[k].access_no;
        if (t.steps[k].kind == StepKind::kReturn) {
          ++op_index;
          accesses = 0;
          op_lines.emplace_back();
        }
      }
      char line[32];
      std::snprintf(line, sizeof line, "  #%-5zu cpu ", raw);
      s += line + describe_step(t, t.steps[raw], page) + (e.note.empty() ? "" : "   " + e.note) + "\n";
      next_raw = raw + 1;
      continue;
    }
    std::string what = action_text(r.action);
    if (r.action == DevAction::kReadCached || r.action == DevAction::kWriteCached || r.action == DevAction::kReadWalk ||
        r.action == DevAction::kWriteWalk)
      what += " " + r.how;
    else if (!r.how.empty())
      what += " (" + r.how + ")";
    s += "          dev " + what + "\n";
    s += "                IOTLB now: " + e.iotlb + "\n";
    const std::string dev_line = std::string("dev ") + script_action(r.action) + " " + hex(iova);
    const unsigned script_ops = (t.cfg.flags & PTC_CFG_LAZY) ? 2 : 1;  // unmap (and flush): the rest is quiescent
    if (finished() || op_index >= script_ops)
      after.push_back(dev_line);
    else
      op_lines[op_index] += "  @" + std::to_string(accesses) + " " + dev_line + "\n";
  }
  const size_t remaining = t.steps.size() - std::min(next_raw, t.steps.size());
  if (remaining) s += "          ... " + std::to_string(remaining) + " more step(s)\n";
  if (!end.empty()) s += "  at the end: " + end + "\n";
  s += "  => " + std::string(violation_text(p)) + "\n";
  if (t.hand_written || t.op_script.empty()) return out;
  std::string& sc = out.script;
  sc += "# ptcheck prove: " + std::string(property_name(p)) + " refuted for " + t.what + "\n";
  sc += config_line(t) + "\n";
  for (const std::string& l : t.setup_script) sc += l + "\n";
  sc += t.op_script + "\n" + op_lines[0];
  if ((t.cfg.flags & PTC_CFG_LAZY) && op_lines.size() > 1) sc += "flush\n" + op_lines[1];
  for (const std::string& l : after) sc += l + "\n";
  return out;
}

}  // namespace ptc::proofs
