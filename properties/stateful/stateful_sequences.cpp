#include "properties/stateful/stateful_sequences.h"

#include <rapidcheck.h>
#include <rapidcheck/state.h>

#include "core/runner/runner.h"
#include "core/script/script.h"
#include "properties/stateful/commands.h"
#include "properties/stateful/failure_report.h"
#include "properties/stateful/generators.h"

namespace ptc::props {

void stateful_sequences(const PropertyContext& ctx) {
  Config cfg = *gen_config();
  cfg.contract = ctx.contract;
  RunOptions opts;
  opts.watch = ctx.watch;
  if (!ctx.target_path.empty()) opts.replay_args = "--target " + ctx.target_path;
  Session session(cfg, ctx.target, opts, reproducer_path(ctx, kStatefulSequences));
  RC_PRE(session.started());  // the target refuses this config
  SessionUnderTest sut{session, ctx, kStatefulSequences};
  rc::state::check(Model(cfg, ctx.target), sut, &gen_command);
  RC_TAG(session.statements() / 20 * 20);
  sut.finish();
}

}  // namespace ptc::props
