// The op vocabulary: one set of names for scripts (.ops), the fuzzer encoding and RapidCheck
// commands. Every op kind has a stable numeric id that never changes once released, so committed
// fuzzer corpora stay valid when ops are added (new kinds get new ids; ids are never reused).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ptcheck/target.h"

namespace ptc {

inline constexpr uint64_t kSize4K = 1ull << 12;
inline constexpr uint64_t kSize2M = 1ull << 21;
inline constexpr uint64_t kSize1G = 1ull << 30;

// SPEC section 9: what the caller guarantees and which results are accepted. Spec: the meaning of
// sections 3-5 (the strictest). Linux: what Linux's callers of io-pgtable guarantee and accept; the
// reference model states both (core/reference/contract.cpp).
enum class Contract : uint8_t { Spec, Linux };
const char* contract_name(Contract c);  // "spec", "linux"

// SPEC section 1. Defaults are the `config` line's defaults.
struct Config {
  unsigned ias = 48;
  unsigned oas = 48;
  uint64_t pgsizes = kSize4K | kSize2M | kSize1G;
  unsigned bbml = 1;
  bool hw_dirty = true;
  bool lazy = false;  // flush=lazy
  Contract contract = Contract::Spec;  // contract=spec|linux (SPEC 9); not part of the target's ptc_cfg

  ptc_cfg to_abi() const {
    return ptc_cfg{ias, oas, pgsizes, bbml, (hw_dirty ? unsigned(PTC_CFG_HW_DIRTY) : 0u) | (lazy ? unsigned(PTC_CFG_LAZY) : 0u)};
  }
  bool operator==(const Config&) const = default;
};

// Empty string when valid, else what is wrong (for FILE:LINE messages).
std::string validate_config(const Config& c);

// Stable ids (fuzzer encoding). Never renumber.
enum class OpKind : uint8_t {
  Map = 1,
  Unmap = 2,
  Flush = 3,
  Split = 4,
  Merge = 5,
  Dirty = 6,       // read_and_clear_dirty
  UnmapDirty = 7,  // unmap_read_dirty
  Phys = 8,        // iova_to_phys
  Dev = 9,         // a device action
  FailAlloc = 10,  // `fail alloc N`: the Nth table allocation of the next operation fails
};

enum class DevKind : uint8_t {
  Read = 1,
  Write = 2,
  Fill = 3,      // walk and cache
  Evict = 4,     // evict the entries for one IOVA
  EvictAll = 5,  // evict every IOTLB and walk-cache entry
};

// One bitmap page run of an expected bitmap: [addr, addr+size).
struct BitRun {
  uint64_t addr = 0;
  uint64_t size = 0;  // 0 in a parsed `ADDR` means one bitmap page; normalized by the runner
  bool operator==(const BitRun&) const = default;
};

// `=> RESULT`.
struct Expect {
  enum class Kind : uint8_t { Number, Errno, Fault, Bitmap } kind = Kind::Number;
  int64_t value = 0;            // Number: the value (also addresses); Errno: the negative errno
  std::vector<BitRun> bitmap;   // Bitmap, and the set after the count of unmap_dirty
  bool has_bitmap = false;      // unmap_dirty: "=> 4096 {}" has both a number and a set
  bool operator==(const Expect&) const = default;
};

struct Injection;

struct Op {
  OpKind kind = OpKind::Map;
  uint64_t iova = 0;
  uint64_t paddr = 0;
  uint64_t size = 0;
  unsigned prot = PTC_PROT_READ;  // map: PTC_PROT_READ [| PTC_PROT_WRITE]
  // dirty options
  bool noclear = false;
  uint64_t bitmap_pgsize = kSize4K;  // bitmap=SIZE
  unsigned misalign = 0;             // misalign=N
  // dev
  DevKind dev = DevKind::Read;
  // fail alloc
  uint64_t fail_index = 0;
  std::optional<Expect> expect;
  std::vector<Injection> inject;  // `@N` lines that follow this op
  int line = 0;                   // source line, 0 when generated

  bool operator==(const Op& o) const;
};

// `@N ACTION`: after the Nth descriptor access of the enclosing op (0: before the first), run a
// device action or another op (on a disjoint range) to completion.
struct Injection {
  uint64_t after_access = 0;
  Op op;
  bool operator==(const Injection&) const = default;
};

struct Script {
  Config config;
  bool has_config = false;
  bool has_contract = false;  // the config line names the contract (else a command's --contract applies)
  std::vector<Op> ops;
  std::string file;  // for messages
};

const char* op_name(OpKind k);      // the script keyword (op_table.h): map, unmap, flush, split, merge, dirty, ...
const char* dev_name(DevKind k);    // read, write, fill, evict, evict all
const char* errno_name(int64_t negative_errno);  // "EINVAL" ...; nullptr when unknown
std::optional<int64_t> errno_value(const std::string& name);  // "EINVAL" -> -EINVAL

// SPEC section 6: the caller never runs two operations on overlapping ranges at once. True when
// `inner`, injected into `outer` (`@N op`), would: both are target operations other than flush (which
// may run beside anything), and their spans (core/ops/op_table.h op_span) overlap. Device actions
// never do.
bool injection_breaks_contract(const Op& outer, const Op& inner);

}  // namespace ptc
