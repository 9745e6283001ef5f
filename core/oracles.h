// The oracles of SPEC.md section 5: what counts as a bug, and how a violation is reported.
#pragma once
#include <string>
#include <vector>

namespace ptc {

enum class Oracle : uint8_t {
  Divergence = 1,        // 5.1 a result, translation, leaf size, dirty state or bitmap differs
  DeviceOutcome = 2,     // 5.2 a device access gives another result than the reference
  LostDirty = 3,         // 5.3 a completed device write is covered by no record
  PhantomDirty = 4,      // 5.3 a page recorded though no write reached it since it was cleared
  StaleTranslation = 5,  // 5.4 a removed translation still usable after unmap (strict) / flush (lazy)
  TableUseAfterFree = 6, // 5.5 a table freed while walkable, an access outside live tables, a double free
  TlbConflict = 7,       // 5.6 two IOTLB entries of different size or output for one address (bbml 0/1)
  FaultDuringSplit = 8,  // 5.7 a mapped address faults while split or merge runs (bbml 1/2)
  Leak = 9,              // 5.8 tables left after destroy; a failed -ENOMEM op changed the state
  // SPEC 5.9 and 8: the target ran in a child process (core/isolation) that did not come back.
  MemoryError = 10,      // 5.9 a sanitizer's report (AddressSanitizer, UndefinedBehaviorSanitizer, ...)
  Crash = 11,            // a signal, abort() or exit() with no sanitizer report
  Hang = 12,             // an operation that did not return within the op timeout
  Warning = 13,          // a kernel WARNING printed during an op Linux's callers issue (docs/HARNESS.md)
  UnseenWrite = 14,      // SPEC 6: a descriptor changed in table memory with no ptc_hw access (a plain
                         // store of a target built without ptcheck's access instrumentation)
};
inline constexpr int kOracleCount = 14;

// Short stable name used in signatures ("lost-dirty") and in corpora expectations.
inline const char* oracle_name(Oracle o) {
  switch (o) {
    case Oracle::Divergence: return "divergence";
    case Oracle::DeviceOutcome: return "device-outcome";
    case Oracle::LostDirty: return "lost-dirty";
    case Oracle::PhantomDirty: return "phantom-dirty";
    case Oracle::StaleTranslation: return "stale-translation";
    case Oracle::TableUseAfterFree: return "table-use-after-free";
    case Oracle::TlbConflict: return "tlb-conflict";
    case Oracle::FaultDuringSplit: return "fault-during-split-merge";
    case Oracle::Leak: return "leak";
    case Oracle::MemoryError: return "memory-error";
    case Oracle::Crash: return "crash";
    case Oracle::Hang: return "hang";
    case Oracle::Warning: return "warning";
    case Oracle::UnseenWrite: return "unseen-write";
  }
  return "?";
}

struct Violation {
  Oracle oracle = Oracle::Divergence;
  std::string message;  // names the address, the entries and the step
};

}  // namespace ptc
