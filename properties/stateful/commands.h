// The rc::state commands of the stateful suite: one command type per operation of SPEC 3, plus
// device actions and `fail alloc N`. Each builds one ptc::Op (with `@N` injections for target ops)
// from the model, so a sequence is exactly an .ops script. The system under test is a differential
// Session (target vs reference + simulated SMMU): Session::step is every command's postcondition,
// so no oracle logic is repeated here.
#pragma once
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <rapidcheck.h>
#include <rapidcheck/state.h>

#include "core/runner/runner.h"
#include "properties/stateful/generators.h"
#include "properties/stateful/model.h"
#include "properties/stateful/property_context.h"

namespace ptc::props {

// The system under test: a Session, and where to report its first failure.
struct SessionUnderTest {
  Session& session;
  const PropertyContext& ctx;
  std::string property;
  // Runs one statement; on an oracle's violation fails the RapidCheck case with the runner's trace
  // and the .ops reproducer of the sequence so far.
  void step(const Op& op);
  // The end of the sequence: whole-space comparison, destroy, leak check.
  void finish();

 private:
  [[noreturn]] void fail();
};

using Command = rc::state::Command<Model, SessionUnderTest>;

// A statement of the script. Preconditions keep the case within its cost bounds; the contract's
// rule for concurrent ops (disjoint ranges) is built into the generated injections.
class StatementCommand : public Command {
 public:
  void checkPreconditions(const Model& m) const override;
  void apply(Model& m) const override;
  void run(const Model& m, SessionUnderTest& sut) const override;
  void show(std::ostream& os) const override;  // the statement's .ops lines

 protected:
  Op op_;
};

// One command type per op kind: the constructor draws the op (and, for target ops, its injections)
// from the model, as rc::state::gen::execOneOfWithArgs expects.
template <OpKind K>
class OpCommand : public StatementCommand {
 public:
  explicit OpCommand(const Model& m);
};

using MapCommand = OpCommand<OpKind::Map>;
using UnmapCommand = OpCommand<OpKind::Unmap>;
using FlushCommand = OpCommand<OpKind::Flush>;
using SplitCommand = OpCommand<OpKind::Split>;
using MergeCommand = OpCommand<OpKind::Merge>;
using ReadAndClearDirtyCommand = OpCommand<OpKind::Dirty>;
using UnmapReadDirtyCommand = OpCommand<OpKind::UnmapDirty>;
using IovaToPhysCommand = OpCommand<OpKind::Phys>;
using DeviceCommand = OpCommand<OpKind::Dev>;          // read | write | fill | evict | evict all

// `fail alloc N` and the op it is for (a map or split: the ops that allocate tables), as one command
// so that the failure meets an allocation (a directive nothing allocates after expires unused).
class FailAllocCommand : public StatementCommand {
 public:
  explicit FailAllocCommand(const Model& m);
  void checkPreconditions(const Model& m) const override;
  void apply(Model& m) const override;
  void run(const Model& m, SessionUnderTest& sut) const override;
  void show(std::ostream& os) const override;

 private:
  Op allocating_;
};

// A race aimed at a writable leaf of at most 2M (hw_dirty on): a clearing read of it (so that the
// device's next write is the first to a clean leaf), then an op on it whose `@N` injection is a
// device action right after a race window the op opens (aimed_injections.h: the op is dry-run to
// find the window), then, for an op that leaves the leaf mapped, a clearing read that must record
// the write. The op: unmap_read_dirty of the leaf, a clearing read of it, split of a 2M block, or
// split of the block and merge of its pages. All statements are plain `.ops` lines.
class RaceCommand : public Command {
 public:
  explicit RaceCommand(const Model& m);
  void checkPreconditions(const Model& m) const override;
  void apply(Model& m) const override;
  void run(const Model& m, SessionUnderTest& sut) const override;
  void show(std::ostream& os) const override;

 private:
  std::vector<Op> statements_;
};

// The next command for a model state, weighted toward maps, device actions and dirty reads.
rc::Gen<std::shared_ptr<const Command>> gen_command(const Model& m);

}  // namespace ptc::props
