#include "core/ops/target_call.h"

namespace ptc {

int64_t call_target_op(const ptc_target_ops* ops, struct ptc_target* t, const Op& op, const ptc_dirty* dirty) {
  switch (op.kind) {
    case OpKind::Map: return ops->map(t, op.iova, op.paddr, op.size, op.prot);
    case OpKind::Unmap: return ops->unmap(t, op.iova, op.size);
    case OpKind::Flush: return ops->flush(t);
    case OpKind::Split: return ops->split(t, op.iova, op.size);
    case OpKind::Merge: return ops->merge(t, op.iova, op.size);
    case OpKind::Dirty:
      return ops->read_and_clear_dirty(t, op.iova, op.size, op.noclear ? PTC_DIRTY_NO_CLEAR : 0, dirty);
    case OpKind::UnmapDirty: return ops->unmap_read_dirty(t, op.iova, op.size, dirty);
    case OpKind::Phys: return int64_t(ops->iova_to_phys(t, op.iova));
    case OpKind::Dev:
    case OpKind::FailAlloc: return 0;
  }
  return 0;
}

}  // namespace ptc
