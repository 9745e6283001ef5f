#include "properties/stateful/model.h"

#include "core/ops/op_table.h"

#include <algorithm>

namespace ptc::props {

namespace {

// How many leaves SPEC 3's greedy choice makes for a map, counting no further than `limit`.
uint64_t map_leaves(const Config& cfg, uint64_t iova, uint64_t pa, uint64_t size, uint64_t limit) {
  if ((iova | pa | size) & (kSize4K - 1)) return 0;  // -EINVAL: nothing is created
  uint64_t n = 0;
  for (uint64_t off = 0; off < size && n <= limit; ++n) {
    uint64_t leaf = kSize4K;
    for (uint64_t s : {kSize1G, kSize2M})
      if ((cfg.pgsizes & s) && (iova + off) % s == 0 && (pa + off) % s == 0 && s <= size - off) {
        leaf = s;
        break;
      }
    off += leaf;
  }
  return n;
}

void remember(std::vector<uint64_t>& recent, uint64_t iova) {
  if (std::find(recent.begin(), recent.end(), iova) != recent.end()) return;
  if (recent.size() == 8) recent.erase(recent.begin());
  recent.push_back(iova);
}

// One op's effect on the generators' reference (a device write makes its leaf dirty, when it goes
// through the current translation; the rest as SPEC 3). It only steers generation: the runner checks.
void apply_to(ReferenceModel& ref, const Op& op) {
  if (op.kind == OpKind::Dev) {
    if (op.dev == DevKind::Write) ref.device_write(op.iova);
    return;
  }
  ref.apply(op, nullptr);
}

}  // namespace

bool Model::issues(const Op& op) const {
  auto one = [&](const Op& o) {
    return !is_target_op(o.kind) || ((!target || target_offers(target, o.kind)) && ref->outside_contract(o).empty());
  };
  if (!one(op)) return false;
  for (const Injection& inj : op.inject)
    if (!one(inj.op)) return false;
  return true;
}

Model::Model(const Config& c, const ptc_target_ops* t)
    : cfg(c), target(t), ref(std::make_shared<ReferenceModel>(c)) {}

void Model::record(const Op& op) {
  statements = std::make_shared<const StatementList>(StatementList{op, statements});
  ++statement_count;
}

std::vector<Op> Model::script() const {
  std::vector<Op> out;
  for (const StatementList* s = statements.get(); s; s = s->before.get()) out.push_back(s->op);
  return {out.rbegin(), out.rend()};
}

uint64_t Model::leaf_cost(const Op& op) const {
  uint64_t n = 0;
  const uint64_t limit = limits.max_new_leaves;
  if (op.kind == OpKind::Map) n = map_leaves(cfg, op.iova, op.paddr, op.size, limit);
  if (op.kind == OpKind::Split && ref->valid_range(op.iova, op.size))
    for (const RefLeaf& l : ref->leaves_in(op.iova, op.size))
      if (l.size > kSize4K) n += l.size / kSize4K;
  for (const Injection& inj : op.inject) n += leaf_cost(inj.op);
  return n;
}

uint64_t Model::merge_regions(const Op& op) const {
  uint64_t n = op.kind == OpKind::Merge ? op.size / kSize2M : 0;
  for (const Injection& inj : op.inject) n += merge_regions(inj.op);
  return n;
}

void Model::apply(const Op& op) {
  record(op);
  if (op.kind == OpKind::FailAlloc) return;
  new_leaves += leaf_cost(op);
  auto next = std::make_shared<ReferenceModel>(*ref);
  apply_to(*next, op);
  for (const Injection& inj : op.inject) apply_to(*next, inj.op);
  ref = std::move(next);
  if (op.kind != OpKind::Flush && !(op.kind == OpKind::Dev && op.dev == DevKind::EvictAll)) remember(recent, op.iova);
}

}  // namespace ptc::props
