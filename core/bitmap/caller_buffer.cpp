// The caller's bitmap buffer: see caller_buffer.h.
#include "core/bitmap/caller_buffer.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <stdexcept>

#include "core/sanitizers.h"

namespace ptc {

namespace {
constexpr std::align_val_t kPageAlign{CallerBuffer::kPageSize};
}  // namespace

void CallerBuffer::Free::operator()(uint8_t* p) const noexcept { ::operator delete(p, kPageAlign); }

CallerBuffer::CallerBuffer(size_t nbytes, size_t misalign, uint8_t front_fill)
    : nbytes_(nbytes), misalign_(misalign), front_fill_(front_fill) {
  if (misalign >= kPageSize) throw std::invalid_argument("caller's bitmap: misalign must be below the page size");
  // Exactly misalign + nbytes: nothing after the caller's last byte (operator new of 0 bytes still gives a
  // unique pointer, so data() is valid for an empty bitmap too).
  page_.reset(static_cast<uint8_t*>(::operator new(misalign + nbytes, kPageAlign)));
  std::memset(page_.get(), front_fill, misalign);
  std::memset(data(), 0, nbytes);
}

bool CallerBuffer::front_intact() const {
  for (size_t i = 0; i < misalign_; ++i)
    if (page_.get()[i] != front_fill_) return false;
  return true;
}


// ---------------------------------------------------------------------------------------------------------
// ReusedCallerBuffer

using sanitizers::poison;
using sanitizers::unpoison;

ReusedCallerBuffer::ReusedCallerBuffer(size_t max_nbytes)
    : capacity_((CallerBuffer::kPageSize + max_nbytes + 7) & ~size_t{7}),
      base_(static_cast<uint8_t*>(::operator new(capacity_, kPageAlign))) {
  std::memset(base_, 0, capacity_);
  poison(base_, capacity_);
}

ReusedCallerBuffer::~ReusedCallerBuffer() {
  unpoison(base_, capacity_);  // the allocator's memory again
  ::operator delete(base_, kPageAlign);
}

uint8_t* ReusedCallerBuffer::place(size_t nbytes, size_t misalign, uint8_t front_fill) {
  if (misalign >= CallerBuffer::kPageSize)
    throw std::invalid_argument("caller's bitmap: misalign must be below the page size");
  if (nbytes > capacity_ - CallerBuffer::kPageSize) throw std::invalid_argument("caller's bitmap: too large to reuse");
  // Poisoning changes only over what the previous placement opened or this one opens: a step per byte of
  // the bitmaps, not of the capacity (a 4-byte bitmap in a 256 KiB buffer must not cost 32 KiB of shadow).
  const size_t was_open = misalign_ + nbytes_, open = misalign + nbytes;
  const size_t touched = std::min(capacity_, (std::max(was_open, open) + 7) & ~size_t{7});
  // The previous placement: its front and what it wrote go back to zero (the rest is zero already).
  unpoison(base_, touched);
  std::memset(base_, 0, misalign_);
  if (dirty_lo_ < dirty_hi_) std::memset(base_ + dirty_lo_, 0, dirty_hi_ - dirty_lo_);
  nbytes_ = nbytes;
  misalign_ = misalign;
  front_fill_ = front_fill;
  dirty_lo_ = ~size_t{0};
  dirty_hi_ = 0;
  std::memset(base_, front_fill, misalign);
  // The allocation ends, for ASan, where the caller's bytes end (to the byte: ASan's shadow marks a partly
  // addressable 8-byte granule by its count of addressable bytes).
  poison(base_ + open, touched - open);
  return data();
}

void ReusedCallerBuffer::written(size_t lo, size_t hi) {
  if (lo >= hi) return;
  lo += misalign_;
  hi = std::min(hi + misalign_, capacity_);
  dirty_lo_ = std::min(dirty_lo_, lo);
  dirty_hi_ = std::max(dirty_hi_, hi);
}

void ReusedCallerBuffer::written_anywhere() {
  dirty_lo_ = 0;
  dirty_hi_ = misalign_ + nbytes_;  // past the caller's bytes nothing can have been written but by a writer ASan stopped
}

bool ReusedCallerBuffer::front_intact() const {
  // Every byte equals the first, and the first is the fill.
  return misalign_ == 0 || (base_[0] == front_fill_ && std::memcmp(base_, base_ + 1, misalign_ - 1) == 0);
}

}  // namespace ptc
