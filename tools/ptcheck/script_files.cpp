#include "tools/ptcheck/script_files.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <variant>

#include "core/encoding/fuzz_input.h"
#include "core/runner/runner.h"

namespace fs = std::filesystem;

namespace ptc::cli {

namespace {
const char kNoStatements[] = ":0: no statements (an empty script tests nothing)";

bool report(const std::string& line, std::string* error) {
  if (error)
    *error = line;
  else
    std::fprintf(stderr, "%s\n", line.c_str());
  return false;
}
}  // namespace

bool read_file(const std::string& path, std::string* out, std::string* error) {
  // A folder opens as a stream that reads as empty: without this, `ptcheck run DIR` ran "0 statements".
  std::error_code ec;
  if (fs::is_directory(path, ec)) return report(path + ":0: is a folder, not a file", error);
  std::ifstream in(path, std::ios::binary);
  if (!in) return report(path + ":0: cannot read the file", error);
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

bool is_script_file(const std::string& path) { return fs::path(path).extension() == ".ops"; }

bool load_fuzz_input(const std::string& path, Script* out, std::string* error) {
  std::string bytes;
  if (!read_file(path, &bytes, error)) return false;
  *out = decode_fuzz_input(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  out->file = path;
  // An input that tests nothing must not pass as one that holds.
  if (out->ops.empty())
    return report(path + (is_script_file(path) ? kNoStatements : std::string(":0: ") + kDecodesToNothing),
                  error);
  return true;
}

bool load_script(const std::string& path, Script* out, std::string* error) {
  if (!is_script_file(path)) return load_fuzz_input(path, out, error);
  std::string text;
  if (!read_file(path, &text, error)) return false;
  auto parsed = parse_script(text, path);
  if (auto* e = std::get_if<ParseError>(&parsed)) return report(e->str(), error);
  *out = std::move(std::get<Script>(parsed));
  if (out->ops.empty()) return report(path + kNoStatements, error);
  if (std::string why = check_runnable(*out); !why.empty()) return report(why, error);
  return true;
}

bool collect_scripts(const std::vector<std::string>& inputs, std::vector<std::string>* out, bool empty_folder_is_bad) {
  for (const std::string& in : inputs) {
    std::error_code ec;
    if (fs::is_regular_file(in, ec)) {
      out->push_back(in);
      continue;
    }
    if (!fs::is_directory(in, ec)) {
      std::fprintf(stderr, "%s:0: no such file or folder\n", in.c_str());
      return false;
    }
    std::vector<std::string> found;
    for (auto it = fs::recursive_directory_iterator(in, ec); it != fs::recursive_directory_iterator(); ++it) {
      const fs::path& p = it->path();
      const std::string name = p.filename().string();
      // Inputs of the other fuzzers are replayed by those fuzzers (ctest label fuzz).
      if (it->is_directory() && (name == "fuzz_bitmap" || name == "fuzz_script")) {
        it.disable_recursion_pending();
        continue;
      }
      if (!it->is_regular_file()) continue;
      const std::string ext = p.extension().string();
      if (ext == ".md" || ext == ".dict" || ext == ".options" || ext == ".zip" || name[0] == '.') continue;
      found.push_back(p.string());  // a .ops script, or any other file: a fuzz_ops input
    }
    if (found.empty() && empty_folder_is_bad) {
      std::fprintf(stderr, "%s:0: no .ops script or fuzz_ops input in the folder\n", in.c_str());
      return false;
    }
    std::sort(found.begin(), found.end());
    out->insert(out->end(), found.begin(), found.end());
  }
  return true;
}

}  // namespace ptc::cli
