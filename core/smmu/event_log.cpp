#include "core/smmu/event_log.h"

#include <algorithm>

#include "core/fmt.h"

namespace ptc {

namespace {
using ull = unsigned long long;
}  // namespace

void EventLog::set_enabled(bool on) {
  if (!on) clear();
  enabled_ = on;
}

void EventLog::clear() {
  accesses_.clear();
  notes_.clear();
}

void EventLog::add(std::deque<Event>& ring, size_t max, Event e) {
  if (ring.size() >= max) ring.pop_front();
  ring.push_back(std::move(e));
}

std::vector<EventLog::Event> EventLog::events() const {
  std::vector<Event> all;
  all.reserve(accesses_.size() + notes_.size());
  const uint64_t since = accesses_.size() >= kMaxAccesses ? accesses_.front().t : 0;
  for (const Event& e : notes_)
    if (e.t >= since) all.push_back(e);
  all.insert(all.end(), accesses_.begin(), accesses_.end());
  std::stable_sort(all.begin(), all.end(), [](const Event& a, const Event& b) { return a.t < b.t; });
  return all;
}

std::string EventLog::access_text(EventKind kind, const Access& a) {
  const std::string w = a.level >= 0 ? fmt("L%d[%u] (iova 0x%llx)", a.level, a.index, ull(a.slot_iova))
                                     : fmt("unlinked table 0x%llx[%u]", ull(a.table), a.index);
  if (kind == EventKind::kRead) return fmt("read     %s = 0x%llx", w.c_str(), ull(a.before));
  if (kind == EventKind::kCmpxchg)
    return fmt("cmpxchg  %s: 0x%llx -> 0x%llx %s", w.c_str(), ull(a.before), ull(a.operand),
               a.ok ? "(ok)" : fmt("(failed, found 0x%llx)", ull(a.after)).c_str());
  if (kind == EventKind::kFetchOr)
    return fmt("fetch_or %s |= 0x%llx: 0x%llx -> 0x%llx", w.c_str(), ull(a.operand), ull(a.before), ull(a.after));
  return fmt("%-8s %s: 0x%llx -> 0x%llx", event_kind_name(kind), w.c_str(), ull(a.before), ull(a.after));  // write, xchg
}

std::string EventLog::line(const Event& e) {
  return fmt("t%-5llu %s", ull(e.t), event_actor(e.kind)) +
         (is_descriptor_access(e.kind) ? access_text(e.kind, e.access) : e.text);
}

std::vector<std::string> EventLog::lines() const {
  const std::vector<Event> ev = events();
  std::vector<std::string> out;
  for (size_t i = 0; i < ev.size();) {
    size_t j = i;
    while (j + 1 < ev.size() && is_descriptor_access(ev[i].kind) && ev[j + 1].kind == ev[i].kind &&
           ev[j + 1].access.table == ev[i].access.table)
      ++j;
    if (j - i + 1 > 4) {
      out.push_back(line(ev[i]));
      out.push_back(line(ev[i + 1]));
      out.push_back(fmt("        ... %zu more `%s`s in the same table ...", j - i - 2, event_kind_name(ev[i].kind)));
      out.push_back(line(ev[j]));
    } else {
      for (size_t k = i; k <= j; ++k) out.push_back(line(ev[k]));
    }
    i = j + 1;
  }
  return out;
}

}  // namespace ptc
