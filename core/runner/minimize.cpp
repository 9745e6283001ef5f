#include "core/runner/minimize.h"

#include <utility>

#include "core/runner/runner.h"

namespace ptc {

std::string failure_signature(const Script& s, const ptc_target_ops* target) {
  const RunResult r = run_script(s, target);
  return r.failure ? r.failure->signature : std::string();
}

Script minimize_failure(Script s, const ptc_target_ops* target, const std::string& signature) {
  return minimize_failure(std::move(s), [target](const Script& trial) { return failure_signature(trial, target); },
                          signature);
}

Script minimize_failure(Script s, const std::function<std::string(const Script&)>& signature_of,
                        const std::string& signature) {
  auto keep_if_still_fails = [&](Script trial) {
    if (signature_of(trial) != signature) return false;
    s = std::move(trial);
    return true;
  };
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t i = s.ops.size(); i-- > 0;) {
      Script trial = s;
      trial.ops.erase(trial.ops.begin() + long(i));
      changed |= keep_if_still_fails(std::move(trial));
    }
    for (size_t i = 0; i < s.ops.size(); ++i)
      for (size_t j = s.ops[i].inject.size(); j-- > 0;) {
        Script trial = s;
        trial.ops[i].inject.erase(trial.ops[i].inject.begin() + long(j));
        changed |= keep_if_still_fails(std::move(trial));
      }
  }
  return s;
}

}  // namespace ptc
