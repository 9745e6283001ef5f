// Loading a target page table from a shared library (SPEC section 6: the one symbol ptc_target).
#pragma once
#include <string>

#include "ptcheck/target.h"

namespace ptc {

// dlopen()s `path` and returns its ptc_target(), checked: the symbol exists, abi == PTC_TARGET_ABI,
// and every operation is provided. On failure returns nullptr and sets *error to one line.
// The one-line error for a library dlopen refused, with a hint where the cause is known (a sanitizer
// runtime the process lacks).
std::string describe_load_error(const std::string& path, const std::string& dlerror_text);

const ptc_target_ops* load_target_library(const std::string& path, std::string* error);

// Checks an ops table (built in or loaded); "" when usable, else what is wrong.
std::string check_target_ops(const ptc_target_ops* ops);

}  // namespace ptc
