#include "properties/stateful/commands.h"

#include "core/script/script.h"
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

void StatementCommand::checkPreconditions(const Model& m) const { RC_PRE(m.affordable(op_)); }

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
  RC_PRE(m.affordable(allocating_));
}

void FailAllocCommand::checkPreconditions(const Model& m) const { RC_PRE(m.affordable(allocating_)); }

void FailAllocCommand::apply(Model& m) const { m.apply(allocating_); }

void FailAllocCommand::run(const Model&, SessionUnderTest& sut) const {
  sut.step(op_);
  sut.step(allocating_);
}

void FailAllocCommand::show(std::ostream& os) const {
  show_statement(os, op_);
  os << "\n";
  show_statement(os, allocating_);
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
  });
}

}  // namespace ptc::props
