#include "tools/ptcheck/data_dir.h"

#include <filesystem>
#include <system_error>

#ifndef PTCHECK_SOURCE_DIR
#define PTCHECK_SOURCE_DIR "."
#endif
#ifndef PTCHECK_BINARY_DIR
#define PTCHECK_BINARY_DIR "."
#endif

namespace fs = std::filesystem;

namespace ptc::cli {
namespace {

// PREFIX/share/ptcheck when this executable is PREFIX/bin/ptcheck and the corpora were installed
// beside it; "" otherwise. Found from /proc/self/exe, so a relocated prefix works too.
std::string installed_data_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  const fs::path share = exe.parent_path().parent_path() / "share" / "ptcheck";
  return fs::is_directory(share / "corpora", ec) ? share.string() : "";
}

}  // namespace

std::string data_dir() {
  const std::string installed = installed_data_dir();
  return installed.empty() ? PTCHECK_SOURCE_DIR : installed;
}

std::string output_dir() { return installed_data_dir().empty() ? PTCHECK_BINARY_DIR : "."; }

std::string no_fuzzers_hint(const std::string& fuzzer_dir) {
  const std::string build = "cmake --preset fuzz && cmake --build --preset fuzz";
  const std::string share = installed_data_dir();
  if (share.empty()) return "no fuzzers in " + fuzzer_dir + " (" + build + ")";
  const bool in_prefix = fuzzer_dir.rfind(share, 0) == 0;  // the build-tree default, resolved in the prefix
  return (in_prefix ? std::string() : "no fuzzers in " + fuzzer_dir + "; ") +
         "an installed ptcheck has no fuzzers: build them from ptcheck's source tree (" + build +
         ") and pass --fuzzers SOURCE/build/fuzz/fuzz";
}

}  // namespace ptc::cli
