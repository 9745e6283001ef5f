// The timeline page from a hand-made failure: escaping, the failing step, folding, the script lines.
#include <gtest/gtest.h>

#include <string>

#include "tools/ptcheck/html_timeline.h"

namespace ptc::cli {
namespace {

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

TimelineEvent access(uint64_t t, int line, unsigned index) {
  TimelineEvent e;
  e.t = t;
  e.line = line;
  e.kind = EventKind::kWrite;
  e.level = -1;
  e.table = 0x1000;
  e.index = index;
  e.new_value = 0x483 + index;
  e.text = "write unlinked";
  return e;
}

Failure failure() {
  Failure f;
  f.oracle = Oracle::LostDirty;
  f.line = 2;
  f.signature = "lost-dirty:split:cfg";
  f.message = "a <write> & lost";
  f.replay = "ptcheck run x.ops";
  for (unsigned i = 0; i < 10; ++i) f.timeline.push_back(access(10 + i, 2, i));  // folded: 2, "7 more", the last
  TimelineEvent walk;
  walk.t = 30;
  walk.line = 3;
  walk.kind = EventKind::kWalk;
  walk.iova = 0x40001000;
  walk.walk = {{0, 0, 0x2000, 0x3003}, {1, 1, 0x3000, 0x481}};
  walk.text = "walk";
  TimelineTlbEntry tlb;
  tlb.iova = 0x40000000;
  tlb.size = 0x200000;
  tlb.pa = 0x80000000;
  tlb.writable = true;
  walk.iotlb = {tlb};
  f.timeline.push_back(walk);
  TimelineEvent oracle;
  oracle.t = 31;
  oracle.line = 2;
  oracle.kind = EventKind::kViolation;
  oracle.text = "lost-dirty: a <write> & lost";
  f.timeline.push_back(oracle);
  return f;
}

TEST(HtmlTimeline, MarksTheFailingStepAndEscapesEverything) {
  const Failure f = failure();
  HtmlTimelineInput in;
  in.script_path = "x<1>.ops";
  in.script_text = "config bbml=2\nsplit 0x40000000 2M   # </pre><script>alert(1)</script>\n  @3 dev write 0x40001000\n";
  in.target = "t&t";
  in.failure = &f;
  const std::string h = render_html_timeline(in);
  EXPECT_EQ(h.find("<script"), std::string::npos) << "script text must be escaped";
  EXPECT_NE(h.find("# &lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(h.find("x&lt;1&gt;.ops"), std::string::npos);
  EXPECT_EQ(count(h, " failing\""), 1u);
  EXPECT_NE(h.find("<span class=\"ln fail\" id=\"line-2\">"), std::string::npos) << "the failing statement's line";
  EXPECT_NE(h.find("id=\"line-3\""), std::string::npos);
  EXPECT_NE(h.find("\u25b6 lost-dirty: a &lt;write&gt; &amp; lost"), std::string::npos) << "the oracle is not repeated";
  EXPECT_NE(h.find("7 more `write`s in the same table"), std::string::npos);
  EXPECT_EQ(count(h, "class=\"event lane-cpu kind-write"), 3u) << "10 writes folded to the first two and the last";
  EXPECT_NE(h.find("walk 0x40001000: L0[0] L1[1]"), std::string::npos);
  EXPECT_NE(h.find("[0x40000000+0x200000) \u2192 0x80000000 writable-clean"), std::string::npos) << "IOTLB tooltip";
  EXPECT_NE(h.find("signature\">lost-dirty:split:cfg</b>"), std::string::npos);
  EXPECT_EQ(count(h, "<svg "), 1u);
  EXPECT_EQ(h.find("http://"), h.find("http://www.w3.org/2000/svg")) << "no external reference but the SVG namespace";
}

}  // namespace
}  // namespace ptc::cli
