// Length-prefixed frames over a pipe, and the fields inside one: how a child process hands results to
// its parent. A frame is a u32 length and that many bytes; a field is a u8 tag, a u32 length and the
// bytes. Nothing here trusts the other side: a short or malformed frame is an error, not a crash.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace ptc {

// Writes one whole frame to fd (retrying short writes); false when the pipe is gone.
bool write_frame(int fd, std::string_view payload);

// Fields of one frame, in order.
class FrameWriter {
 public:
  FrameWriter& str(uint8_t tag, std::string_view s);
  FrameWriter& num(uint8_t tag, int64_t v);
  const std::string& bytes() const { return buf_; }

 private:
  std::string buf_;
};

class FrameReader {
 public:
  explicit FrameReader(std::string_view frame) : rest_(frame) {}
  // The next field; false at the end or on a malformed field (then bad() is true).
  bool next(uint8_t* tag, std::string_view* value);
  static std::optional<int64_t> as_num(std::string_view v);
  bool bad() const { return bad_; }

 private:
  std::string_view rest_;
  bool bad_ = false;
};

// Calls f(tag, value, value as a number or 0) for each field of a frame, in order; false when the frame
// is malformed.
bool for_each_field(std::string_view frame, const std::function<void(uint8_t tag, std::string_view v, int64_t n)>& f);

// Collects frames from bytes as they arrive from a pipe.
class FrameAssembler {
 public:
  void feed(const char* data, size_t n) { pending_.append(data, n); }
  // The next complete frame, if one is there.
  std::optional<std::string> pop();
  // Bytes of a frame that never completed (the writer died mid-frame).
  bool partial() const { return !pending_.empty(); }

 private:
  std::string pending_;
};

}  // namespace ptc
