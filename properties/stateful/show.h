// How RapidCheck prints the generated values of a counterexample: as .ops text (found by ADL).
#pragma once
#include <ostream>

#include "core/ops.h"
#include "core/script/script.h"

namespace ptc {

inline void showValue(const Config& c, std::ostream& os) { os << print_config(c); }
inline void showValue(const Op& op, std::ostream& os) { os << print_statement(op); }
inline void showValue(OpKind k, std::ostream& os) { os << op_name(k); }

}  // namespace ptc
