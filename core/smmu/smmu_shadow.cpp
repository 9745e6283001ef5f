// The shadow of every live table: what the accesses the harness saw (ptc_hw's read, write, cmpxchg,
// xchg, fetch_or) and the SMMU's own HTTU updates left in each descriptor. SPEC 6: a target reads and
// writes descriptors only through ptc_hw, or is built with ptcheck's access instrumentation, which turns
// its plain loads and stores into ptc_hw accesses. A descriptor whose memory differs from its shadow was
// changed by a store the harness was not told of — a plain `ptep[i] = pte` of a kernel file compiled
// without the instrumentation (gcc, a forgotten flag) — and every check after it would judge a table the
// harness does not know. That is a contract error, oracle unseen-write, never a silent pass.
//
// Where it is found: an access finds memory other than the shadow (the store came before it), or a scan
// of every live table finds it — when an operation returns, and before every device action (the device
// would walk what the harness never saw). The shadow is read and written under the same serialization
// as the accesses (LockedSmmu for real threads); memory is read with atomic loads, since a plain store
// of the target may race with the scan.
#include <cstring>

#include "core/fmt.h"
#include "core/sanitizers.h"
#include "core/smmu/smmu.h"

namespace ptc {

namespace {
using ull = unsigned long long;
using sanitizers::kThreadSanitizer;
}  // namespace

void Smmu::shadow_store(Table& t, uintptr_t base, const ptc_pte_t* p, ptc_pte_t v) {
  const size_t index = (uintptr_t(p) - base) / sizeof(ptc_pte_t);
  if (index < t.shadow.size()) t.shadow[index] = v;
}

void Smmu::raise_found_unseen(Table& t, uintptr_t base, size_t index, ptc_pte_t found, EventKind by) {
  raise_unseen(t, base, unsigned(index), found, fmt("found by the target's %s of it", event_kind_name(by)));
}

void Smmu::check_unseen_writes(const char* when) {
  for (auto& [base, t] : tables_) {
    const auto* mem = reinterpret_cast<const ptc_pte_t*>(base);
    // It runs after every op and before every device action, over every table: a whole-table compare
    // first, and the atomic loads only for a table that differs. (Under ThreadSanitizer, whose builds
    // run real threads beside the scan, only atomic loads: a plain store racing memcmp is a race report.)
    if (!kThreadSanitizer && std::memcmp(mem, t.shadow.data(), t.shadow.size() * sizeof(ptc_pte_t)) == 0) continue;
    for (size_t i = 0; i < t.shadow.size(); ++i) {
      const ptc_pte_t now = __atomic_load_n(&mem[i], __ATOMIC_RELAXED);
      if (now != t.shadow[i]) {
        raise_unseen(t, base, unsigned(i), now, when);
        return;
      }
    }
  }
}

void Smmu::raise_unseen(Table& t, uintptr_t base, unsigned index, ptc_pte_t found, const std::string& when) {
  const ptc_pte_t was = t.shadow[index];
  // Report it once: from now on the shadow holds what memory holds.
  t.shadow[index] = found;
  const std::string during = op_active_ ? "during `" + op_label_.str() + "`" : "between operations";
  raise(Oracle::UnseenWrite,
        fmt("descriptor %s changed from 0x%llx to 0x%llx %s without a ptc_hw access (%s, t%llu): a plain store "
            "the harness was not told of. SPEC 6: a target accesses descriptors through ptc_hw, or is built with "
            "ptcheck's access instrumentation (ptcheck_add_kernel_target, clang), which makes every plain load and "
            "store of a table a ptc_hw access; without it ptcheck cannot see, count or race this store",
            where(base, t, index).c_str(), ull(was), ull(found), during.c_str(), when.c_str(), ull(seq_)));
}

}  // namespace ptc
