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

// `s` as a JSON string literal, quotes included (the reports of prove, check and bench).
inline std::string json_quote(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(ch) < 0x20) {
          char b[8];
          std::snprintf(b, sizeof b, "\\u%04x", unsigned(static_cast<unsigned char>(ch)));
          out += b;
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

}  // namespace ptc
