// Reading the source tree's corpora: see corpus_files.h.
#include "bench/corpus_files.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace ptc::bench {

namespace fs = std::filesystem;

std::vector<std::string> files_under(const std::string& dir, const std::string& ext) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file() && (ext.empty() || e.path().extension() == ext)) out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace ptc::bench
