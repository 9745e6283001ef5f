#include "properties/concurrent/history_pipeline.h"

#include <utility>

namespace ptc::conc {

void HistoryPipeline::check(CheckedHistory& c) const {
  check_history(target_, c.history, threaded_);
  if (!c.history.bug()) c.sequence = explore_sequence(target_, c.history.seed, sched_, stats_);
}

CheckedHistory HistoryPipeline::next(bool start_next) {
  if (!ran_) ran_ = run_history_threads(target_, seed_++, threaded_);
  CheckedHistory c;
  c.history = std::move(*ran_);
  ran_.reset();
  if (start_next)
    ran_ = run_history_threads(target_, seed_++, threaded_, [&] { check(c); });
  else
    check(c);
  return c;
}

}  // namespace ptc::conc
