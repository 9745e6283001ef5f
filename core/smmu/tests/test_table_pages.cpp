// Unit tests of the table memory the simulated SMMU gives a target (table_pages.h): zeroed, aligned, and
// handed out again only after kQuarantine later frees, poisoned meanwhile. Each test runs on a thread of
// its own: the kept blocks are per thread, so it starts with none.
#include "core/smmu/table_pages.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PTCHECK_TEST_ASAN 1
#endif
#if __has_feature(thread_sanitizer)
#define PTCHECK_TEST_TSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define PTCHECK_TEST_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#define PTCHECK_TEST_TSAN 1
#endif
#ifdef PTCHECK_TEST_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace ptc {
namespace {

template <class F>
void on_fresh_thread(F f) {
  std::thread t(f);
  t.join();
}

bool all_zero(const void* p, size_t n) {
  const auto* b = static_cast<const uint8_t*>(p);
  for (size_t i = 0; i < n; ++i)
    if (b[i]) return false;
  return true;
}

TEST(TablePages, ZeroedAndAlignedToTheirSize) {
  on_fresh_thread([] {
    for (size_t bytes : {size_t{8}, size_t{32}, size_t{100}, size_t{4096}, size_t{65536}}) {
      size_t block = 8;
      while (block < bytes) block <<= 1;
      void* p = table_pages::take(bytes);
      ASSERT_NE(p, nullptr);
      EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % block, 0u) << bytes;
      EXPECT_TRUE(all_zero(p, block)) << bytes;
      std::memset(p, 0xab, block);
      table_pages::give(p, bytes);
    }
  });
}

TEST(TablePages, AFreedBlockComesBackOnlyAfterTheQuarantineAndZeroed) {
#ifdef PTCHECK_TEST_TSAN
  GTEST_SKIP() << "under ThreadSanitizer nothing is kept (table_pages.h)";
#endif
  on_fresh_thread([] {
    void* first = table_pages::take(4096);
    std::memset(first, 0xab, 4096);
    table_pages::give(first, 4096);
#ifdef PTCHECK_TEST_ASAN
    EXPECT_TRUE(__asan_address_is_poisoned(first));
    EXPECT_TRUE(__asan_address_is_poisoned(static_cast<char*>(first) + 4095));
#endif
    // Blocks of other sizes count toward its wait too: the quarantine is one queue.
    std::vector<void*> others;
    for (size_t i = 0; i < table_pages::kQuarantine; ++i) {
      void* p = table_pages::take(i % 2 ? 4096 : 64);
      EXPECT_NE(p, first) << "handed out again after " << i << " later frees";
      table_pages::give(p, i % 2 ? 4096 : 64);
    }
    // kQuarantine later frees: it is the next 4 KiB block handed out, zeroed and addressable.
    void* again = table_pages::take(4096);
    EXPECT_EQ(again, first);
#ifdef PTCHECK_TEST_ASAN
    EXPECT_FALSE(__asan_address_is_poisoned(again));
#endif
    EXPECT_TRUE(all_zero(again, 4096));
    table_pages::give(again, 4096);
  });
}

#ifdef PTCHECK_TEST_ASAN
TEST(TablePagesDeathTest, AWriteToAFreedTableIsReported) {
  EXPECT_DEATH(on_fresh_thread([] {
                 auto* p = static_cast<volatile uint64_t*>(table_pages::take(4096));
                 table_pages::give(const_cast<uint64_t*>(p), 4096);
                 p[3] = 1;
               }),
               "use-after-poison");
}
TEST(TablePagesDeathTest, AWritePastALiveTableIsReported) {
  EXPECT_DEATH(on_fresh_thread([] {
                 auto* p = static_cast<volatile uint64_t*>(table_pages::take(4096));
                 p[512] = 1;
               }),
               "heap-buffer-overflow");
}
#endif

}  // namespace
}  // namespace ptc
