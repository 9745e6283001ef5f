// Where ptcheck finds its data and writes what it produces, for a ptcheck run from its build tree and
// for one installed with `cmake --install` (PREFIX/bin/ptcheck, PREFIX/share/ptcheck/corpora).
#pragma once

#include <string>

namespace ptc::cli {

// The folder holding corpora/ (scenarios, regressions, fuzz seeds and dictionaries): PREFIX/share/ptcheck
// for an installed ptcheck, else the source tree this ptcheck was built from.
std::string data_dir();

// Where failure reports go (property-failures/): the build tree for a build-tree ptcheck, the current
// directory for an installed one (its prefix may be read-only, its build tree long gone).
std::string output_dir();

// Why `fuzzer_dir` has no fuzzers, and how to get them. An installed ptcheck has none (the fuzz preset
// builds them in ptcheck's source tree; they are not installed): its hint names the source tree and
// --fuzzers, never a folder of its own prefix.
std::string no_fuzzers_hint(const std::string& fuzzer_dir);

}  // namespace ptc::cli
