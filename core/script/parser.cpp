// The `.ops` parser: lines are split and checked here, each line is tokenized (lexer.h) and read by
// recursive descent (LineParser). Grammar, one line:
//
//   line       := [ '@' NUMBER ] statement [ '=>' result ]
//   statement  := config KEY=VALUE... (ias oas pgsizes bbml hw_dirty flush contract) | map ADDR ADDR SIZE PROT | unmap ADDR SIZE | flush
//               | split ADDR SIZE | merge ADDR SIZE | phys ADDR
//               | dirty ADDR SIZE [noclear] [bitmap=SIZE] [misalign=N]
//               | unmap_dirty ADDR SIZE [bitmap=SIZE] [misalign=N]
//               | dev (read|write|fill|evict) ADDR | dev evict all | fail alloc N
//   result     := NUMBER | ['-'] ERRNO | fault | set | NUMBER set      (which ones: by the statement)
//   set        := '{' [ ADDR ['+' SIZE] { ',' ADDR ['+' SIZE] } ] '}'
#include <algorithm>
#include <climits>
#include <cstdio>
#include <limits>
#include <utility>

#include "core/ops/op_table.h"
#include "core/script/lexer.h"
#include "core/script/script.h"

namespace ptc {

using script_detail::describe;
using script_detail::Lexer;
using script_detail::NumStatus;
using script_detail::quote;
using script_detail::Token;
using script_detail::TokKind;

std::string ParseError::str() const { return file + ":" + std::to_string(line) + ": " + message; }

namespace {

// An error inside one line; parse_script adds the file and line. Exceptions keep the recursive
// descent free of error plumbing; none leaves parse_script.
struct LineError {
  std::string message;
};

[[noreturn]] void fail(std::string message) { throw LineError{std::move(message)}; }

// misalign=N is the caller's bitmap's distance from a page boundary: 0 <= N < 4096.
constexpr uint64_t kMisalignLimit = 4096;

constexpr uint64_t kMaxExpectValue = uint64_t(std::numeric_limits<int64_t>::max());

// Config numbers are stored as unsigned; anything this large is invalid for every key, so clamping
// to it lets validate_config give its usual message instead of a truncated value slipping through.
constexpr uint64_t kConfigClamp = 0xffff;

// Reads the statement of one line (the caller has cut the comment and checked the bytes).
class LineParser {
 public:
  explicit LineParser(std::string_view code) : lex_(code) {}

  bool at_punct(std::string_view p) const { return lex_.at_punct(p); }
  bool at_word(std::string_view w) const { return lex_.at_word(w); }
  Token next() { return lex_.next(); }

  uint64_t number() {
    const Token t = lex_.peek();
    if (t.kind != TokKind::Number)
      fail("expected a number after " + quote(lex_.prev().text) + ", got " + describe(t));
    lex_.next();
    uint64_t value = 0;
    switch (script_detail::parse_number(t.text, value)) {
      case NumStatus::Ok: return value;
      case NumStatus::Malformed: fail("bad number " + quote(t.text));
      case NumStatus::TooLarge: fail("number too large");
    }
    fail("bad number " + quote(t.text));
  }

  void expect_punct(std::string_view p) {
    if (!at_punct(p))
      fail("expected '" + std::string(p) + "' after " + quote(lex_.prev().text) + ", got " + describe(lex_.peek()));
    lex_.next();
  }

  void expect_end() {
    if (lex_.peek().kind != TokKind::End) fail("trailing text " + quote(lex_.rest()));
  }

  // A statement, at the start of a line or after `@N`; the top level reads config with config().
  Op statement(bool injected);
  // The KEY=VALUE list after the `config` word, validated.
  Config config(bool* contract_given = nullptr);

 private:
  unsigned prot();
  void device_action(Op& op);
  void options(Op& op);
  Expect result(const Op& op);
  Expect errno_result(const Token& first, const std::string& what, const char* expected);
  void bitmap_set(Expect& e);

