#include "proofs/trace/trace.h"

namespace ptc::proofs {

bool is_access(StepKind k) {
  return k == StepKind::kRead || k == StepKind::kWrite || k == StepKind::kCmpxchg || k == StepKind::kXchg ||
         k == StepKind::kFetchOr;
}

const char* step_kind_name(StepKind k) {
  switch (k) {
    case StepKind::kRead: return "read";
    case StepKind::kWrite: return "write";
    case StepKind::kCmpxchg: return "cmpxchg";
    case StepKind::kXchg: return "xchg";
    case StepKind::kFetchOr: return "fetch_or";
    case StepKind::kInvRange: return "tlb_inv_range";
    case StepKind::kInvAll: return "tlb_inv_all";
    case StepKind::kSync: return "tlb_sync";
    case StepKind::kAlloc: return "alloc_table";
    case StepKind::kFree: return "free_table";
    case StepKind::kRecord: return "record";
    case StepKind::kReturn: return "return";
    case StepKind::kReuse: return "caller frees iova+memory";
    case StepKind::kInjectDirty: return "(device dirties)";
    case StepKind::kForeignInstall: return "(another CPU installs its table)";
  }
  return "?";
}

}  // namespace ptc::proofs
