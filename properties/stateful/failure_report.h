// A property failure as a replayable .ops script: written to a file (one per property and target,
// overwritten by each failing case, so after shrinking it holds the minimal one) and named, with
// its `ptcheck run` line, in the message RapidCheck prints.
#pragma once
#include <string>

#include "core/ops.h"
#include "properties/stateful/property_context.h"

namespace ptc::props {

// Where the reproducer of `property` on ctx's target goes.
std::string reproducer_path(const PropertyContext& ctx, const std::string& property);

// Writes `script` (with `why` as a comment header) and returns the lines that name the file and
// how to replay it.
std::string write_reproducer(const PropertyContext& ctx, const std::string& property, const Script& script,
                             const std::string& why);

}  // namespace ptc::props
