#include "core/script/lexer.h"

#include <limits>

namespace ptc::script_detail {

namespace {

bool is_alpha(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
bool is_alnum(unsigned char c) { return is_alpha(c) || is_digit(c); }

// The value of c as a digit of base 10 or 16, or -1.
int digit_value(char c, unsigned base) {
  if (c >= '0' && c <= '9') return c - '0';
  if (base == 16) {
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  }
  return -1;
}

constexpr size_t kQuoteMax = 40;  // longer text is cut in messages: a message is one short line

}  // namespace

bool is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

Lexer::Lexer(std::string_view code) : code_(code) { cur_ = scan(); }

Token Lexer::next() {
  prev_ = cur_;
  if (cur_.kind != TokKind::End) cur_ = scan();
  return prev_;
}

std::string_view Lexer::rest() const {
  std::string_view r = code_.substr(cur_.pos);
  while (!r.empty() && is_space(static_cast<unsigned char>(r.back()))) r.remove_suffix(1);
  return r;
}

Token Lexer::scan() {
  while (pos_ < code_.size() && is_space(static_cast<unsigned char>(code_[pos_]))) ++pos_;
  Token t;
  t.pos = pos_;
  if (pos_ >= code_.size()) return t;  // End

  const size_t start = pos_;
  const auto c = static_cast<unsigned char>(code_[pos_]);
  if (is_alnum(c)) {
    // A number takes the letters that follow it too ("4K", "0x1f", "12abc"), so that a malformed
    // number is reported whole rather than as a number followed by a word.
    t.kind = is_digit(c) ? TokKind::Number : TokKind::Word;
    while (pos_ < code_.size() && is_alnum(static_cast<unsigned char>(code_[pos_]))) ++pos_;
  } else if (c == '=' && pos_ + 1 < code_.size() && code_[pos_ + 1] == '>') {
    t.kind = TokKind::Punct;
    pos_ += 2;
  } else if (c == '=' || c == ',' || c == '{' || c == '}' || c == '+' || c == '@') {
    t.kind = TokKind::Punct;
    ++pos_;
  } else {
    t.kind = TokKind::Other;
    ++pos_;
  }
  t.text = code_.substr(start, pos_ - start);
  return t;
}

NumStatus parse_number(std::string_view text, uint64_t& value) {
  uint64_t multiplier = 1;
  if (!text.empty()) {
    switch (text.back()) {
      case 'K': multiplier = uint64_t{1} << 10; break;
      case 'M': multiplier = uint64_t{1} << 20; break;
      case 'G': multiplier = uint64_t{1} << 30; break;
      default: break;
    }
    if (multiplier != 1) text.remove_suffix(1);
  }
  unsigned base = 10;
  if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  if (text.empty()) return NumStatus::Malformed;

  // Every character is checked before overflow is reported, so "99999999999999999999zz" is
  // malformed rather than too large.
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  uint64_t v = 0;
  bool overflow = false;
  for (char ch : text) {
    const int d = digit_value(ch, base);
    if (d < 0) return NumStatus::Malformed;
    if (overflow) continue;
    if (v > (kMax - uint64_t(d)) / base) {
      overflow = true;
      continue;
    }
    v = v * base + uint64_t(d);
  }
  if (overflow || v > kMax / multiplier) return NumStatus::TooLarge;
  value = v * multiplier;
  return NumStatus::Ok;
}

std::string quote(std::string_view text) {
  if (text.size() <= kQuoteMax) return "'" + std::string(text) + "'";
  return "'" + std::string(text.substr(0, kQuoteMax)) + "...'";
}

std::string describe(const Token& t) {
  if (t.kind == TokKind::End) return "end of line";
  return quote(t.text);
}

}  // namespace ptc::script_detail
