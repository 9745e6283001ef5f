#include "properties/stateful/commands.h"

#include "core/ops/op_table.h"
#include "core/script/script.h"
#include "properties/stateful/aimed_injections.h"
#include "properties/stateful/failure_report.h"

namespace ptc::props {

void SessionUnderTest::step(const Op& op) {
  if (!session.step(op)) fail();
}

void SessionUnderTest::finish() {
  if (!session.finish()) fail();
}

void SessionUnderTest::fail() {
  const Failure& f = *session.failure();
  const std::string files = write_reproducer(ctx, property, session.script(), f.signature + "\n" + f.message);
  RC_FAIL(f.trace + files);
}

void StatementCommand::checkPreconditions(const Model& m) const { RC_PRE(m.affordable(op_) && m.issues(op_)); }

void StatementCommand::apply(Model& m) const { m.apply(op_); }

void StatementCommand::run(const Model&, SessionUnderTest& sut) const { sut.step(op_); }

namespace {
void show_statement(std::ostream& os, const Op& op) {
  os << print_statement(op);
  for (const Injection& inj : op.inject) os << "\n  @" << inj.after_access << " " << print_statement(inj.op);
}
}  // namespace

void StatementCommand::show(std::ostream& os) const { show_statement(os, op_); }

FailAllocCommand::FailAllocCommand(const Model& m) {
  op_ = *gen_op(m, OpKind::FailAlloc);
  allocating_ = *gen_op(m, *rc::gen::weightedElement<OpKind>({{3, OpKind::Map}, {1, OpKind::Split}}));
  allocating_.inject = *gen_injections(m, allocating_);
  RC_PRE(m.affordable(allocating_) && m.issues(allocating_));
}

void FailAllocCommand::checkPreconditions(const Model& m) const { RC_PRE(m.affordable(allocating_) && m.issues(allocating_)); }

void FailAllocCommand::apply(Model& m) const {
  m.record(op_);
  m.apply(allocating_);
}

void FailAllocCommand::run(const Model&, SessionUnderTest& sut) const {
  sut.step(op_);
  sut.step(allocating_);
}

void FailAllocCommand::show(std::ostream& os) const {
  show_statement(os, op_);
  os << "\n";
  show_statement(os, allocating_);
}

RaceCommand::RaceCommand(const Model& m) {
  RC_PRE(bool(m.target));
  RC_PRE(m.cfg.hw_dirty);
  RC_PRE(m.statement_count <= m.limits.max_statements_before_race);
  // The leaf: any writable one of at most 2M, or a 2M block for split and merge (pages outnumber
  // blocks by far once anything was split, so blocks are a pool of their own).
  std::vector<RefLeaf> leaves, blocks;
  const uint64_t top = 1ull << m.cfg.ias;
  for (const RefLeaf& l : m.ref->leaves_in(0, top)) {
    if (!l.writable || l.size > kSize2M) continue;
    leaves.push_back(l);
    if (l.size == kSize2M) blocks.push_back(l);
  }
  OpKind kind = *rc::gen::weightedElement<OpKind>(
      {{3, OpKind::UnmapDirty}, {3, OpKind::Split}, {4, OpKind::Merge}, {1, OpKind::Dirty}});
  const bool on_block = kind == OpKind::Split || kind == OpKind::Merge;
  // Split and merge need a block: one of the model's, or a new 2M block mapped first where the
  // model has nothing (a 2M-aligned address near the others, output as aligned).
  std::optional<RefLeaf> fresh;
  auto one_in_three = [] { return *rc::gen::weightedElement<bool>({{2, false}, {1, true}}); };
  if (on_block && (m.cfg.pgsizes & kSize2M) && (blocks.empty() || one_in_three())) {
    const uint64_t iova = *gen_iova(m) & ~(kSize2M - 1);
    if (iova + kSize2M <= m.top() && m.ref->leaves_in(iova, kSize2M).empty())
      fresh = RefLeaf{iova, kSize2M, iova & ((1ull << m.cfg.oas) - 1), true, DirtyState::Dirty};
  }
  if (fresh) {
    Op map;
    map.kind = OpKind::Map;
    map.iova = fresh->iova;
    map.paddr = fresh->pa;
    map.size = kSize2M;
    map.prot = PTC_PROT_READ | PTC_PROT_WRITE;
    statements_.push_back(map);
  } else if (on_block && blocks.empty()) {
    kind = OpKind::UnmapDirty;
  }
  const std::vector<RefLeaf>& pool = kind == OpKind::Split || kind == OpKind::Merge ? blocks : leaves;
  RC_PRE(fresh || !pool.empty());
  const RefLeaf leaf = fresh ? *fresh : pool[*rc::gen::inRange<size_t>(0, pool.size())];
  auto on_leaf = [&leaf](OpKind k) {
    Op op;
    op.kind = k;
    op.iova = leaf.iova;
    op.size = leaf.size;
    return op;
  };
  statements_.push_back(on_leaf(OpKind::Dirty));
  if (kind == OpKind::Merge) statements_.push_back(on_leaf(OpKind::Split));
  Op racer = on_leaf(kind);
  Model before = m;
  for (const Op& s : statements_) before.apply(s);
  const std::optional<Injection> inj = *gen_aimed_injection(before, racer, leaf.iova, leaf.end());
  RC_PRE(inj.has_value());
  racer.inject.push_back(*inj);
  statements_.push_back(racer);
  if (kind != OpKind::UnmapDirty) statements_.push_back(on_leaf(OpKind::Dirty));
  checkPreconditions(m);
}

void RaceCommand::checkPreconditions(const Model& m) const {
  uint64_t cost = 0;
  for (const Op& s : statements_) cost += m.leaf_cost(s);
  RC_PRE(m.new_leaves + cost <= m.limits.max_new_leaves);
  // Each statement in turn is one the caller would issue (the earlier ones change what is mapped).
  Model after = m;
  for (const Op& s : statements_) {
    RC_PRE(after.issues(s));
    after.apply(s);
  }
}

void RaceCommand::apply(Model& m) const {
  for (const Op& s : statements_) m.apply(s);
}

void RaceCommand::run(const Model&, SessionUnderTest& sut) const {
  for (const Op& s : statements_) sut.step(s);
}

void RaceCommand::show(std::ostream& os) const {
  for (size_t i = 0; i < statements_.size(); ++i) {
    if (i) os << "\n";
    show_statement(os, statements_[i]);
  }
}

template <OpKind K>
OpCommand<K>::OpCommand(const Model& m) {
  op_ = *gen_op(m, K);
  if (is_target_op(K)) op_.inject = *gen_injections(m, op_);
  RC_PRE(m.affordable(op_));
}

template class OpCommand<OpKind::Map>;
template class OpCommand<OpKind::Unmap>;
template class OpCommand<OpKind::Flush>;
template class OpCommand<OpKind::Split>;
template class OpCommand<OpKind::Merge>;
template class OpCommand<OpKind::Dirty>;
template class OpCommand<OpKind::UnmapDirty>;
template class OpCommand<OpKind::Phys>;
template class OpCommand<OpKind::Dev>;

rc::Gen<std::shared_ptr<const Command>> gen_command(const Model& m) {
  using rc::state::gen::execOneOfWithArgs;
  return rc::gen::weightedOneOf<std::shared_ptr<const Command>>({
      {6, execOneOfWithArgs<MapCommand>()(m)},
      {6, execOneOfWithArgs<DeviceCommand>()(m)},
      {4, execOneOfWithArgs<ReadAndClearDirtyCommand>()(m)},
      {3, execOneOfWithArgs<UnmapCommand>()(m)},
      {3, execOneOfWithArgs<SplitCommand>()(m)},
      {2, execOneOfWithArgs<MergeCommand>()(m)},
      {2, execOneOfWithArgs<UnmapReadDirtyCommand>()(m)},
      {m.cfg.lazy ? 2u : 1u, execOneOfWithArgs<FlushCommand>()(m)},
      {1, execOneOfWithArgs<IovaToPhysCommand>()(m)},
      {2, execOneOfWithArgs<FailAllocCommand>()(m)},
      {3, execOneOfWithArgs<RaceCommand>()(m)},
  });
}

}  // namespace ptc::props
