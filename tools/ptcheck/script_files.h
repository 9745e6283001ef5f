// Reading the inputs of `run`, `replay`, `explain` and `check`: .ops scripts (parsed and checked
// runnable) and fuzz_ops inputs (any other file: decoded), and the folders that hold them. Errors are
// printed as one line, FILE:LINE: what is wrong.
#pragma once
#include <string>
#include <vector>

#include "core/script/script.h"

namespace ptc::cli {

// The whole file; on error prints "FILE:0: cannot read the file".
bool read_file(const std::string& path, std::string* out, std::string* error = nullptr);

bool is_script_file(const std::string& path);

// A fuzz_ops input (any bytes) as the script it decodes to.
bool load_fuzz_input(const std::string& path, Script* out, std::string* error = nullptr);

// One .ops script (parsed, check_runnable) or a fuzz_ops input (any other file). With `error`, the
// one-line message goes there instead of to stderr.
bool load_script(const std::string& path, Script* out, std::string* error = nullptr);

// Every .ops file and fuzz_ops input under each folder (or the file itself), sorted for a stable order;
// the inputs of the other fuzzers (fuzz_bitmap/, fuzz_script/) are left to those fuzzers.
bool collect_scripts(const std::vector<std::string>& inputs, std::vector<std::string>* out);

}  // namespace ptc::cli
