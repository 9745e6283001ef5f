// LeafRuns (the reference model's store of leaves as runs) against the plainest store there is: one map
// entry per leaf. Random programs of inserts, erases, splits into pages and dirty updates, with leaves
// of 4K and 2M (and a 1G block split into pages); after every step both must hold the same leaves, and the runs must be maximal (two
// stores of the same leaves hold the same runs: the concurrent checker's memo relies on it).
#include "core/reference/leaf_runs.h"
#include "core/ops.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <random>
#include <string>

namespace ptc {
namespace {

using Plain = std::map<uint64_t, RefLeaf>;

std::string text(const RefLeaf& l) {
  char b[128];
  std::snprintf(b, sizeof b, "[0x%llx+0x%llx)->0x%llx w%d d%d", (unsigned long long)l.iova, (unsigned long long)l.size,
                (unsigned long long)l.pa, int(l.writable), int(l.dirty));
  return b;
}

bool same(const RefLeaf& a, const RefLeaf& b) {
  return a.iova == b.iova && a.size == b.size && a.pa == b.pa && a.writable == b.writable && a.dirty == b.dirty;
}

// Every leaf of `plain` intersecting [lo, lo+size).
std::vector<RefLeaf> plain_in(const Plain& plain, uint64_t lo, uint64_t size) {
  std::vector<RefLeaf> out;
  for (const auto& [k, l] : plain)
    if (l.iova < lo + size && lo < l.end()) out.push_back(l);
  return out;
}

void expect_same(const LeafRuns& runs, const Plain& plain, const std::string& step) {
  std::vector<RefLeaf> got;
  runs.append_leaves(0, ~0ull, &got);
  ASSERT_EQ(got.size(), plain.size()) << step;
  ASSERT_EQ(runs.leaf_count(), plain.size()) << step;
  size_t i = 0;
  for (const auto& [k, l] : plain) {
    ASSERT_TRUE(same(got[i], l)) << step << ": leaf " << i << " is " << text(got[i]) << ", want " << text(l);
    ASSERT_TRUE(same(runs.nth_leaf(i), l)) << step;
    const std::optional<RefLeaf> at = runs.leaf_at(l.iova + l.size - 1);
    ASSERT_TRUE(at && same(*at, l)) << step;
    ++i;
  }
  // Maximal: no run continues the one before it.
  const RefRun* prev = nullptr;
  for (const auto& [k, r] : runs.runs()) {
    ASSERT_GT(r.count, 0u) << step;
    if (prev) {
      ASSERT_FALSE(prev->end() == r.iova && prev->leaf_size == r.leaf_size && prev->pa + prev->bytes() == r.pa &&
                   prev->writable == r.writable && prev->dirty == r.dirty)
          << step << ": runs at 0x" << std::hex << prev->iova << " and 0x" << r.iova << " are not joined";
    }
    prev = &r;
  }
}

TEST(LeafRuns, AgreesWithOneEntryPerLeaf) {
  const uint64_t seed = 1;
  std::printf("seed %llu (replay: --gtest_filter=LeafRuns.AgreesWithOneEntryPerLeaf)\n", (unsigned long long)seed);
  std::mt19937_64 rng(seed);
  // Leaves of 4K and 2M over 32 MiB (the 1G case is the next test: a plain store of its pages is slow).
  const uint64_t space = 16 * kSize2M;
  auto pick = [&](uint64_t n) { return rng() % n; };
  for (int program = 0; program < 200; ++program) {
    LeafRuns runs;
    Plain plain;
    for (int step = 0; step < 40; ++step) {
      const std::string where = "program " + std::to_string(program) + " step " + std::to_string(step);
      // A range aligned to a leaf size, a few leaves long; often near the last one touched.
      const uint64_t leaf = pick(2) ? kSize4K : kSize2M;
      const uint64_t unit = pick(2) ? kSize4K : leaf;
      const uint64_t lo = (pick(space / unit)) * unit;
      const uint64_t size = std::min(space - lo, unit * (1 + pick(pick(2) ? 4 : 600)));
      switch (pick(5)) {
        case 0: {  // insert a run of `leaf` where nothing is
          const uint64_t a = lo / leaf * leaf, n = 1 + pick(leaf == kSize4K ? 700 : 3);
          if (a + n * leaf > space || !plain_in(plain, a, n * leaf).empty()) break;
          const uint64_t pa = (pick(2) ? a : pick(64) * kSize2M) + (pick(4) == 0 ? leaf : 0);
          const bool w = pick(2);
          const DirtyState d = DirtyState(pick(3));
          runs.insert(RefRun{a, leaf, n, pa, w, d});
          for (uint64_t k = 0; k < n; ++k) plain[a + k * leaf] = RefLeaf{a + k * leaf, leaf, pa + k * leaf, w, d};
          break;
        }
        case 1: {  // erase whole leaves
          std::vector<RefLeaf> removed;
          runs.erase(lo, size, [&](const RefRun& r) {
            for (uint64_t k = 0; k < r.count; ++k) removed.push_back(r.leaf(k));
          });
          const std::vector<RefLeaf> want = plain_in(plain, lo, size);
          ASSERT_EQ(removed.size(), want.size()) << where;
          for (size_t k = 0; k < want.size(); ++k) ASSERT_TRUE(same(removed[k], want[k])) << where;
          for (const RefLeaf& l : want) plain.erase(l.iova);
          break;
        }
        case 2: {  // split every block in range into pages
          runs.update(lo, size, [](RefRun& r) {
            r.count *= r.leaf_size / kSize4K;
            r.leaf_size = kSize4K;
          });
          for (const RefLeaf& b : plain_in(plain, lo, size)) {
            plain.erase(b.iova);
            for (uint64_t off = 0; off < b.size; off += kSize4K)
              plain[b.iova + off] = RefLeaf{b.iova + off, kSize4K, b.pa + off, b.writable, b.dirty};
          }
          break;
        }
        default: {  // set the dirty state of every leaf in range
          const DirtyState d = DirtyState(pick(3));
          runs.update(lo, size, [&](RefRun& r) { r.dirty = d; });
          for (const RefLeaf& l : plain_in(plain, lo, size)) plain[l.iova].dirty = d;
          break;
        }
      }
      ASSERT_NO_FATAL_FAILURE(expect_same(runs, plain, where));
      std::vector<RefLeaf> in;
      runs.append_leaves(lo, size, &in);
      const std::vector<RefLeaf> want = plain_in(plain, lo, size);
      ASSERT_EQ(in.size(), want.size()) << where;
      ASSERT_EQ(runs.any_in(lo, size), !want.empty()) << where;
    }
  }
}

TEST(LeafRuns, SplittingA1GBlockIsOneRun) {
  LeafRuns runs;
  runs.insert(RefRun{kSize1G, kSize1G, 1, 0, true, DirtyState::Dirty});
  runs.update(kSize1G, kSize1G, [](RefRun& r) {
    r.count *= r.leaf_size / kSize4K;
    r.leaf_size = kSize4K;
  });
  ASSERT_EQ(runs.runs().size(), 1u);
  EXPECT_EQ(runs.leaf_count(), 262144u);
  // One page written: three runs; cleaned again: one.
  runs.update(kSize1G + 5 * kSize4K, kSize4K, [](RefRun& r) { r.dirty = DirtyState::Clean; });
  EXPECT_EQ(runs.runs().size(), 3u);
  runs.update(kSize1G + 5 * kSize4K, kSize4K, [](RefRun& r) { r.dirty = DirtyState::Dirty; });
  EXPECT_EQ(runs.runs().size(), 1u);
}

}  // namespace
}  // namespace ptc