  Lexer lex_;
};

Op LineParser::statement(bool injected) {
  const Token kw = lex_.next();
  if (kw.kind != TokKind::Word) {
    if (injected && kw.kind == TokKind::Punct && kw.text == "@") fail("'@' injection cannot hold another '@'");
    fail("expected a statement, got " + describe(kw));
  }
  const std::string_view k = kw.text;
  if (k == "config") fail(injected ? "'@' injection cannot hold config" : "config must be the first statement");
  const std::optional<OpKind> kind = kind_of_keyword(k.data(), k.size());
  if (!kind) fail("unknown statement " + quote(k));
  Op op;
  op.kind = *kind;
  // The arguments follow the op table's shape for the kind (core/ops/op_table.h).
  switch (traits(op.kind).shape) {
    case ArgShape::None: break;
    case ArgShape::Address: op.iova = number(); break;
    case ArgShape::Range:
      op.iova = number();
      op.size = number();
      break;
    case ArgShape::MapArgs:
      op.iova = number();
      op.paddr = number();
      op.size = number();
      op.prot = prot();
      break;
    case ArgShape::DirtyRange:
      op.iova = number();
      op.size = number();
      options(op);
      break;
    case ArgShape::DeviceAction: device_action(op); break;
    case ArgShape::AllocIndex:
      if (injected) fail("'@' injection cannot hold 'fail alloc'");
      if (!at_word("alloc")) fail("expected 'alloc' after 'fail', got " + describe(lex_.peek()));
      lex_.next();
      op.fail_index = number();
      if (op.fail_index == 0) fail("fail alloc N needs N >= 1");
      break;
  }

  if (at_punct("=>")) {
    lex_.next();
    op.expect = result(op);
  }
  expect_end();
  return op;
}

// `dev ACTION [ADDR]`.
void LineParser::device_action(Op& op) {
  const Token action = lex_.next();
  const std::string_view a = action.kind == TokKind::Word ? action.text : std::string_view();
  if (a == "read") op.dev = DevKind::Read;
  else if (a == "write") op.dev = DevKind::Write;
  else if (a == "fill") op.dev = DevKind::Fill;
  else if (a == "evict") op.dev = DevKind::Evict;
  else fail("unknown device action " + describe(action) + " (read, write, fill, evict)");
  if (op.dev == DevKind::Evict && at_word("all")) {
    lex_.next();
    op.dev = DevKind::EvictAll;
  } else if (op.dev == DevKind::Evict && lex_.peek().kind != TokKind::Number) {
    fail("expected an address or 'all' after 'evict', got " + describe(lex_.peek()));
  } else {
    op.iova = number();
  }
}

// PROT. `r` and `rw` are what mappings use; `w` and `none` exist so that a generated map with an
// invalid prot (SPEC: -EINVAL for prot without READ) still prints as a script that reads back.
unsigned LineParser::prot() {
  const Token t = lex_.next();
  if (t.kind == TokKind::Word) {
    if (t.text == "r") return PTC_PROT_READ;
    if (t.text == "rw") return PTC_PROT_READ | PTC_PROT_WRITE;
    if (t.text == "w") return PTC_PROT_WRITE;
    if (t.text == "none") return 0;
  }
  fail("prot must be r or rw, got " + describe(t));
}

// The options of dirty and unmap_dirty, in any order, each at most once.
void LineParser::options(Op& op) {
  bool seen_noclear = false, seen_bitmap = false, seen_misalign = false;
  while (lex_.peek().kind == TokKind::Word) {
    const Token name = lex_.next();
    auto once = [&](bool& seen) {
      if (seen) fail("duplicate option " + quote(name.text));
      seen = true;
    };
    if (name.text == "noclear" && op.kind == OpKind::Dirty) {
      once(seen_noclear);
      op.noclear = true;
    } else if (name.text == "bitmap") {
      once(seen_bitmap);
      expect_punct("=");
      const uint64_t v = number();
      if (v < kSize4K || (v & (v - 1)) != 0) fail("bitmap= must be a power of two >= 4K");
      op.bitmap_pgsize = v;
    } else if (name.text == "misalign") {
      once(seen_misalign);
      expect_punct("=");
      const uint64_t v = number();
      // Bytes past a page boundary (SPEC 7): the runner places the caller's bitmap that far into a page.
      if (v >= kMisalignLimit) fail("misalign must be 0..4095");
      op.misalign = unsigned(v);
    } else {
      fail("unknown option " + quote(name.text) + " for " + op_name(op.kind));
    }
  }
}

// `=> RESULT`; the kinds a statement may expect follow what its operation returns (SPEC 3).
Expect LineParser::result(const Op& op) {
  const std::string what = statement_name(op);
  const Token t = lex_.peek();
  Expect e;

  // A plain number result; Expect::value is signed, so only values up to INT64_MAX (far beyond
  // any byte count or 48-bit address) are accepted.
  auto plain_number = [&] {
    const uint64_t v = number();
    if (v > kMaxExpectValue) fail("number too large");
    e.kind = Expect::Kind::Number;
    e.value = int64_t(v);
  };

  switch (op.kind) {
    case OpKind::Map:
    case OpKind::Unmap:
    case OpKind::Flush:
    case OpKind::Split:
    case OpKind::Merge:
      if (t.kind == TokKind::Number) plain_number();
      else e = errno_result(t, what, "a number or an errno name");
      return e;

    case OpKind::Phys:
      if (t.kind != TokKind::Number) fail(what + " expects an address, got " + describe(t));
      plain_number();
      return e;

    case OpKind::Dev:
      if (op.dev == DevKind::Evict || op.dev == DevKind::EvictAll) fail(what + " takes no '=> RESULT'");
      if (t.kind == TokKind::Number) {
        plain_number();
      } else if (t.kind == TokKind::Word && t.text == "fault") {
        lex_.next();
        e.kind = Expect::Kind::Fault;
      } else {
        fail(what + " expects an address or 'fault', got " + describe(t));
      }
      return e;

    case OpKind::Dirty:
      if (t.kind == TokKind::Punct && t.text == "{") {
        e.kind = Expect::Kind::Bitmap;
        bitmap_set(e);
      } else {
        e = errno_result(t, what, "a bitmap set or an errno name");
      }
      return e;

    case OpKind::UnmapDirty:
      if (t.kind == TokKind::Number) {
        plain_number();
        if (at_punct("{")) {
          e.has_bitmap = true;
          bitmap_set(e);
        }
      } else {
        e = errno_result(t, what, "a number, a number and a bitmap set, or an errno name");
      }
      return e;

    case OpKind::FailAlloc:
      fail(what + " takes no '=> RESULT'");
  }
  fail(what + " takes no '=> RESULT'");
}

// An errno name where one is allowed, as `EINVAL` or as SPEC 3 writes the return value, `-EINVAL`;
// `expected` says what else the statement would take.
Expect LineParser::errno_result(const Token& first, const std::string& what, const char* expected) {
  const bool negative = first.kind == TokKind::Other && first.text == "-";
  if (negative) lex_.next();
  const Token t = lex_.peek();
  if (t.kind == TokKind::Word) {
    if (auto v = errno_value(std::string(t.text))) {
      lex_.next();
      Expect e;
      e.kind = Expect::Kind::Errno;
      e.value = *v;
      return e;
    }
    // Looks like an errno (E followed by capitals) but is not one ptc knows.
    bool errno_like = t.text.size() >= 2 && t.text[0] == 'E';
    for (char c : t.text) errno_like = errno_like && ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
    if (errno_like) fail("unknown errno name " + quote(t.text));
  }
  if (negative) fail("expected an errno name after '-', got " + describe(t));
  fail(what + " expects " + expected + ", got " + describe(t));
}

// `{}` or `{ADDR, ADDR+SIZE, ...}`, appended to e.bitmap in the order written.
void LineParser::bitmap_set(Expect& e) {
  expect_punct("{");
  if (at_punct("}")) {
    lex_.next();
    return;
  }
  for (;;) {
    BitRun run;
    run.addr = number();
    if (at_punct("+")) {
      lex_.next();
      run.size = number();
      // Size 0 is how a lone ADDR is stored, so `ADDR+0` would read back as `ADDR`.
      if (run.size == 0) fail("a bitmap run needs a size > 0");
      if (run.size - 1 > std::numeric_limits<uint64_t>::max() - run.addr) fail("bitmap run passes 2^64");
    }
    e.bitmap.push_back(run);
    if (at_punct(",")) {
      lex_.next();
      continue;
    }
    if (at_punct("}")) {
      lex_.next();
      return;
    }
    fail("expected ',' or '}' in a bitmap set, got " + describe(lex_.peek()));
  }
}

// `config KEY=VALUE ...` after the `config` word; *contract_given tells whether it named the contract.
Config LineParser::config(bool* contract_given) {
  enum Key : unsigned { kIas = 1, kOas = 2, kPgsizes = 4, kBbml = 8, kHwDirty = 16, kFlush = 32, kContract = 64 };
  Config c;
  unsigned seen = 0;
  while (lex_.peek().kind != TokKind::End) {
    const Token key = lex_.next();
    if (key.kind == TokKind::Punct && key.text == "=>") fail("config takes no '=> RESULT'");
    if (key.kind != TokKind::Word) fail("expected KEY=VALUE in config, got " + describe(key));
    Key k;
    if (key.text == "ias") k = kIas;
    else if (key.text == "oas") k = kOas;
    else if (key.text == "pgsizes") k = kPgsizes;
    else if (key.text == "bbml") k = kBbml;
    else if (key.text == "hw_dirty") k = kHwDirty;
    else if (key.text == "flush") k = kFlush;
    else if (key.text == "contract") k = kContract;
    else fail("unknown config key " + quote(key.text));
    if (seen & k) fail("duplicate config key " + quote(key.text));
    seen |= k;
    expect_punct("=");

    switch (k) {
      case kIas: c.ias = unsigned(std::min(number(), kConfigClamp)); break;
      case kOas: c.oas = unsigned(std::min(number(), kConfigClamp)); break;
      case kBbml: c.bbml = unsigned(std::min(number(), kConfigClamp)); break;
      case kPgsizes:
        c.pgsizes = 0;
        for (;;) {
          const uint64_t size = number();
          if (size != kSize4K && size != kSize2M && size != kSize1G) fail("pgsizes may hold only 4K, 2M and 1G");
          if (c.pgsizes & size) fail("pgsizes lists " + print_size(size) + " twice");
          c.pgsizes |= size;
          if (!at_punct(",")) break;
          lex_.next();
        }
        break;
      case kHwDirty: {
        const Token v = lex_.next();
        if (v.kind == TokKind::Word && (v.text == "on" || v.text == "off")) c.hw_dirty = v.text == "on";
        else fail("hw_dirty must be on or off, got " + describe(v));
        break;
      }
      case kFlush: {
        const Token v = lex_.next();
        if (v.kind == TokKind::Word && (v.text == "strict" || v.text == "lazy")) c.lazy = v.text == "lazy";
        else fail("flush must be strict or lazy, got " + describe(v));
        break;
      }
      case kContract: {
        const Token v = lex_.next();
        if (v.kind == TokKind::Word && (v.text == "spec" || v.text == "linux"))
          c.contract = v.text == "linux" ? Contract::Linux : Contract::Spec;
        else fail("contract must be spec or linux, got " + describe(v));
        if (contract_given) *contract_given = true;
        break;
      }
    }
  }
  const std::string problem = validate_config(c);
  if (!problem.empty()) fail(problem);
  return c;
}

// The code part of a line: up to the comment. Bytes >= 0x80 (UTF-8) are allowed only in comments,
// and control characters other than whitespace nowhere, so messages quote only printable text.
std::string_view code_of(std::string_view line) {
  const size_t hash = line.find('#');
  std::string_view code = line.substr(0, hash == std::string_view::npos ? line.size() : hash);
  for (char ch : code) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80 || ((c < 0x20 || c == 0x7f) && !script_detail::is_space(c))) {
      char msg[64];
      std::snprintf(msg, sizeof msg, c >= 0x80 ? "non-ASCII byte 0x%02x outside a comment" : "control character 0x%02x outside a comment",
                    unsigned(c));
      fail(msg);
    }
  }
  return code;
}

