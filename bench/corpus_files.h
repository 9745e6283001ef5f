// Reading the source tree's corpora for the harness measures: the files of a folder and their bytes.
#pragma once
#include <string>
#include <vector>

namespace ptc::bench {

// The regular files directly in `dir` whose extension is `ext` (empty: every file), sorted; none when
// `dir` cannot be read.
std::vector<std::string> files_under(const std::string& dir, const std::string& ext);

// The bytes of the file at `path` (empty when it cannot be read).
std::string slurp(const std::string& path);

}  // namespace ptc::bench
