// CPU-vs-CPU ordering obligations (proofs/model/race_subject.h): two maps racing to install a table.
#pragma once
#include <vector>

#include "proofs/obligation.h"

namespace ptc::proofs {

std::vector<Obligation> race_obligations();

}  // namespace ptc::proofs
