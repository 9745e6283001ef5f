// libFuzzer target: the `.ops` parser and printer (core/script/script.h).
//
// For any input bytes:
//   - parse_script(text, "fuzz.ops") returns (no crash, hang, overflow or leak; ASan+UBSan watch);
//   - an error is one line `fuzz.ops:LINE: message`, LINE a line of the input;
//   - a script that parses prints to s1 = print_script(script), and s1 parses back to the same script
//     (same_script) and prints to exactly s1 again: print(parse(x)) is a fixed point.
// A violation prints a one-line reason, then the input and the printed texts, and aborts.
#include <cinttypes>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "core/script/script.h"

namespace {

const std::string kFile = "fuzz.ops";

// Text as a reader can see it: printable ASCII and newlines as is, anything else as \xNN.
std::string visible(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\n' || (c >= 0x20 && c < 0x7f && c != '\\')) {
      out += ch;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

[[noreturn]] void violation(const std::string& reason, std::string_view input, const std::string& printed,
                            const std::string& reprinted = "") {
  std::fprintf(stderr, "fuzz_script: %s\n", reason.c_str());
  std::fprintf(stderr, "--- input (%zu bytes) ---\n%s\n", input.size(), visible(input).c_str());
  std::fprintf(stderr, "--- print(parse(input)) ---\n%s", visible(printed).c_str());
  if (!reprinted.empty()) std::fprintf(stderr, "--- print(parse(print(parse(input)))) ---\n%s", visible(reprinted).c_str());
  std::fprintf(stderr, "---\n");
  std::abort();
}

// The number of lines a parse error may name: one more than the newlines (the last line may lack one).
size_t line_count(std::string_view text) {
  size_t n = 1;
  for (char c : text) n += c == '\n';
  return n;
}

// An op's fields as stored, not through the printer under test (which may be what is wrong).
std::string fields(const ptc::Op& op) {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "{kind %u iova 0x%" PRIx64 " paddr 0x%" PRIx64 " size 0x%" PRIx64
                " prot %u noclear %d bitmap 0x%" PRIx64 " misalign %u dev %u fail %" PRIu64 "",
                unsigned(op.kind), op.iova, op.paddr, op.size, op.prot, int(op.noclear), op.bitmap_pgsize, op.misalign,
                unsigned(op.dev), op.fail_index);
  std::string out = buf;
  if (op.expect) {
    const ptc::Expect& e = *op.expect;
    std::snprintf(buf, sizeof buf, " expect{kind %u value %" PRId64 " has_bitmap %d runs", unsigned(e.kind), e.value,
                  int(e.has_bitmap));
    out += buf;
    for (const ptc::BitRun& r : e.bitmap) {
      std::snprintf(buf, sizeof buf, " 0x%" PRIx64 "+0x%" PRIx64, r.addr, r.size);
      out += buf;
    }
    out += "}";
  }
  return out + " " + std::to_string(op.inject.size()) + " injections}";
}

// Where two scripts that are not the same_script first differ, for the message.
std::string first_difference(const ptc::Script& a, const ptc::Script& b) {
  if (!(a.config == b.config)) {
    auto cfg = [](const ptc::Config& c) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "{ias %u oas %u pgsizes 0x%" PRIx64 " bbml %u hw_dirty %d lazy %d}", c.ias, c.oas,
                    c.pgsizes, c.bbml, int(c.hw_dirty), int(c.lazy));
      return std::string(buf);
    };
    return "config " + cfg(a.config) + " reads back as " + cfg(b.config);
  }
  if (a.ops.size() != b.ops.size())
    return std::to_string(a.ops.size()) + " vs " + std::to_string(b.ops.size()) + " statements";
  for (size_t i = 0; i < a.ops.size(); ++i) {
    const ptc::Op &x = a.ops[i], &y = b.ops[i];
    if (x == y) continue;
    if (x.inject.size() == y.inject.size()) {
      for (size_t j = 0; j < x.inject.size(); ++j)
        if (!(x.inject[j] == y.inject[j]))
          return "injection of input line " + std::to_string(x.inject[j].op.line) + ": @" +
                 std::to_string(x.inject[j].after_access) + " " + fields(x.inject[j].op) + " reads back as @" +
                 std::to_string(y.inject[j].after_access) + " " + fields(y.inject[j].op);
    }
    return "statement of input line " + std::to_string(x.line) + ": " + fields(x) + " reads back as " + fields(y);
  }
  return "no difference found";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  auto parsed = ptc::parse_script(input, kFile);
  if (const auto* err = std::get_if<ptc::ParseError>(&parsed)) {
    const std::string line = err->str();
    // (A '\r', tab, '\v' or '\f' of the input may appear in a quoted token: whitespace inside a line.)
    const bool one_line = line.find('\n') == std::string::npos;
    if (err->file != kFile || err->line < 1 || size_t(err->line) > line_count(input) || err->message.empty() ||
        !one_line)
      violation("bad parse error: " + visible(line), input, "");
    return 0;
  }
  const ptc::Script& script = std::get<ptc::Script>(parsed);

  const std::string s1 = ptc::print_script(script);
  auto reparsed = ptc::parse_script(s1, kFile);
  if (const auto* err = std::get_if<ptc::ParseError>(&reparsed))
    violation("the printed script does not parse: " + visible(err->str()), input, s1);
  const ptc::Script& script2 = std::get<ptc::Script>(reparsed);

  const std::string s2 = ptc::print_script(script2);
  if (s2 != s1) violation("print(parse(print(x))) != print(x): the printer's text is not a fixed point", input, s1, s2);
  if (!script2.has_config) violation("the printed script has no config line", input, s1);
  if (!ptc::same_script(script2, script))
    violation("parse(print(x)) is not the same script as parse(x): " + visible(first_difference(script, script2)), input,
              s1, s2);
  return 0;
}
