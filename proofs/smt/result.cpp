#include "proofs/smt/result.h"

namespace ptc::proofs {

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::kProved: return "proved";
    case Verdict::kRefuted: return "refuted";
    case Verdict::kUnknown: return "unknown";
    case Verdict::kSkipped: return "skipped";
    case Verdict::kVacuous: return "vacuous";
  }
  return "?";
}

}  // namespace ptc::proofs
