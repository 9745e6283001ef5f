// printf-style formatting into a std::string, for the messages of reports and traces.
#pragma once
#include <cstdarg>
#include <cstdio>
#include <string>

namespace ptc {

__attribute__((format(printf, 1, 2))) inline std::string fmt(const char* f, ...) {
  va_list ap;
  va_start(ap, f);
  char buf[1024];
  va_list again;
  va_copy(again, ap);
  const int n = std::vsnprintf(buf, sizeof buf, f, ap);
  va_end(ap);
  std::string out;
  if (n < int(sizeof buf)) {
    out.assign(buf, n > 0 ? size_t(n) : 0);
  } else {
    out.resize(size_t(n));
    std::vsnprintf(out.data(), size_t(n) + 1, f, again);
  }
  va_end(again);
  return out;
}

}  // namespace ptc
