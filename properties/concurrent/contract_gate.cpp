#include "properties/concurrent/contract_gate.h"

namespace ptc::conc {

std::optional<Op> ContractGate::admit(const Op& wanted, const std::optional<Op>& instead) {
  if (model_.config().contract == Contract::Spec) return wanted;
  std::lock_guard<std::mutex> lock(mu_);
  if (model_.outside_contract(wanted).empty()) return wanted;
  if (instead && model_.outside_contract(*instead).empty()) return instead;
  return std::nullopt;
}

void ContractGate::returned(const Op& op) {
  if (model_.config().contract == Contract::Spec) return;
  std::lock_guard<std::mutex> lock(mu_);
  model_.apply(op, nullptr);
}

}  // namespace ptc::conc
