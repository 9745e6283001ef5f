#include "core/runner/target_loader.h"

#include <dlfcn.h>

namespace ptc {

std::string check_target_ops(const ptc_target_ops* o) {
  if (!o) return "ptc_target() returned NULL";
  if (o->abi != PTC_TARGET_ABI)
    return "target ABI is " + std::to_string(o->abi) + ", ptcheck speaks ABI " + std::to_string(PTC_TARGET_ABI);
  // SPEC 6: these are required; the other entries may be NULL (the table does not offer that
  // operation: core/ops/op_table.h target_offers, and nothing issues it).
  const struct {
    const char* name;
    bool present;
  } fns[] = {{"name", o->name != nullptr},
             {"create", o->create != nullptr},
             {"destroy", o->destroy != nullptr},
             {"root", o->root != nullptr},
             {"map", o->map != nullptr},
             {"unmap", o->unmap != nullptr},
             {"iova_to_phys", o->iova_to_phys != nullptr}};
  for (const auto& f : fns)
    if (!f.present) return std::string("target ops lack `") + f.name + "`";
  return "";
}

std::string describe_load_error(const std::string& path, const std::string& dlerror_text) {
  std::string out = path + ": cannot load target library: " + dlerror_text;
  // The usual cause of an unresolved __asan_/__ubsan_/__tsan_ symbol: the library was built with a
  // sanitizer and this process without its runtime. Say which ptcheck can load it.
  for (const char* rt : {"__asan_", "__ubsan_", "__tsan_", "__msan_", "__sanitizer_"})
    if (dlerror_text.find(std::string("undefined symbol: ") + rt) != std::string::npos)
      return out + " (the library was built with a sanitizer and this ptcheck without it: run the ptcheck of the "
                   "build that made the library, e.g. build/asan/tools/ptcheck for build/asan/..., or build the "
                   "library without -fsanitize)";
  return out;
}

const ptc_target_ops* load_target_library(const std::string& path, std::string* error) {
  // A path without a slash would make dlopen search the library path; a user means the file.
  const std::string file = path.find('/') == std::string::npos ? "./" + path : path;
  void* h = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char* e = dlerror();
    *error = describe_load_error(path, e ? e : "unknown error");
    return nullptr;
  }
  using Entry = const ptc_target_ops* (*)();
  auto entry = reinterpret_cast<Entry>(dlsym(h, "ptc_target"));
  if (!entry) {
    *error = path + ": no symbol `ptc_target` (a target library exports `const struct ptc_target_ops *ptc_target(void)`)";
    return nullptr;
  }
  const ptc_target_ops* ops = entry();
  if (std::string why = check_target_ops(ops); !why.empty()) {
    *error = path + ": " + why;
    return nullptr;
  }
  return ops;  // the library stays loaded for the life of the process
}

}  // namespace ptc
