// The caller's bitmap buffer, placed as a real caller's is (SPEC.md sections 3 and 7, `misalign=N`).
//
// iommufd hands io-pgtable a user's bitmap that may start at any byte; Linux's iova_bitmap pins it page by
// page, and WindowedBitmapWriter likewise moves its window over aligned chunks of the caller's ADDRESS space.
// So how the writer cuts a bitmap into windows depends on where the buffer lies in its page, and a
// misalignment means something only as a distance from a page boundary: CallerBuffer allocates page-aligned
// and starts the caller's bytes `misalign` bytes into the page (iommufd's selftests use 0xff1: 15 bytes
// before the next page, so a 4 KiB window first holds 15 bytes).
//
// The allocation is exactly misalign + nbytes long, so it ends where the caller's bytes end and
// AddressSanitizer reports any access past them. The `misalign` bytes in front stand for whatever the
// caller keeps there; they hold `front_fill`, which a writer must leave alone.
#ifndef PTCHECK_CORE_BITMAP_CALLER_BUFFER_H
#define PTCHECK_CORE_BITMAP_CALLER_BUFFER_H

#include <cstddef>
#include <cstdint>
#include <memory>

namespace ptc {

class CallerBuffer {
 public:
  static constexpr size_t kPageSize = 4096;

  // nbytes zeroed bytes at `misalign` bytes past a page boundary. Throws std::invalid_argument when
  // misalign >= kPageSize.
  CallerBuffer(size_t nbytes, size_t misalign, uint8_t front_fill = 0);

  // The caller's bytes (a valid pointer also when size() is 0).
  uint8_t* data() const { return page_.get() + misalign_; }
  size_t size() const { return nbytes_; }
  size_t misalign() const { return misalign_; }
  // The start of the page: the misalign() bytes in front of data().
  const uint8_t* front() const { return page_.get(); }
  // Whether every byte in front of data() still holds front_fill.
  bool front_intact() const;

 private:
  struct Free {
    void operator()(uint8_t* p) const noexcept;
  };
  std::unique_ptr<uint8_t, Free> page_;
  size_t nbytes_, misalign_;
  uint8_t front_fill_;
};

// A caller's buffer placed anew for each run in one allocation kept from run to run (fuzz_bitmap places
// one per input: allocating, zeroing and freeing up to 64 KiB each time cost more than the writer).
// place() puts the caller's bytes `misalign` bytes past a page boundary, as CallerBuffer does, and when
// AddressSanitizer is linked in it poisons every byte of the allocation after them, so that the buffer
// still ends exactly where the caller's bytes end and ASan reports an access past them (as
// use-after-poison); the allocation's own front is ASan's redzone. Without ASan nothing past the end is
// caught (the same as CallerBuffer).
//
// The caller's bytes are zero after place() on one condition: every byte written since the last place()
// outside the front lies in a range given to written(). So a run costs in proportion to what it wrote.
class ReusedCallerBuffer {
 public:
  // Room for buffers of up to max_nbytes at any misalignment.
  explicit ReusedCallerBuffer(size_t max_nbytes);
  ~ReusedCallerBuffer();
  ReusedCallerBuffer(const ReusedCallerBuffer&) = delete;
  ReusedCallerBuffer& operator=(const ReusedCallerBuffer&) = delete;

  // nbytes zeroed bytes at `misalign` bytes past a page boundary, behind misalign bytes of front_fill.
  // Throws std::invalid_argument when misalign >= kPageSize or nbytes > max_nbytes.
  uint8_t* place(size_t nbytes, size_t misalign, uint8_t front_fill);
  // The caller's bytes [lo, hi) of the current placement may be nonzero now.
  void written(size_t lo, size_t hi);
  // Any byte of the allocation may be nonzero now (after a failed run whose writes are unknown).
  void written_anywhere();

  uint8_t* data() const { return base_ + misalign_; }
  size_t size() const { return nbytes_; }
  size_t misalign() const { return misalign_; }
  const uint8_t* front() const { return base_; }
  bool front_intact() const;

 private:
  size_t capacity_;  // kPageSize + max_nbytes, rounded up to 8: the allocation
  uint8_t* base_;
  size_t nbytes_ = 0, misalign_ = 0;
  uint8_t front_fill_ = 0;
  // Allocation offsets [dirty_lo_, dirty_hi_) that may be nonzero besides the front; empty: (max, 0).
  size_t dirty_lo_ = ~size_t{0}, dirty_hi_ = 0;
};

}  // namespace ptc

#endif  // PTCHECK_CORE_BITMAP_CALLER_BUFFER_H
