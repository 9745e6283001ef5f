#include "tools/ptcheck/html_timeline.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core/oracles.h"
#include "tools/ptcheck/report_file.h"

namespace ptc::cli {

namespace {

using ull = unsigned long long;

// More rows than this make a page nobody reads: the events before are counted, not drawn (the text
// trace of `ptcheck run` has them).
constexpr size_t kMaxRows = 160;
// A run of the same access to one table (building or scanning a table) longer than this is drawn as
// its first two events, a "... N more" row and its last, as the text trace does.
constexpr size_t kMaxRun = 4;

// Geometry of the SVG, in pixels. 11px monospace is about 6.6px a character.
constexpr int kRowH = 18, kHeadH = 28;
constexpr double kCharW = 6.8;
constexpr int kTimeX = 0, kCpuX = 70, kDevX = 560, kTlbX = 1030, kWidth = 1350;

std::string esc(const std::string& s) {
  std::string o;
  o.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&#39;"; break;
      default:
        // Control bytes (other than newline and tab) are not allowed in HTML text.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t')
          o += "?";
        else
          o += c;
    }
  }
  return o;
}

std::string hex(uint64_t v) {
  char b[32];
  std::snprintf(b, sizeof b, "0x%llx", ull(v));
  return b;
}

std::string fit(const std::string& s, size_t chars) {
  if (s.size() <= chars) return s;
  return s.substr(0, chars > 1 ? chars - 1 : 0) + "\u2026";
}

std::string where(const TimelineEvent& e) {
  if (e.level >= 0) return "L" + std::to_string(e.level) + "[" + std::to_string(e.index) + "]";
  return "unlinked " + hex(e.table) + "[" + std::to_string(e.index) + "]";
}

// The row's label: short enough for its lane; the tooltip has everything.
std::string label(const TimelineEvent& e) {
  const std::string at = where(e) + (e.level >= 0 ? " @" + hex(e.slot_iova) : "");
  if (e.kind == EventKind::kRead) return "read    " + at + " = " + hex(e.old_value);
  if (e.is_access()) {
    const std::string name = event_kind_name(e.kind);
    std::string s = name + std::string(name.size() < 8 ? 8 - name.size() : 1, ' ') + at + ": " + hex(e.old_value) +
                    " \u2192 " + hex(e.new_value);
    if (!e.ok) s += " (failed)";
    return s;
  }
  if (e.kind == EventKind::kHttu) return "HTTU CAS " + at + ": " + hex(e.old_value) + " \u2192 " + hex(e.new_value);
  if (e.kind == EventKind::kWalk) {
    std::string s = "walk " + hex(e.iova) + ":";
    for (const TimelineWalkStep& w : e.walk) s += " L" + std::to_string(w.level) + "[" + std::to_string(w.index) + "]";
    return s;
  }
  return e.text;
}

std::string tlb_text(const TimelineTlbEntry& t) {
  return "[" + hex(t.iova) + "+" + hex(t.size) + ") \u2192 " + hex(t.pa) + " " +
         (t.writable ? (t.dirty ? "writable-dirty" : "writable-clean") : "read-only") + ", desc " + hex(t.desc) +
         ", filled t" + std::to_string(t.filled_at);
}

std::string walk_cache_text(const TimelineWalkCacheEntry& w) {
  return "L" + std::to_string(w.level) + " table " + hex(w.table) + " for [" + hex(w.iova_base) + "+" + hex(w.span) +
         "), filled t" + std::to_string(w.filled_at);
}

// The descriptors the run has touched so far, by (table, index): the last value seen, and where.
struct KnownDescriptor {
  std::string where;
  uint64_t value = 0;
  uint64_t t = 0;
};
using Descriptors = std::map<std::pair<uint64_t, unsigned>, KnownDescriptor>;

void learn(const TimelineEvent& e, Descriptors* d) {
  if (e.is_access() || e.kind == EventKind::kHttu) {
    (*d)[{e.table, e.index}] = {where(e) + (e.level >= 0 ? " (iova " + hex(e.slot_iova) + ")" : ""), e.new_value, e.t};
  }
  for (const TimelineWalkStep& w : e.walk) {
    auto& k = (*d)[{w.table, w.index}];
    if (k.where.empty()) k.where = "L" + std::to_string(w.level) + "[" + std::to_string(w.index) + "]";
    k.value = w.desc;
    k.t = e.t;
  }
}

