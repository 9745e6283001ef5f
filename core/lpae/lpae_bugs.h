// Deliberate bugs for test-only builds of the LPAE table (the `Bugs` template argument).
//
// Every oracle of SPEC section 5 must be shown to fire on a broken target. Each flag below changes
// exactly one place in lpae_table.h, guarded by `if constexpr (has_bug(kBug...))`, so the shipped
// build (Bugs = 0) carries none of this code. core/lpae/CMakeLists.txt builds one module per bug,
// `ptc_broken_<name>`, whose ops are named "broken-<name>".
#pragma once
#include <string_view>

namespace ptc::lpae {

enum LpaeBug : unsigned {
  // split installs the table with a plain write instead of CAS: a device dirty update that lands
  // between reading the block and installing is lost.
  kBugSplitPlainWrite = 1u << 0,
  // unmap frees removed tables right after clearing them, before invalidation and sync.
  kBugFreeBeforeSync = 1u << 1,
  // read_and_clear_dirty skips its tlb_inv_range/tlb_sync after cleaning.
  kBugClearNoInvalidate = 1u << 2,
  // map installs new tables with a plain write instead of CAS (a concurrent map into the same new
  // table is lost).
  kBugMapPlainInstall = 1u << 3,
  // unmap_read_dirty removes a leaf with read() then write(0) instead of xchg().
  kBugUnmapDirtyNonatomic = 1u << 4,
  // split at bbml 1 skips the nT / invalidate / sync step and installs the table over the block.
  kBugBbml1NoNt = 1u << 5,
  // strict unmap skips invalidation and sync when it removed only leaves (not tables).
  kBugUnmapNoInvalidate = 1u << 6,
  // flush() frees the queued tables but issues no invalidation or sync.
  kBugLazyFlushNoop = 1u << 7,
  // split makes clean pages from a dirty block.
  kBugSplitDropsDirty = 1u << 8,
  // read_and_clear_dirty also cleans a dirty leaf that sticks out of the range (io-pgtable-arm).
  kBugDirtyCleansStraddling = 1u << 9,
  // read_and_clear_dirty never cleans (the next read records the same pages again).
  kBugDirtyNeverClears = 1u << 10,
  // unmap of a range that cuts a leaf removes the whole leaf instead of failing with -EINVAL.
  kBugUnmapWholeLeaf = 1u << 11,
  // the leaf size choice ignores paddr alignment.
  kBugPgsizeNoAlign = 1u << 12,
  // leaves are written without the access flag.
  kBugMapNoAf = 1u << 13,
  // split writes the block invalid, invalidates and syncs, then installs the table.
  kBugSplitBreakBeforeMake = 1u << 14,
  // map allocates tables while writing leaves; an allocation failure leaves a partial mapping.
  kBugEnomemPartial = 1u << 15,
  // destroy does not free last-level tables.
  kBugLeakTable = 1u << 16,
  // strict unmap frees each removed table twice.
  kBugDoubleFree = 1u << 17,
  // merge skips the post-sync re-read of the old leaves (a write through a cached page is lost).
  kBugMergeLosesDirty = 1u << 18,
  // map stores one descriptor past the end of a table it writes leaves into (plain store).
  kBugDirectOob = 1u << 19,
  // read_and_clear_dirty reports writable-clean leaves as well (tests DBM alone, not DBM && !AP2).
  kBugDirtyRecordsClean = 1u << 20,
  // The gate survives its target (issue 14): a table that dies or hangs, or floods its log.
  // split of a block dereferences a null table pointer (a crash: SIGSEGV, or ASan's SEGV report).
  kBugSplitNullDeref = 1u << 21,
  // merge that makes a block reads one element past a heap buffer (ASan: heap-buffer-overflow).
  kBugMergeHeapOverflow = 1u << 22,
  // read_and_clear_dirty of a range with a mapped leaf never returns.
  kBugDirtyLoopsForever = 1u << 23,
  // every operation prints a kernel WARN line to stderr (and works correctly).
  kBugWarnEveryOp = 1u << 24,
  // map writes 4K leaves with a plain store instead of hw->write: a target built without ptcheck's access
  // instrumentation (SPEC 6, 10), whose stores the harness must report, never miss.
  kBugLeafPlainStore = 1u << 25,
};

struct LpaeBugName {
  std::string_view name;
  unsigned bug;
};

// The names of the broken modules (`ptc_broken_<name>`); keep in step with CMakeLists.txt.
inline constexpr LpaeBugName kLpaeBugNames[] = {
    {"split_plain_write", kBugSplitPlainWrite},
    {"free_before_sync", kBugFreeBeforeSync},
    {"clear_no_invalidate", kBugClearNoInvalidate},
    {"map_plain_install", kBugMapPlainInstall},
    {"unmap_dirty_nonatomic", kBugUnmapDirtyNonatomic},
    {"bbml1_no_nt", kBugBbml1NoNt},
    {"unmap_no_invalidate", kBugUnmapNoInvalidate},
    {"lazy_flush_noop", kBugLazyFlushNoop},
    {"split_drops_dirty", kBugSplitDropsDirty},
    {"dirty_cleans_straddling", kBugDirtyCleansStraddling},
    {"dirty_never_clears", kBugDirtyNeverClears},
    {"unmap_whole_leaf", kBugUnmapWholeLeaf},
    {"pgsize_no_align", kBugPgsizeNoAlign},
    {"map_no_af", kBugMapNoAf},
    {"split_break_before_make", kBugSplitBreakBeforeMake},
    {"enomem_partial", kBugEnomemPartial},
    {"leak_table", kBugLeakTable},
    {"double_free", kBugDoubleFree},
    {"merge_loses_dirty", kBugMergeLosesDirty},
    {"direct_oob", kBugDirectOob},
    {"dirty_records_clean", kBugDirtyRecordsClean},
    {"split_null_deref", kBugSplitNullDeref},
    {"merge_heap_overflow", kBugMergeHeapOverflow},
    {"dirty_loops_forever", kBugDirtyLoopsForever},
    {"warn_every_op", kBugWarnEveryOp},
    {"leaf_plain_store", kBugLeafPlainStore},
};

// The flag of a bug name; 0 when unknown (a static_assert in lpae_broken.cpp rejects that).
constexpr unsigned lpae_bug_by_name(std::string_view name) {
  for (const LpaeBugName& b : kLpaeBugNames)
    if (b.name == name) return b.bug;
  return 0;
}

}  // namespace ptc::lpae
