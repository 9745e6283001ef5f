#include "tools/ptcheck/target_log.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/isolation/child_process.h"

namespace ptc::cli {

std::string parse_op_timeout(const std::string& text, double* seconds) {
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || errno || *end || !(v >= 0.1 && v <= 3600)) return "--op-timeout must be 0.1..3600 seconds";
  *seconds = v;
  return "";
}

IsolationOptions isolation_for_run(const std::string& log_path, double op_timeout_s, std::string* error) {
  IsolationOptions io;
  io.op_timeout_s = op_timeout_s;
  io.log_path = log_path.empty() ? (std::filesystem::temp_directory_path() /
                                    ("ptcheck-target-" + std::to_string(::getpid()) + ".log"))
                                       .string()
                                 : log_path;
  std::ofstream f(io.log_path, std::ios::trunc);
  if (!f) {
    *error = "cannot write the target log " + io.log_path + ": " + std::strerror(errno);
    io.log_path.clear();
  }
  return io;
}

std::string target_log_summary(const IsolationOptions& io) {
  if (io.log_path.empty()) return "";
  const uint64_t size = log_size(io.log_path);
  if (size == 0) {
    std::error_code ec;
    std::filesystem::remove(io.log_path, ec);
    return "";
  }
  const size_t warnings = count_warnings(io.log_path, 0, size);
  size_t lines = 0;
  std::ifstream in(io.log_path, std::ios::binary);
  for (std::string l; std::getline(in, l);) ++lines;
  return "ptcheck: the target printed " + std::to_string(lines) + " line(s)" +
         (warnings ? ", " + std::to_string(warnings) + " of them WARNING" : std::string()) + ": " + io.log_path;
}

}  // namespace ptc::cli
