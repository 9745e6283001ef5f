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

}  // namespace ptc::cli
