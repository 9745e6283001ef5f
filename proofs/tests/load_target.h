// A test-only target module (a broken LPAE build, proofs/tests/*_target.cpp) loaded as `ptcheck --target`
// would: dlopen, then its ptc_target(). Null when it does not load.
#pragma once
#include <dlfcn.h>

#include "ptcheck/target.h"

namespace ptc::proofs {

inline const ptc_target_ops* load_target(const char* path) {
  void* h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!h) return nullptr;
  auto entry = reinterpret_cast<const ptc_target_ops* (*)()>(dlsym(h, "ptc_target"));
  return entry ? entry() : nullptr;
}

}  // namespace ptc::proofs
