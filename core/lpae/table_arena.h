// TableArena: where DirectMem (the benchmarks' build of the table) takes its 4 KiB tables when given
// one. Tables are carved in address order from 2 MiB chunks that the kernel may back with one huge
// page (madvise), so a large mapping's tables are packed and contiguous: 4 KiB each, where
// aligned_alloc(4096, 4096) spends about twice that (glibc puts a chunk header in front of each
// aligned block), and a scan of every table walks a few huge pages instead of one TLB entry per table.
//
// Freed tables go on free lists and are zeroed when handed out again; fresh chunk memory is zero
// already (anonymous mmap). Chunks go back to the system when the arena is destroyed, which must come
// after every table using it.
//
// Thread-safe, and built so that threads mapping disjoint ranges do not slow each other down: the free
// tables are kept in kShards lists, each with its own lock on its own cache line, and a thread frees to
// and takes from the list it was given on first use. One shared list made two threads' map/unmap loops
// run at half speed each: every table a thread freed was likely the next one the other took, so the
// 4 KiB of descriptors the map then wrote moved between the cores' caches, and the lock's line with it.
// A thread whose list is empty takes from the others before carving new memory, so a thread that only
// frees does not make the arena grow for one that only allocates.
#pragma once
#include <sys/mman.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <vector>

namespace ptc::lpae {

class TableArena {
 public:
  static constexpr size_t kTableBytes = 4096;
  static constexpr size_t kChunkBytes = 2u << 20;
  static constexpr unsigned kShards = 16;  // at most 64 (a bit each in a word)

  TableArena() = default;
  ~TableArena() {
    for (void* c : chunks_) munmap(c, kChunkBytes);
  }
  TableArena(const TableArena&) = delete;
  TableArena& operator=(const TableArena&) = delete;

  // A zeroed 4 KiB table aligned to 4 KiB, or nullptr when the system has no memory.
  void* alloc() {
    const unsigned own = shard_of_this_thread();
    void* reused = pop(own, own);
    for (unsigned i = 1; !reused && i < kShards; ++i) reused = pop((own + i) % kShards, own);
    if (reused) {
      // Zeroed outside any lock: the lock is held for the pop only, not for 4 KiB of stores.
      std::memset(reused, 0, kTableBytes);
      return reused;
    }
    std::lock_guard<std::mutex> lock(chunk_mu_);
    if (next_ == end_ && !grow()) return nullptr;
    void* t = next_;
    next_ += kTableBytes;
    shards_[own].live.fetch_add(1, std::memory_order_relaxed);
    return t;
  }

  void free(void* table) {
    Shard& s = shards_[shard_of_this_thread()];
    std::lock_guard<std::mutex> lock(s.mu);
    s.free.push_back(table);
    s.live.fetch_sub(1, std::memory_order_relaxed);
  }

  // Tables handed out and not freed (tests: nothing leaks). Exact once the threads using the arena
  // are done with it; a snapshot while they run.
  size_t live_tables() const {
    int64_t live = 0;
    for (const Shard& s : shards_) live += s.live.load(std::memory_order_relaxed);
    return static_cast<size_t>(live);
  }
  // Bytes taken from the system.
  size_t reserved_bytes() const {
    std::lock_guard<std::mutex> lock(chunk_mu_);
    return chunks_.size() * kChunkBytes;
  }

 private:
  // A free list, alone on its cache lines.
  struct alignas(64) Shard {
    std::mutex mu;
    std::vector<void*> free;
    // Allocations minus frees by the threads of this shard: one shard's count may go below zero (a
    // table allocated by one thread and freed by another); the sum over the shards is what is live.
    std::atomic<int64_t> live{0};
  };

  // The shard of the calling thread: the lowest one no other live thread holds, taken on the thread's
  // first use of any arena and given back when it exits, so that up to kShards threads running at once
  // have a list each, however many threads came and went before (the benchmarks start new threads for
  // every run). A thread beyond kShards shares one.
  static unsigned shard_of_this_thread() {
    struct Held {
      unsigned shard = kShards;
      Held() {
        uint64_t taken = in_use().load(std::memory_order_relaxed);
        for (;;) {
          if (taken == kAllShards) {  // every shard held: share one
            shard = next_shared().fetch_add(1, std::memory_order_relaxed) % kShards;
            return;
          }
          const unsigned lowest = static_cast<unsigned>(__builtin_ctzll(~taken));
          if (in_use().compare_exchange_weak(taken, taken | (uint64_t(1) << lowest), std::memory_order_relaxed)) {
            shard = lowest;
            owned = true;
            return;
          }
        }
      }
      ~Held() {
        if (owned) in_use().fetch_and(~(uint64_t(1) << shard), std::memory_order_relaxed);
      }
      bool owned = false;
    };
    thread_local const Held held;
    return held.shard;
  }
  static constexpr uint64_t kAllShards = (uint64_t(1) << kShards) - 1;
  static std::atomic<uint64_t>& in_use() {
    static std::atomic<uint64_t> mask{0};
    return mask;
  }
  static std::atomic<unsigned>& next_shared() {
    static std::atomic<unsigned> n{0};
    return n;
  }

  // A free table from shard `i`, counted live to shard `own` (the calling thread's), or nullptr.
  void* pop(unsigned i, unsigned own) {
    Shard& s = shards_[i];
    void* t = nullptr;
    {
      std::lock_guard<std::mutex> lock(s.mu);
      if (s.free.empty()) return nullptr;
      t = s.free.back();
      s.free.pop_back();
    }
    shards_[own].live.fetch_add(1, std::memory_order_relaxed);
    return t;
  }

  // A new 2 MiB-aligned chunk: map twice the size and trim, so the chunk can be one huge page.
  bool grow() {
    void* p = mmap(nullptr, 2 * kChunkBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return false;
    const uintptr_t raw = reinterpret_cast<uintptr_t>(p);
    const uintptr_t aligned = (raw + kChunkBytes - 1) & ~uintptr_t(kChunkBytes - 1);
    if (aligned > raw) munmap(p, aligned - raw);
    const uintptr_t tail = aligned + kChunkBytes, raw_end = raw + 2 * kChunkBytes;
    if (raw_end > tail) munmap(reinterpret_cast<void*>(tail), raw_end - tail);
    auto* chunk = reinterpret_cast<char*>(aligned);
    madvise(chunk, kChunkBytes, MADV_HUGEPAGE);  // a hint; without it the chunk is plain pages
    chunks_.push_back(chunk);
    next_ = chunk;
    end_ = chunk + kChunkBytes;
    return true;
  }

  Shard shards_[kShards];
  mutable std::mutex chunk_mu_;  // guards the chunk fields below
  std::vector<void*> chunks_;
  char* next_ = nullptr;  // [next_, end_): untouched (zero) memory of the newest chunk
  char* end_ = nullptr;
};

}  // namespace ptc::lpae
