// The caller's bitmap buffer: see caller_buffer.h.
#include "core/bitmap/caller_buffer.h"

#include <cstring>
#include <new>
#include <stdexcept>

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

}  // namespace ptc