bool blank(std::string_view code) {
  for (char c : code)
    if (!script_detail::is_space(static_cast<unsigned char>(c))) return false;
  return true;
}

}  // namespace

std::variant<Script, ParseError> parse_script(std::string_view text, const std::string& file) {
  Script script;
  script.file = file;
  // At most a statement a line: one allocation, not one per doubling (fuzz_ops parses every input); capped,
  // as a page of blank lines is no program.
  script.ops.reserve(std::min<size_t>(size_t(std::count(text.begin(), text.end(), '\n')) + 1, 256));
  // Editors on some systems start UTF-8 files with a byte order mark; it is not part of line 1.
  if (text.substr(0, 3) == "\xef\xbb\xbf") text.remove_prefix(3);
  bool seen_statement = false;
  int line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    const std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    if (line_no < INT_MAX) ++line_no;  // saturates rather than overflow on absurd inputs

    try {
      const std::string_view code = code_of(line);
      if (blank(code)) continue;
      LineParser p(code);
      const bool first = !seen_statement;
      seen_statement = true;

      if (p.at_punct("@")) {
        p.next();
        // Checked before the rest so that the message names the real problem.
        if (script.ops.empty() || !is_target_op(script.ops.back().kind))
          fail("'@' injection must follow a target operation");
        Injection inj;
        inj.after_access = p.number();
        inj.op = p.statement(/*injected=*/true);
        inj.op.line = line_no;
        script.ops.back().inject.push_back(std::move(inj));
      } else if (p.at_word("config")) {
        p.next();
        if (script.has_config) fail("duplicate config line");
        if (!first) fail("config must be the first statement");
        script.config = p.config(&script.has_contract);
        script.has_config = true;
      } else {
        Op op = p.statement(/*injected=*/false);
        op.line = line_no;
        script.ops.push_back(std::move(op));
      }
    } catch (LineError& e) {
      return ParseError{file, line_no, std::move(e.message)};
    }
  }
  return script;
}

bool same_script(const Script& a, const Script& b) { return a.config == b.config && a.ops == b.ops; }

}  // namespace ptc
