#include "ops.h"

#include "core/ops/op_table.h"

#include <cerrno>
#include <cstring>

namespace ptc {

std::string validate_config(const Config& c) {
  if (c.ias != 32 && c.ias != 36 && c.ias != 39 && c.ias != 42 && c.ias != 48)
    return "ias must be 32, 36, 39, 42 or 48";
  if (c.oas < 32 || c.oas > 48) return "oas must be 32..48";
  if (!(c.pgsizes & kSize4K)) return "pgsizes must include 4K";
  if (c.pgsizes & ~(kSize4K | kSize2M | kSize1G)) return "pgsizes may hold only 4K, 2M and 1G";
  if (c.bbml > 2) return "bbml must be 0, 1 or 2";
  return "";
}

bool Op::operator==(const Op& o) const {
  return kind == o.kind && iova == o.iova && paddr == o.paddr && size == o.size && prot == o.prot &&
         noclear == o.noclear && bitmap_pgsize == o.bitmap_pgsize && misalign == o.misalign && dev == o.dev &&
         fail_index == o.fail_index && expect == o.expect && inject == o.inject;
}

const char* op_name(OpKind k) { return traits(k).keyword; }

const char* contract_name(Contract c) {
  switch (c) {
    case Contract::Spec: return "spec";
    case Contract::Linux: return "linux";
  }
  return "?";
}

const char* dev_name(DevKind k) {
  switch (k) {
    case DevKind::Read: return "read";
    case DevKind::Write: return "write";
    case DevKind::Fill: return "fill";
    case DevKind::Evict: return "evict";
    case DevKind::EvictAll: return "evict all";
  }
  return "?";
}

namespace {
struct ErrnoName {
  const char* name;
  int value;
};
constexpr ErrnoName kErrnos[] = {
    {"EINVAL", EINVAL}, {"EEXIST", EEXIST}, {"ENOMEM", ENOMEM}, {"EOPNOTSUPP", EOPNOTSUPP},
    {"ENOENT", ENOENT}, {"EBUSY", EBUSY},   {"EFAULT", EFAULT}, {"ERANGE", ERANGE},
};
}  // namespace

const char* errno_name(int64_t negative_errno) {
  for (const auto& e : kErrnos)
    if (-int64_t(e.value) == negative_errno) return e.name;
  return nullptr;
}

std::optional<int64_t> errno_value(const std::string& name) {
  for (const auto& e : kErrnos)
    if (name == e.name) return -int64_t(e.value);
  return std::nullopt;
}

bool injection_breaks_contract(const Op& outer, const Op& inner) {
  auto ranged = [](const Op& o) { return is_target_op(o.kind) && traits(o.kind).footprint != Footprint::Global; };
  if (!ranged(outer) || !ranged(inner)) return false;
  return op_span(outer).overlaps(op_span(inner));
}

}  // namespace ptc
