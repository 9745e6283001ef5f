// Targets that leave optional entries of ptc_target_ops NULL (SPEC section 6), loaded from their test-only
// modules (not_offering_target.cpp): every obligation whose recording calls such an entry is skipped with the
// reason, none is proved, nothing is called through NULL, and what the target does offer is still proved.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "proofs/prove.h"
#include "proofs/tests/load_target.h"

namespace ptc::proofs {
namespace {

struct Run {
  int status = -1;
  std::vector<Result> results;
  std::string text;
};

Run prove(const ptc_target_ops* ops, const std::string& only) {
  Run run;
  const std::vector<Obligation> all = all_obligations();
  std::FILE* sink = std::tmpfile();
  if (!sink) return run;
  run.status = run_prove(ProveTarget{ops, "", nullptr}, select_obligations(all, only), false, sink, &run.results);
  std::rewind(sink);
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, sink)) > 0;) run.text.append(buf, n);
  std::fclose(sink);
  return run;
}

// Every obligation `only` selects is skipped because the target does not offer `entry` (`use`: the rest of
// the reason, when a setup step needs it), and the run does not fail.
void expect_skipped(const ptc_target_ops* ops, const std::string& only, const std::string& entry,
                    const std::string& use = "") {
  const Run run = prove(ops, only);
  ASSERT_FALSE(run.results.empty()) << only;
  EXPECT_EQ(run.status, 0) << run.text;
  const std::string why = "the target does not offer " + entry + " (NULL in ptc_target_ops)" + use;
  for (const Result& r : run.results) {
    EXPECT_EQ(r.verdict, Verdict::kSkipped) << r.name << ": " << verdict_name(r.verdict) << " " << r.note;
    EXPECT_EQ(r.note, why) << r.name;
  }
  const std::string n = std::to_string(run.results.size());
  EXPECT_NE(run.text.find("0 proved, 0 refuted, 0 unknown, 0 vacuous, " + n + " skipped"), std::string::npos) << run.text;
  EXPECT_NE(run.text.find("  " + n + " skipped: " + why + "\n"), std::string::npos) << run.text;
}

void expect_proved(const ptc_target_ops* ops, const std::string& only) {
  const Run run = prove(ops, only);
  ASSERT_FALSE(run.results.empty()) << only;
  EXPECT_EQ(run.status, 0) << run.text;
  for (const Result& r : run.results) EXPECT_EQ(r.verdict, Verdict::kProved) << r.name << ": " << r.note;
}

struct Skip {
  std::string only, entry, use;
};

// The module at `path`: the obligations of each Skip are skipped, those `proved` selects still proved.
void expect_verdicts(const char* path, const std::vector<Skip>& skipped, const std::vector<std::string>& proved) {
  const ptc_target_ops* ops = load_target(path);
  ASSERT_NE(ops, nullptr) << path << ": " << dlerror();
  for (const Skip& s : skipped) expect_skipped(ops, s.only, s.entry, s.use);
  for (const std::string& only : proved) expect_proved(ops, only);
}

TEST(NotOffered, NoSplitMergeOrUnmapReadDirty) {
  // Without split the 4K pages are mapped one by one instead of split from the block.
  expect_verdicts(PTC_PROOF_NO_SPLIT_LIB,
                  {{"split.*", "split", ""}, {"merge.*", "merge", ""}, {"unmap_read_dirty.*", "unmap_read_dirty", ""}},
                  {"unmap.strict.pages.final-state", "race.*"});
}

TEST(NotOffered, NoReadAndClearDirtyOrFlush) {
  // The canonical region is made writable-clean by read_and_clear_dirty; the race needs neither (its setup
  // flushes only where the target offers flush).
  expect_verdicts(PTC_PROOF_NO_DIRTY_LIB,
                  {{"read_and_clear_dirty.*", "read_and_clear_dirty", ""},
                   {"unmap.lazy.*", "flush", ""},
                   {"split.bbml2.*", "read_and_clear_dirty", ", with which the setup makes the region writable-clean"}},
                  {"race.*"});
}

}  // namespace
}  // namespace ptc::proofs
