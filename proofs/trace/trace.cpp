#include "proofs/trace/trace.h"

namespace ptc::proofs {

bool is_access(StepKind k) {
  return k == StepKind::kRead || k == StepKind::kWrite || k == StepKind::kCmpxchg || k == StepKind::kXchg ||
         k == StepKind::kFetchOr;
}

const Step* failed_without_effect(const Trace& t) {
  for (const Step& s : t.steps) {
    switch (s.kind) {
      case StepKind::kRead:
      case StepKind::kWrite:
      case StepKind::kCmpxchg:
      case StepKind::kXchg:
      case StepKind::kFetchOr:
        if (s.after != s.before) return nullptr;
        break;
      case StepKind::kInvRange:  // maintenance alone changes no translation
      case StepKind::kInvAll:
      case StepKind::kSync:
      case StepKind::kInjectDirty:  // the recorder's, not the target's
      case StepKind::kForeignInstall:
        break;
      case StepKind::kAlloc:
      case StepKind::kFree:
      case StepKind::kRecord:
      case StepKind::kReuse:
        return nullptr;
      case StepKind::kReturn:
        return s.ret < 0 ? &s : nullptr;
    }
  }
  return nullptr;
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
