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

}  // namespace ptc

#endif  // PTCHECK_CORE_BITMAP_CALLER_BUFFER_H
