// The rule every script under corpora/scenarios, oracles and regressions (and examples/simple-c/scripts) keeps (SPEC 7, docs/HARNESS.md
// "What a script may expect"): an expectation holds for every correct table, so no script expects a result
// that depends on one table's allocation pattern. Two forms are caught:
//   - `=> ENOMEM` (or `-ENOMEM`) anywhere: an op fails with -ENOMEM only where `fail alloc N` hits one of
//     its allocations, and which allocation is the Nth, if there is one, is the table's choice;
//   - any `=> RESULT` on the statement a `fail alloc N` applies to: it failed or it did not.
// Statements after such an op may depend on it too (a `phys` of a page the op maps); that is for the
// author, and this test cannot see it. A script whose own comment justifies an exception says why on
// a line `# allocation-dependent: WHY`.
#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "core/script/script.h"

namespace ptc {
namespace {

constexpr const char* kExemption = "# allocation-dependent: ";

bool expects_enomem(const Op& op) {
  return op.expect && op.expect->kind == Expect::Kind::Errno && op.expect->value == -ENOMEM;
}

// "FILE:LINE: why" for each expectation in `text` that depends on the allocation pattern.
std::vector<std::string> allocation_dependent(const std::string& text, const std::string& file) {
  std::vector<std::string> found;
  if (text.find(std::string("\n") + kExemption) != std::string::npos || text.rfind(kExemption, 0) == 0) return found;
  auto parsed = parse_script(text, file);
  if (const auto* e = std::get_if<ParseError>(&parsed)) return {e->str()};
  const Script& s = std::get<Script>(parsed);
  auto report = [&](const Op& op, const std::string& why) {
    found.push_back(file + ":" + std::to_string(op.line) + ": `" + print_statement(op) + "` " + why);
  };
  for (size_t i = 0; i < s.ops.size(); ++i) {
    const Op& op = s.ops[i];
    if (expects_enomem(op)) report(op, "expects ENOMEM");
    for (const Injection& inj : op.inject)
      if (expects_enomem(inj.op)) report(inj.op, "expects ENOMEM");
    if (op.kind == OpKind::FailAlloc && i + 1 < s.ops.size() && s.ops[i + 1].expect && !expects_enomem(s.ops[i + 1]))
      report(s.ops[i + 1], "expects a result after `fail alloc`");
  }
  return found;
}

TEST(CorpusRules, TheCheckFindsAllocationDependentExpectations) {
  EXPECT_EQ(allocation_dependent("fail alloc 1\nmap 0 0 4K rw\nphys 0 => 0x0\n", "a.ops"), std::vector<std::string>{});
  EXPECT_EQ(allocation_dependent("fail alloc 2\nmap 0 0 4K rw => ENOMEM\n", "a.ops"),
            std::vector<std::string>{"a.ops:2: `map 0x0 0x0 4K rw => ENOMEM` expects ENOMEM"});
  EXPECT_EQ(allocation_dependent("map 0 0 4K rw\n  @3 split 0x200000 2M => -ENOMEM\n", "a.ops"),
            std::vector<std::string>{"a.ops:2: `split 0x200000 2M => ENOMEM` expects ENOMEM"});
  EXPECT_EQ(allocation_dependent("fail alloc 1\nmap 0x1000 0 4K rw => 0\n", "a.ops"),
            std::vector<std::string>{"a.ops:2: `map 0x1000 0x0 4K rw => 0` expects a result after `fail alloc`"});
  EXPECT_EQ(allocation_dependent("# allocation-dependent: why\nfail alloc 1\nmap 0 0 4K rw => ENOMEM\n", "a.ops"),
            std::vector<std::string>{});
  EXPECT_EQ(allocation_dependent("map 0 0 4K rw => EBADNAME\n", "a.ops"),
            std::vector<std::string>{"a.ops:1: unknown errno name 'EBADNAME'"});
}

TEST(CorpusRules, NoScriptExpectsWhatDependsOnTheAllocationPattern) {
  namespace fs = std::filesystem;
  size_t scripts = 0;
  // The example target's own scripts too: examples/kernel-style replays them against another table.
  for (const char* dir : {"scenarios", "oracles", "regressions", "../examples/simple-c/scripts"}) {
    for (const fs::directory_entry& e : fs::directory_iterator(fs::path(PTCHECK_CORPORA_DIR) / dir)) {
      if (e.path().extension() != ".ops") continue;
      std::ifstream in(e.path(), std::ios::binary);
      std::stringstream text;
      text << in.rdbuf();
      for (const std::string& problem : allocation_dependent(text.str(), std::string(dir) + "/" + e.path().filename().string()))
        ADD_FAILURE() << problem << " (SPEC 7: expect through the oracles; docs/HARNESS.md)";
      ++scripts;
    }
  }
  EXPECT_GT(scripts, 60u);  // the folders were found
}

}  // namespace
}  // namespace ptc
