#include "core/runner/table_alone.h"

#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

#include "core/ops/target_call.h"
#include "core/smmu/table_pages.h"

namespace ptc {
namespace {

// Tables come from the memory the simulated SMMU gives a target (table_pages.h), so that the baseline pays
// for its tables what the harness pays. free_table names no size: the live blocks are listed.
using LiveBlocks = std::vector<std::pair<void*, size_t>>;
void* plain_alloc(void* ctx, size_t bytes) {
  void* p = table_pages::take(bytes);
  if (p) static_cast<LiveBlocks*>(ctx)->emplace_back(p, bytes);
  return p;
}
void plain_free(void* ctx, void* table) {
  auto& live = *static_cast<LiveBlocks*>(ctx);
  for (auto it = live.begin(); it != live.end(); ++it)
    if (it->first == table) {
      table_pages::give(table, it->second);
      live.erase(it);
      return;
    }
  std::free(table);  // not one of ours: the allocator's (and its report, under ASan)
}
ptc_pte_t plain_read(void*, ptc_pte_t* p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
void plain_write(void*, ptc_pte_t* p, ptc_pte_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
ptc_pte_t plain_cmpxchg(void*, ptc_pte_t* p, ptc_pte_t old, ptc_pte_t v) {
  __atomic_compare_exchange_n(p, &old, v, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
  return old;
}
ptc_pte_t plain_xchg(void*, ptc_pte_t* p, ptc_pte_t v) { return __atomic_exchange_n(p, v, __ATOMIC_ACQ_REL); }
ptc_pte_t plain_fetch_or(void*, ptc_pte_t* p, ptc_pte_t bits) { return __atomic_fetch_or(p, bits, __ATOMIC_ACQ_REL); }
void no_inv_range(void*, uint64_t, uint64_t, uint64_t, int) {}
void no_tlb(void*) {}

const ptc_hw kPlainHw = {nullptr,      plain_alloc,    plain_free,     plain_read, plain_write, plain_cmpxchg,
                         plain_xchg,   plain_fetch_or, no_inv_range,   no_tlb,     no_tlb};

void count_record(void* ctx, uint64_t, uint64_t) { ++*static_cast<uint64_t*>(ctx); }

void run_op(const Op& op, const ptc_target_ops* ops, struct ptc_target* t, const ptc_dirty* sink) {
  if (target_offers(ops, op.kind)) call_target_op(ops, t, op, sink);
}

}  // namespace

long run_table_alone(const Script& s, const ptc_target_ops* target) {
  const ptc_cfg cfg = s.config.to_abi();
  static thread_local LiveBlocks live;
  live.clear();
  ptc_hw hw = kPlainHw;
  hw.ctx = &live;
  struct ptc_target* t = target->create(&cfg, &hw);
  if (!t) return -1;
  uint64_t records = 0;
  const ptc_dirty sink{&records, count_record};
  long n = 0;
  for (const Op& op : s.ops) {
    if (!is_target_op(op.kind)) continue;
    run_op(op, target, t, &sink);
    ++n;
    for (const Injection& in : op.inject)
      if (is_target_op(in.op.kind)) {
        run_op(in.op, target, t, &sink);
        ++n;
      }
  }
  target->destroy(t);
  for (auto [p, bytes] : live) table_pages::give(p, bytes);  // what the table leaked
  return n;
}

}  // namespace ptc