// The last few descriptors touched, newest first; slots of the live tree before those of tables being
// built off-line (a split writes 512 of those, and they say less).
std::vector<KnownDescriptor> recent(const Descriptors& d, size_t n) {
  std::vector<KnownDescriptor> v;
  for (const auto& [k, x] : d) v.push_back(x);
  std::stable_sort(v.begin(), v.end(), [](const KnownDescriptor& a, const KnownDescriptor& b) {
    const bool la = a.where.rfind("unlinked", 0) != 0, lb = b.where.rfind("unlinked", 0) != 0;
    return la != lb ? la : a.t > b.t;
  });
  if (v.size() > n) v.resize(n);
  return v;
}

std::string caches_text(const TimelineEvent& e, const Descriptors& d) {
  std::string s = "IOTLB after it (" + std::to_string(e.iotlb.size()) + "):";
  if (e.iotlb.empty()) s += " empty";
  for (const TimelineTlbEntry& t : e.iotlb) s += "\n  " + tlb_text(t);
  s += "\nwalk cache after it (" + std::to_string(e.walk_cache.size()) + "):";
  if (e.walk_cache.empty()) s += " empty";
  for (const TimelineWalkCacheEntry& w : e.walk_cache) s += "\n  " + walk_cache_text(w);
  s += "\ndescriptors, last value seen:";
  for (const KnownDescriptor& k : recent(d, 12)) s += "\n  " + k.where + " = " + hex(k.value) + " (t" + std::to_string(k.t) + ")";
  return s;
}

struct Row {
  const TimelineEvent* e = nullptr;  // nullptr: a "... N more" row
  size_t more = 0;
  EventKind more_kind = EventKind::kRead;  // a "... N more" row: of which access
  size_t index = 0;                  // position in the timeline
};

// Folds long runs of one access kind to one table, as the text trace does.
std::vector<Row> fold(const std::vector<TimelineEvent>& ev, size_t end) {
  std::vector<Row> rows;
  for (size_t i = 0; i < end;) {
    size_t j = i;
    while (j + 1 < end && ev[i].is_access() && ev[j + 1].kind == ev[i].kind &&
           ev[j + 1].table == ev[i].table && ev[j + 1].line == ev[i].line)
      ++j;
    if (j - i + 1 > kMaxRun) {
      rows.push_back({&ev[i], 0, {}, i});
      rows.push_back({&ev[i + 1], 0, {}, i + 1});
      rows.push_back({nullptr, j - i - 2, ev[i].kind, i + 2});
      rows.push_back({&ev[j], 0, {}, j});
    } else {
      for (size_t k = i; k <= j; ++k) rows.push_back({&ev[k], 0, {}, k});
    }
    i = j + 1;
  }
  return rows;
}

int lane_x(TimelineLane l) {
  switch (l) {
    case TimelineLane::kDevice: return kDevX;
    case TimelineLane::kTlb: return kTlbX;
    default: return kCpuX;
  }
}

int lane_w(TimelineLane l) {
  switch (l) {
    case TimelineLane::kDevice: return kTlbX - kDevX;
    case TimelineLane::kTlb: return kWidth - kTlbX;
    case TimelineLane::kOracle: return kWidth - kCpuX;
    default: return kDevX - kCpuX;
  }
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::string cur;
  for (char c : text) {
    if (c == '\n') {
      lines.push_back(cur);
      cur.clear();
    } else if (c != '\r') {
      cur += c;
    }
  }
  if (!cur.empty()) lines.push_back(cur);
  return lines;
}

