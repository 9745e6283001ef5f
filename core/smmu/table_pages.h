// Memory for the tables a target allocates through ptc_hw.alloc_table: zeroed, aligned to its size, and
// kept from run to run.
//
// Why keep it: under AddressSanitizer every fresh table page cost page faults, ASan's fill of the new
// chunk and its quarantine's recycling, more than the table's own work on it (fuzz_ops allocates and frees
// a dozen tables per input, thousands of inputs a second). A freed block stays the chunk it was (its
// redzones still catch an access past a live table's end), is poisoned while free (the table's access to
// a table it freed is reported, as use-after-poison where it was heap-use-after-free) and waits behind
// kQuarantine later frees of its size before it is handed out again, as ASan's own quarantine would make
// it wait: a table still writing to a table it freed is caught unless 256 tables of that size were freed
// in between. The simulated SMMU's own checks (a freed table is not a live one) are unchanged.
//
// Under ThreadSanitizer nothing is kept: its race detection on freed memory needs the real free().
// Blocks are kept per thread: a block freed on another thread than its allocation's joins that thread's.
#pragma once
#include <cstddef>

namespace ptc::table_pages {

constexpr size_t kQuarantine = 256;

// A zeroed block for a table of `bytes`: its size rounded up to a power of two (at least a descriptor's
// 8), aligned to that; null when the allocator has none.
void* take(size_t bytes);
// Gives back a block from take(bytes), with the same bytes.
void give(void* block, size_t bytes);

}  // namespace ptc::table_pages
