// Table memory kept from run to run: see table_pages.h.
#include "core/smmu/table_pages.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/sanitizers.h"

namespace ptc::table_pages {

namespace {

// Under ThreadSanitizer nothing is kept (table_pages.h).
constexpr bool kKeep = !sanitizers::kThreadSanitizer;

// Freed blocks, oldest first: a ring that allocates only while it grows, so that a run of a warm process
// allocates and frees nothing here (libFuzzer takes a run with more mallocs than frees for a possible leak
// and scans the whole heap; a std::deque's node per 64 blocks did that every few runs).
struct Freed {
  void* block;
  unsigned log2;  // of its size
};
class Ring {
 public:
  size_t size() const { return size_; }
  void push(Freed f) {
    if (size_ == slots_.size()) grow();
    slots_[(head_ + size_) % slots_.size()] = f;
    ++size_;
  }
  Freed pop() {
    const Freed f = slots_[head_];
    head_ = (head_ + 1) % slots_.size();
    --size_;
    return f;
  }

 private:
  void grow() {
    std::vector<Freed> bigger(std::max<size_t>(2 * slots_.size(), 2 * kQuarantine));
    for (size_t i = 0; i < size_; ++i) bigger[i] = slots_[(head_ + i) % slots_.size()];
    slots_.swap(bigger);
    head_ = 0;
  }
  std::vector<Freed> slots_;
  size_t head_ = 0, size_ = 0;
};

// Every freed block waits in the quarantine (all sizes together: a size a run uses once still reaches
// reuse after a few runs, and libFuzzer sees no run allocate without freeing once the process is warm),
// then in `ready` for its size until a table of that size takes it. Both stay poisoned. A table freed
// after the thread's blocks are gone (a static's destructor at exit) goes back to the allocator.
thread_local bool kept_gone = false;
struct Kept {
  Ring quarantine;
  std::array<std::vector<void*>, 64> ready;
  ~Kept() {
    kept_gone = true;
    while (quarantine.size()) {
      const Freed f = quarantine.pop();
      ready[f.log2].push_back(f.block);
    }
    for (unsigned log2 = 0; log2 < ready.size(); ++log2)
      for (void* p : ready[log2]) {
        sanitizers::unpoison(p, size_t{1} << log2);  // the allocator's again
        std::free(p);
      }
  }
};
thread_local Kept kept;

// The block for a table of `bytes`.
size_t block_bytes(size_t bytes) {
  size_t b = 8;
  while (b < bytes) b <<= 1;
  return b;
}
unsigned log2_of(size_t block) { return unsigned(__builtin_ctzll(block)); }

}  // namespace

void* take(size_t table_bytes) {
  const size_t bytes = block_bytes(table_bytes);
  if (kKeep && !kept_gone) {
    std::vector<void*>& ready = kept.ready[log2_of(bytes)];
    if (!ready.empty()) {
      void* p = ready.back();
      ready.pop_back();
      sanitizers::unpoison(p, bytes);
      std::memset(p, 0, bytes);
      return p;
    }
  }
  if (kKeep && !kept_gone) {
    // None ready: a batch, the rest kept ready. libFuzzer takes a run that allocates more than it frees
    // for a possible leak, runs it again and scans the heap; one allocation per block would make every
    // run that needs one more block than ever before (and its rerun, the blocks it freed being still in
    // quarantine) such a run.
    const size_t batch = std::clamp<size_t>((size_t{128} << 10) / bytes, 1, 32);
    std::vector<void*>& ready = kept.ready[log2_of(bytes)];
    for (size_t i = 1; i < batch; ++i) {
      void* extra = std::aligned_alloc(bytes, bytes);
      if (!extra) break;
      sanitizers::poison(extra, bytes);
      ready.push_back(extra);
    }
  }
  void* p = std::aligned_alloc(bytes, bytes);
  if (p) std::memset(p, 0, bytes);
  return p;
}

void give(void* block, size_t table_bytes) {
  const size_t bytes = block_bytes(table_bytes);
  if (!kKeep || kept_gone) {
    std::free(block);
    return;
  }
  sanitizers::poison(block, bytes);
  kept.quarantine.push({block, log2_of(bytes)});
  if (kept.quarantine.size() > kQuarantine) {
    const Freed oldest = kept.quarantine.pop();
    kept.ready[oldest.log2].push_back(oldest.block);
  }
}

}  // namespace ptc::table_pages
