#include "core/isolation/frames.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ptc {

namespace {

void put_u32(std::string& b, uint32_t v) {
  char c[4];
  std::memcpy(c, &v, 4);
  b.append(c, 4);
}

uint32_t get_u32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

}  // namespace

bool write_frame(int fd, std::string_view payload) {
  std::string b;
  put_u32(b, uint32_t(payload.size()));
  b.append(payload);
  size_t done = 0;
  while (done < b.size()) {
    const ssize_t n = ::write(fd, b.data() + done, b.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += size_t(n);
  }
  return true;
}

FrameWriter& FrameWriter::str(uint8_t tag, std::string_view s) {
  buf_.push_back(char(tag));
  put_u32(buf_, uint32_t(s.size()));
  buf_.append(s);
  return *this;
}

FrameWriter& FrameWriter::num(uint8_t tag, int64_t v) { return str(tag, std::to_string(v)); }

bool FrameReader::next(uint8_t* tag, std::string_view* value) {
  if (rest_.empty()) return false;
  if (rest_.size() < 5) {
    bad_ = true;
    return false;
  }
  const uint32_t n = get_u32(rest_.data() + 1);
  if (rest_.size() - 5 < n) {
    bad_ = true;
    return false;
  }
  *tag = uint8_t(rest_[0]);
  *value = rest_.substr(5, n);
  rest_.remove_prefix(5 + size_t(n));
  return true;
}

std::optional<int64_t> FrameReader::as_num(std::string_view v) {
  if (v.empty() || v.size() > 20) return std::nullopt;
  int64_t x = 0;
  size_t i = 0;
  const bool neg = v[0] == '-';
  if (neg) i = 1;
  if (i == v.size()) return std::nullopt;
  for (; i < v.size(); ++i) {
    if (v[i] < '0' || v[i] > '9') return std::nullopt;
    x = x * 10 + (v[i] - '0');
  }
  return neg ? -x : x;
}

bool for_each_field(std::string_view frame, const std::function<void(uint8_t tag, std::string_view v, int64_t n)>& f) {
  FrameReader rd(frame);
  uint8_t tag;
  std::string_view v;
  while (rd.next(&tag, &v)) f(tag, v, FrameReader::as_num(v).value_or(0));
  return !rd.bad();
}

std::optional<std::string> FrameAssembler::pop() {
  if (pending_.size() < 4) return std::nullopt;
  const uint32_t n = get_u32(pending_.data());
  if (pending_.size() - 4 < n) return std::nullopt;
  std::string f = pending_.substr(4, n);
  pending_.erase(0, 4 + size_t(n));
  return f;
}

}  // namespace ptc
