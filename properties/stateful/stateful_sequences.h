// The stateful model-based property: a generated config and a generated sequence of commands
// (commands.h), run as one differential Session against the target; the first violated oracle fails
// the case, RapidCheck shrinks the sequence, and the minimal one is written as an .ops script.
#pragma once
#include "properties/stateful/property_context.h"

namespace ptc::props {

inline constexpr const char* kStatefulSequences = "stateful_sequences";

void stateful_sequences(const PropertyContext& ctx);

}  // namespace ptc::props
