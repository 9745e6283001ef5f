// A target driven directly through its ABI (SPEC 6), with the simulated SMMU as its hardware and no
// reference model: the invariant properties judge the target by its own answers (return values,
// records, iova_to_phys) and by the tables the hardware walks, so they stand apart from the
// differential runner's oracles and can fail on their own. Every statement run is kept as an .ops
// script for the failure report.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/oracles.h"
#include "core/ops.h"
#include "core/runner/interval_set.h"
#include "core/runner/target_watch.h"
#include "core/smmu/smmu.h"
#include "ptcheck/target.h"

namespace ptc::props {

// What one statement gave: the return value (the output address for phys and device actions, -1
// for a device fault) and, for dirty reads, the recorded pages.
struct ProbeResult {
  int64_t ret = 0;
  IntervalSet records;  // 4K pages the target recorded
};

class TargetProbe {
 public:
  // `watch`: announces every call into the target (core/runner/target_watch.h), when the property runs
  // in a child process.
  TargetProbe(const Config& cfg, const ptc_target_ops* ops, TargetWatch* watch = nullptr);
  ~TargetProbe();
  TargetProbe(const TargetProbe&) = delete;
  TargetProbe& operator=(const TargetProbe&) = delete;

  bool started() const { return target_ != nullptr; }
  const Config& config() const { return script_.config; }
  // Runs a target op, a device action or `fail alloc` (injections are not run: invariants are
  // sequential).
  ProbeResult run(const Op& op);
  // The leaves as the hardware walks them over [iova, iova+size) (the whole IAS by default).
  std::vector<HwLeaf> leaves(uint64_t iova = 0, uint64_t size = ~0ull) const;
  uint64_t iova_to_phys(uint64_t iova);
  size_t live_tables() const { return smmu_.live_tables(); }
  // Destroys the target; false when a table was leaked or freed wrongly (violation() says which).
  bool destroy();
  // What the simulated SMMU raised (a use-after-free, a double free, a TLB conflict, a leak).
  const std::optional<Violation>& violation() const { return smmu_.violation(); }
  const Script& script() const { return script_; }

 private:
  const ptc_target_ops* ops_;
  TargetWatch* watch_;
  Smmu smmu_;
  struct ptc_target* target_ = nullptr;
  Script script_;
};

// Leaves as comparable text ("[0x40000000+2M) -> 0x80000000 rw dirty"), for messages and equality.
std::string describe(const std::vector<HwLeaf>& leaves);

}  // namespace ptc::props