const char kStyle[] = R"(
body{font-family:system-ui,sans-serif;margin:0;background:#fafafa;color:#222}
header{background:#7a1020;color:#fff;padding:10px 16px}
header h1{font-size:18px;margin:0 0 4px 0}
header .sig{font-family:monospace;font-size:14px}
header .msg{font-size:13px;margin-top:6px;max-width:1360px}
header .replay{font-family:monospace;font-size:12px;margin-top:6px;color:#fdd}
.top{display:flex;gap:12px;padding:10px 10px 0 10px;align-items:flex-start}
.script{flex:1 1 50%;min-width:0;font-family:monospace;font-size:12px;background:#fff;border:1px solid #ccc;padding:6px}
.script h2,.panel h2,.timeline h2{font-family:system-ui,sans-serif;font-size:14px;margin:2px 0 6px 0}
.script .ln{display:block;white-space:pre;overflow:hidden;text-overflow:ellipsis;padding:0 2px}
.script .ln .no{color:#888;display:inline-block;width:2.5em;text-align:right;margin-right:.6em}
.script .ran{background:#eef4ff}
.script .fail{background:#ffd6d6;font-weight:bold;outline:1px solid #c00}
.script a{color:inherit;text-decoration:none}
.timeline{background:#fff;border:1px solid #ccc;padding:6px;margin:10px;overflow-x:auto}
.panel{background:#fff;border:1px solid #c00;padding:6px 10px;font-size:12px}
.top .panel{flex:1 1 50%;min-width:0}
body>.panel{margin:0 10px 10px 10px}
.panel table{border-collapse:collapse;font-family:monospace;font-size:12px}
.panel td,.panel th{border:1px solid #ddd;padding:1px 6px;text-align:left}
.panel pre,.extra pre{font-size:12px;white-space:pre-wrap}
.cols{display:flex;gap:24px;flex-wrap:wrap}
svg text{font-family:monospace;font-size:11px}
svg .lanehead{font-family:system-ui,sans-serif;font-size:12px;font-weight:bold}
)";

}  // namespace

std::string render_html_timeline(const HtmlTimelineInput& in) {
  const Failure& f = *in.failure;
  const std::vector<TimelineEvent>& ev = f.timeline;
  // The failing step: the first oracle event (the runner appends one when the simulated SMMU raised none).
  size_t fail_at = ev.size();
  for (size_t i = 0; i < ev.size(); ++i)
    if (ev[i].lane() == TimelineLane::kOracle) {
      fail_at = i;
      break;
    }
  const size_t end = fail_at < ev.size() ? fail_at + 1 : ev.size();
  std::vector<Row> rows = fold(ev, end);
  size_t hidden = 0;
  if (rows.size() > kMaxRows) {
    hidden = rows[rows.size() - kMaxRows].index;
    rows.erase(rows.begin(), rows.end() - kMaxRows);
  }
  // Descriptors known before the first drawn row.
  Descriptors known;
  for (size_t i = 0; i < hidden; ++i) learn(ev[i], &known);

  std::ostringstream o;
  const std::string oracle = oracle_name(f.oracle);
  o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>ptcheck: " << esc(oracle) << " in "
    << esc(in.script_path) << "</title>\n<style>" << kStyle << "</style></head>\n<body>\n";
  o << "<header><h1>ptcheck: " << esc(oracle) << " at " << esc(in.script_path) << ":" << f.line << " (target "
    << esc(in.target) << ")</h1>\n<div class=\"sig\">signature: <b id=\"signature\">" << esc(f.signature)
    << "</b></div>\n<div class=\"msg\">" << esc(f.message) << "</div>\n<div class=\"replay\">replay: " << esc(f.replay)
    << "</div></header>\n";

  // The failing step's panel (beside the script): the caches and descriptors when the oracle fired.
  std::ostringstream panel;
  if (fail_at < ev.size()) {
    auto& o = panel;
    Descriptors at_fail;
    for (size_t i = 0; i <= fail_at; ++i) learn(ev[i], &at_fail);
    const TimelineEvent& e = ev[fail_at];
    o << "<section class=\"panel\" id=\"failing-step\"><h2>The failing step: t" << e.t << ", script line " << e.line
      << " \u2014 <a href=\"#ev-" << fail_at << "\">" << esc(oracle) << "</a></h2>\n<div class=\"cols\"><div><b>IOTLB</b> ("
      << e.iotlb.size() << " entries)<table><tr><th>range</th><th>output</th><th>permission</th><th>descriptor</th><th>filled</th></tr>";
    for (const TimelineTlbEntry& t : e.iotlb)
      o << "<tr><td>[" << hex(t.iova) << "+" << hex(t.size) << ")</td><td>" << hex(t.pa) << "</td><td>"
        << (t.writable ? (t.dirty ? "writable-dirty" : "writable-clean") : "read-only") << "</td><td>" << hex(t.desc)
        << "</td><td>t" << t.filled_at << "</td></tr>";
    o << "</table></div>\n<div><b>walk cache</b> (" << e.walk_cache.size()
      << " entries)<table><tr><th>table</th><th>level</th><th>covers</th><th>filled</th></tr>";
    for (const TimelineWalkCacheEntry& w : e.walk_cache)
      o << "<tr><td>" << hex(w.table) << "</td><td>L" << w.level << "</td><td>[" << hex(w.iova_base) << "+" << hex(w.span)
        << ")</td><td>t" << w.filled_at << "</td></tr>";
    o << "</table></div>\n<div><b>descriptors</b> (last value seen, newest first)<table><tr><th>slot</th><th>value</th><th>at</th></tr>";
    for (const KnownDescriptor& k : recent(at_fail, 8))
      o << "<tr><td>" << esc(k.where) << "</td><td>" << hex(k.value) << "</td><td>t" << k.t << "</td></tr>";
    o << "</table></div></div></section>\n";
  }

  // The script, with the line of each step.
  std::map<int, size_t> first_row_of_line;
  for (const Row& r : rows)
    if (r.e && r.e->line > 0 && !first_row_of_line.count(r.e->line)) first_row_of_line[r.e->line] = r.index;
  const int fail_line = fail_at < ev.size() ? ev[fail_at].line : f.line;
  o << "<div class=\"top\">\n<section class=\"script\" id=\"script\"><h2>" << esc(in.script_path) << "</h2>\n";
  const std::vector<std::string> lines = split_lines(in.script_text);
  for (size_t i = 0; i < lines.size(); ++i) {
    const int no = int(i + 1);
    const bool ran = first_row_of_line.count(no) > 0;
    o << "<span class=\"ln" << (no == fail_line ? " fail" : ran ? " ran" : "") << "\" id=\"line-" << no << "\">";
    if (ran) o << "<a href=\"#ev-" << first_row_of_line[no] << "\">";
    o << "<span class=\"no\">" << no << "</span>" << esc(lines[i]);
    if (ran) o << "</a>";
    o << "</span>\n";
  }
  o << "</section>\n" << panel.str() << "</div>\n";

  // The timeline.
  const int height = kHeadH + int(rows.size() + (hidden ? 1 : 0)) * kRowH + 8;
  o << "<section class=\"timeline\" id=\"timeline-section\"><h2>Timeline (t = simulated SMMU step; hover a step for the IOTLB, walk cache and "
       "descriptors after it)</h2>\n";
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"timeline\" width=\"" << kWidth << "\" height=\"" << height
    << "\" viewBox=\"0 0 " << kWidth << " " << height << "\">\n";
  const struct {
    int x, w;
    const char* name;
    const char* fill;
  } heads[] = {{kTimeX, kCpuX - kTimeX, "t / line", "#eee"},
               {kCpuX, kDevX - kCpuX, "CPU: the target's descriptor accesses", "#dde8ff"},
               {kDevX, kTlbX - kDevX, "Device: walks, fills, HTTU, DMA", "#ddf3dd"},
               {kTlbX, kWidth - kTlbX, "TLB maintenance", "#fff0cc"}};
  for (const auto& h : heads) {
    o << "<rect x=\"" << h.x << "\" y=\"0\" width=\"" << h.w - 2 << "\" height=\"" << kHeadH - 4 << "\" fill=\"" << h.fill
      << "\"/><text class=\"lanehead\" x=\"" << h.x + 4 << "\" y=\"17\">" << esc(h.name) << "</text>\n";
    o << "<line x1=\"" << h.x + h.w - 1 << "\" y1=\"" << kHeadH << "\" x2=\"" << h.x + h.w - 1 << "\" y2=\"" << height
      << "\" stroke=\"#ddd\"/>\n";
  }
  int y = kHeadH;
  if (hidden) {
    o << "<text x=\"" << kCpuX + 4 << "\" y=\"" << y + 13 << "\" fill=\"#666\">\u2026 " << hidden
      << " earlier events not drawn (the text trace of ptcheck run lists them)</text>\n";
    y += kRowH;
  }
  int prev_line = -1;
  bool shade = false;
  for (const Row& r : rows) {
    if (!r.e) {
      // The folded events still change what the later tooltips show.
      for (size_t k = r.index; k < r.index + r.more && k < ev.size(); ++k) learn(ev[k], &known);
      o << "<text x=\"" << kCpuX + 24 << "\" y=\"" << y + 13 << "\" fill=\"#666\">\u2026 " << r.more << " more `"
        << event_kind_name(r.more_kind) << "`s in the same table \u2026</text>\n";
      y += kRowH;
      continue;
    }
    const TimelineEvent& e = *r.e;
    learn(e, &known);
    if (e.line != prev_line) {
      shade = !shade;
      if (prev_line != -1)
        o << "<line x1=\"0\" y1=\"" << y << "\" x2=\"" << kWidth << "\" y2=\"" << y << "\" stroke=\"#999\"/>\n";
    }
    const bool failing = r.index == fail_at;
    const std::string lane = timeline_lane_name(e.lane());
    const char* kind = event_kind_name(e.kind);
    o << "<g id=\"ev-" << r.index << "\" class=\"event lane-" << lane << " kind-" << kind
      << (failing ? " failing" : "") << "\" data-line=\"" << e.line << "\" data-t=\"" << e.t << "\">";
    o << "<title>t" << e.t << ", script line " << e.line << ", " << lane << " " << kind << "\n" << esc(e.text)
      << "\n\n" << esc(caches_text(e, known)) << "</title>";
    if (shade) o << "<rect x=\"0\" y=\"" << y << "\" width=\"" << kWidth << "\" height=\"" << kRowH << "\" fill=\"#f6f6f6\"/>";
    // The device acting in the middle of a CPU operation is what a race is made of: tint its row.
    if (e.lane() == TimelineLane::kDevice)
      o << "<rect x=\"" << kCpuX << "\" y=\"" << y << "\" width=\"" << kWidth - kCpuX << "\" height=\"" << kRowH
        << "\" fill=\"#e6f6e6\"/>";
    if (failing)
      o << "<rect x=\"0\" y=\"" << y << "\" width=\"" << kWidth << "\" height=\"" << kRowH
        << "\" fill=\"#ffd6d6\" stroke=\"#c00\" stroke-width=\"2\"/>";
    o << "<text x=\"" << kTimeX + 4 << "\" y=\"" << y + 13 << "\" fill=\"#555\">t" << e.t;
    if (e.line != prev_line && e.line > 0) o << " ln " << e.line;
    o << "</text>";
    const int x = lane_x(e.lane()), w = lane_w(e.lane());
    const char* color = e.lane() == TimelineLane::kDevice ? "#1a7f1a"
                        : e.lane() == TimelineLane::kTlb  ? "#a06000"
                        : e.lane() == TimelineLane::kOracle ? "#c00000"
                        : e.lane() == TimelineLane::kScript ? "#777"
                        : e.kind == EventKind::kRead ? "#4060a0"
                                                     : "#0030c0";
    o << "<rect x=\"" << x + 2 << "\" y=\"" << y + 4 << "\" width=\"6\" height=\"10\" fill=\"" << color << "\"/>";
    std::string text = !failing ? label(e) : e.text.rfind(oracle + ":", 0) == 0 ? "\u25b6 " + e.text : "\u25b6 " + oracle + ": " + e.text;
    o << "<text x=\"" << x + 12 << "\" y=\"" << y + 13 << "\" fill=\"" << color << "\""
      << (failing || e.kind == EventKind::kBegin ? " font-weight=\"bold\"" : "") << ">"
      << esc(fit(text, size_t((w - 16) / kCharW))) << "</text></g>\n";
    prev_line = e.line;
    y += kRowH;
  }
  o << "</svg></section>\n";
  if (!in.extra_title.empty())
    o << "<section class=\"panel extra\"><h2>" << esc(in.extra_title) << "</h2><pre>" << esc(in.extra_text)
      << "</pre></section>\n";
  o << "<section class=\"panel\" id=\"what\"><h2>What is wrong</h2><pre>" << esc(f.message) << "</pre></section>\n";
  o << "</body></html>\n";
  return o.str();
}

std::string render_html_text_only(const std::string& title, const std::string& signature, const std::string& text) {
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>" << esc(title) << "</title>\n<style>"
    << kStyle << "</style></head>\n<body>\n<header><h1>" << esc(title) << "</h1><div class=\"sig\">signature: <b id=\"signature\">"
    << esc(signature) << "</b></div></header>\n<section class=\"panel extra\"><pre>" << esc(text)
    << "</pre></section>\n</body></html>\n";
  return o.str();
}

bool write_html_file(const std::string& path, const std::string& html, std::string* error) {
  return write_report_file(path, html, error);
}

}  // namespace ptc::cli
