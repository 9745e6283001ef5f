// The `.ops` script language (SPEC section 7): parser and printer.
//
// A script is one statement a line, `#` comments, numbers in decimal or 0x-hex with an optional
// binary K/M/G suffix. The parser accepts any bytes and reports the first error as FILE:LINE; the
// printer writes the canonical text, and parse(print(s)) gives back s for every s the parser made.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "core/ops.h"

namespace ptc {

struct ParseError {
  std::string file;
  int line = 0;  // 1-based
  std::string message;

  std::string str() const;  // "FILE:LINE: message"
};

// Parses a whole script. On error returns the first error (by line) and nothing else. Never
// crashes, hangs or overflows, whatever the input bytes.
std::variant<Script, ParseError> parse_script(std::string_view text, const std::string& file);

// The canonical text: a full config line (also when the script had none), then one statement a
// line, each injection on its own line as two spaces and `@N statement`. Deterministic.
std::string print_script(const Script& s);

// `config ias=48 oas=48 pgsizes=4K,2M,1G bbml=1 hw_dirty=on flush=strict`, no newline.
std::string print_config(const Config& c);

// One statement with its ` => RESULT` if any; no injections, no newline.
std::string print_statement(const Op& op);

// Just RESULT, as it follows `=> ` in a statement of op's kind.
std::string print_expect(const Op& op, const Expect& e);

// An address: lowercase hex, `0x40000000`.
std::string print_addr(uint64_t addr);

// A size: `4K`, `2M`, `1G`, `1536K` (largest unit that divides it), else hex (`0x800`, `0x0`).
std::string print_size(uint64_t size);

// The name of a statement as messages and scripts write it: `map`, `dev read`, `fail alloc`, ...
std::string statement_name(const Op& op);

// True when two scripts mean the same program: same config and same ops (Op::operator== ignores
// line numbers). has_config and file are metadata and not compared: print_script always writes a
// config line, so parse(print(s)) has has_config set even when s did not.
bool same_script(const Script& a, const Script& b);

}  // namespace ptc
