// The `.ops` printer: the canonical text of a script. Everything the parser stores is printed, in a
// form the parser reads back to the same value, so print(parse(x)) is a fixed point.
#include <cinttypes>
#include <cstdio>

#include "core/ops/op_table.h"
#include "core/script/script.h"

namespace ptc {

namespace {

// PROT as the parser reads it; `w` and `none` only appear for generated invalid maps.
const char* prot_name(unsigned prot) {
  switch (prot & (PTC_PROT_READ | PTC_PROT_WRITE)) {
    case PTC_PROT_READ: return "r";
    case PTC_PROT_READ | PTC_PROT_WRITE: return "rw";
    case PTC_PROT_WRITE: return "w";
    default: return "none";
  }
}

std::string print_set(const std::vector<BitRun>& runs) {
  std::string s = "{";
  for (size_t i = 0; i < runs.size(); ++i) {
    if (i) s += ", ";
    s += print_addr(runs[i].addr);
    if (runs[i].size != 0) s += "+" + print_size(runs[i].size);
  }
  return s + "}";
}

// Results that are addresses print in hex, counts in decimal.
bool result_is_address(const Op& op) { return op.kind == OpKind::Phys || op.kind == OpKind::Dev; }

}  // namespace

std::string print_addr(uint64_t addr) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%" PRIx64, addr);
  return buf;
}

std::string print_size(uint64_t size) {
  if (size != 0) {
    constexpr uint64_t kK = uint64_t{1} << 10, kM = uint64_t{1} << 20, kG = uint64_t{1} << 30;
    if (size % kG == 0) return std::to_string(size / kG) + "G";
    if (size % kM == 0) return std::to_string(size / kM) + "M";
    if (size % kK == 0) return std::to_string(size / kK) + "K";
  }
  return print_addr(size);
}

std::string print_config(const Config& c) {
  std::string pgsizes;
  // Every set bit, ascending; a valid config holds only 4K, 2M and 1G.
  for (unsigned bit = 0; bit < 64; ++bit) {
    if (!(c.pgsizes >> bit & 1)) continue;
    if (!pgsizes.empty()) pgsizes += ",";
    pgsizes += print_size(uint64_t{1} << bit);
  }
  return "config ias=" + std::to_string(c.ias) + " oas=" + std::to_string(c.oas) + " pgsizes=" + pgsizes +
         " bbml=" + std::to_string(c.bbml) + " hw_dirty=" + (c.hw_dirty ? "on" : "off") +
         " flush=" + (c.lazy ? "lazy" : "strict") +
         // The default profile is left out, so scripts of the spec profile print as they always did.
         (c.contract == Contract::Spec ? "" : std::string(" contract=") + contract_name(c.contract));
}

std::string statement_name(const Op& op) {
  switch (traits(op.kind).shape) {
    case ArgShape::DeviceAction: return std::string(op_name(op.kind)) + " " + dev_name(op.dev);
    case ArgShape::AllocIndex: return std::string(op_name(op.kind)) + " alloc";
    case ArgShape::None:
    case ArgShape::Address:
    case ArgShape::Range:
    case ArgShape::MapArgs:
    case ArgShape::DirtyRange: return op_name(op.kind);
  }
  return op_name(op.kind);
}

std::string print_expect(const Op& op, const Expect& e) {
  switch (e.kind) {
    case Expect::Kind::Errno: {
      const char* name = errno_name(e.value);
      // An errno ptc has no name for cannot come from the parser; print the value for a reader.
      return name ? name : std::to_string(e.value);
    }
    case Expect::Kind::Fault: return "fault";
    case Expect::Kind::Bitmap: return print_set(e.bitmap);
    case Expect::Kind::Number: break;
  }
  std::string s = result_is_address(op) ? print_addr(uint64_t(e.value)) : std::to_string(e.value);
  if (e.has_bitmap) s += " " + print_set(e.bitmap);
  return s;
}

std::string print_statement(const Op& op) {
  std::string s = statement_name(op);
  switch (traits(op.kind).shape) {
    case ArgShape::MapArgs:
      s += " " + print_addr(op.iova) + " " + print_addr(op.paddr) + " " + print_size(op.size) + " " + prot_name(op.prot);
      break;
    case ArgShape::Range: s += " " + print_addr(op.iova) + " " + print_size(op.size); break;
    case ArgShape::None: break;
    case ArgShape::Address: s += " " + print_addr(op.iova); break;
    case ArgShape::DirtyRange:
      s += " " + print_addr(op.iova) + " " + print_size(op.size);
      // Fixed order; defaults are left out.
      if (op.noclear && op.kind == OpKind::Dirty) s += " noclear";
      if (op.bitmap_pgsize != kSize4K) s += " bitmap=" + print_size(op.bitmap_pgsize);
      if (op.misalign != 0) s += " misalign=" + std::to_string(op.misalign);
      break;
    case ArgShape::DeviceAction:
      if (op.dev != DevKind::EvictAll) s += " " + print_addr(op.iova);
      break;
    case ArgShape::AllocIndex: s += " " + std::to_string(op.fail_index); break;
  }
  if (op.expect) s += " => " + print_expect(op, *op.expect);
  return s;
}

std::string print_script(const Script& script) {
  std::string out = print_config(script.config) + "\n";
  for (const Op& op : script.ops) {
    out += print_statement(op) + "\n";
    for (const Injection& inj : op.inject)
      out += "  @" + std::to_string(inj.after_access) + " " + print_statement(inj.op) + "\n";
  }
  return out;
}

}  // namespace ptc
