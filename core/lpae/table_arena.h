// TableArena: where DirectMem (the benchmarks' build of the table) takes its 4 KiB tables when given
// one. Tables are carved in address order from 2 MiB chunks that the kernel may back with one huge
// page (madvise), so a large mapping's tables are packed and contiguous: 4 KiB each, where
// aligned_alloc(4096, 4096) spends about twice that (glibc puts a chunk header in front of each
// aligned block), and a scan of every table walks a few huge pages instead of one TLB entry per table.
// Freed tables go on a free list and are zeroed when handed out again; fresh chunk memory is zero
// already (anonymous mmap). Chunks go back to the system when the arena is destroyed, which must come
// after every table using it. Thread-safe (one mutex, held for a push or pop; a reused table is zeroed
// outside it).
#pragma once
#include <sys/mman.h>

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

  TableArena() = default;
  ~TableArena() {
    for (void* c : chunks_) munmap(c, kChunkBytes);
  }
  TableArena(const TableArena&) = delete;
  TableArena& operator=(const TableArena&) = delete;

  // A zeroed 4 KiB table aligned to 4 KiB, or nullptr when the system has no memory.
  void* alloc() {
    void* reused = nullptr;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++live_;
      if (free_.empty()) {
        if (next_ == end_ && !grow()) {
          --live_;
          return nullptr;
        }
        void* t = next_;
        next_ += kTableBytes;
        return t;
      }
      reused = free_.back();
      free_.pop_back();
    }
    // Zeroed outside the lock: threads mapping disjoint ranges at once contend on the lock only for
    // the pop, not for 4 KiB of stores (the futex sleeps it caused were a quarter of a 2-thread run).
    std::memset(reused, 0, kTableBytes);
    return reused;
  }

  void free(void* table) {
    std::lock_guard<std::mutex> lock(mu_);
    --live_;
    free_.push_back(table);
  }

  // Tables handed out and not freed (tests: nothing leaks).
  size_t live_tables() const {
    std::lock_guard<std::mutex> lock(mu_);
    return live_;
  }
  // Bytes taken from the system.
  size_t reserved_bytes() const {
    std::lock_guard<std::mutex> lock(mu_);
    return chunks_.size() * kChunkBytes;
  }

 private:
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

  mutable std::mutex mu_;
  std::vector<void*> chunks_;
  std::vector<void*> free_;
  char* next_ = nullptr;  // [next_, end_): untouched (zero) memory of the newest chunk
  char* end_ = nullptr;
  size_t live_ = 0;
};

}  // namespace ptc::lpae
