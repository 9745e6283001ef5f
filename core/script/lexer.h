// Internal to ptc_script: the tokenizer for one line of a `.ops` script.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ptc::script_detail {

enum class TokKind : uint8_t {
  End,     // no more tokens on the line
  Word,    // [A-Za-z_][A-Za-z0-9_]*: keywords, option and config keys, errno names
  Number,  // [0-9][A-Za-z0-9_]*: checked only when the parser asks for its value (parse_number)
  Punct,   // => = , { } + @
  Other,   // any other printable character, one at a time, so that messages can quote it
};

struct Token {
  TokKind kind = TokKind::End;
  std::string_view text;  // a view into the line
  size_t pos = 0;         // offset in the line
};

// Splits the code part of one line (the comment already cut off, every byte checked to be
// printable ASCII or whitespace) into tokens, one token of lookahead.
class Lexer {
 public:
  explicit Lexer(std::string_view code);

  const Token& peek() const { return cur_; }
  Token next();
  // The token next() returned last (empty text before the first): what "after '...'" quotes.
  const Token& prev() const { return prev_; }
  bool at_punct(std::string_view p) const { return cur_.kind == TokKind::Punct && cur_.text == p; }
  bool at_word(std::string_view w) const { return cur_.kind == TokKind::Word && cur_.text == w; }
  // The unread text from the current token to the end of the line, trimmed.
  std::string_view rest() const;

 private:
  Token scan();

  std::string_view code_;
  size_t pos_ = 0;
  Token cur_;
  Token prev_;
};

// Whitespace between tokens: space, tab, and CR (so CRLF files read as LF files), VT, FF.
bool is_space(unsigned char c);

enum class NumStatus { Ok, Malformed, TooLarge };

// The value of a Number token: decimal or 0x-hex, optionally followed by K, M or G (x 2^10, 2^20,
// 2^30). TooLarge when it does not fit in 64 bits, checked digit by digit.
NumStatus parse_number(std::string_view text, uint64_t& value);

// 'text' for a message, shortened to a readable length when a line holds something huge.
std::string quote(std::string_view text);

// What a message says it found: 'text', or "end of line".
std::string describe(const Token& t);

}  // namespace ptc::script_detail
