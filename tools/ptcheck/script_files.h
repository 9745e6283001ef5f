// Reading the inputs of `run`, `replay`, `explain` and `check`: .ops scripts (parsed and checked
// runnable) and fuzz_ops inputs (any other file: decoded), and the folders that hold them. Errors are
// printed as one line, FILE:LINE: what is wrong.
#pragma once
#include <string>
#include <vector>

#include "core/script/script.h"

namespace ptc::cli {

// The whole file; on error (a folder too) prints "FILE:0: what is wrong".
bool read_file(const std::string& path, std::string* out, std::string* error = nullptr);

bool is_script_file(const std::string& path);

// The end of the error for a fuzz_ops input that decodes to no statement. Named alone it is bad input; in
// `replay` it is skipped with this reason: libFuzzer keeps such inputs in the corpora it grows.
inline constexpr char kDecodesToNothing[] = "decodes to no statement (a fuzz_ops input that tests nothing)";

// A fuzz_ops input (any bytes) as the script it decodes to; one that decodes to no statement is bad input.
bool load_fuzz_input(const std::string& path, Script* out, std::string* error = nullptr);

// One .ops script (parsed, at least one statement, check_runnable) or a fuzz_ops input (any other file).
// With `error`, the one-line message goes there instead of to stderr.
bool load_script(const std::string& path, Script* out, std::string* error = nullptr);

// Every .ops file and fuzz_ops input under each folder (or the file itself), sorted for a stable order;
// the inputs of the other fuzzers (fuzz_bitmap/, fuzz_script/) are left to those fuzzers. With
// `empty_folder_is_bad` (replay), a folder that holds no input is bad input ("DIR:0: ...") rather than a pass.
bool collect_scripts(const std::vector<std::string>& inputs, std::vector<std::string>* out,
                     bool empty_folder_is_bad = false);

}  // namespace ptc::cli
