// The caller's guarantees of a contract profile (SPEC 9), kept while real threads run: before a CPU
// thread issues an op (holding the chunk locks of its range), the gate asks the reference model
// whether a caller of that profile would issue it now; after the op returns, the gate applies it.
//
// Why this is sound with several threads: every op the workload issues holds the locks of the chunks
// its range covers, so what the model says about that range cannot change before the op is issued,
// except by a split elsewhere in a block that reaches into it, which only makes leaves smaller and so
// never makes an admitted op cut a leaf. The model only decides what is admitted; the target's results
// are judged afterwards, from the history, as for every profile.
#pragma once
#include <mutex>
#include <optional>

#include "core/reference/reference_model.h"

namespace ptc::conc {

class ContractGate {
 public:
  explicit ContractGate(const Config& cfg) : model_(cfg) {}

  // The first of `wanted` and `instead` (when given) that the profile's caller may issue now; nullopt
  // when neither (the op is not issued). Under contract=spec every op is admitted.
  std::optional<Op> admit(const Op& wanted, const std::optional<Op>& instead);
  // The admitted op returned: the model takes its effect.
  void returned(const Op& op);

 private:
  std::mutex mu_;
  ReferenceModel model_;
};

}  // namespace ptc::conc
