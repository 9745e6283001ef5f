// Report files (`check --json/--junit`, `--html`) are written whole or not at all: the text goes to a
// temporary file in the destination's folder, which is then renamed over the destination. A rename within
// one file system is atomic, so a reader (a CI parser, a later run) sees the previous report or the new
// one, never a half-written file, whatever stops ptcheck meanwhile.
#pragma once
#include <string>

namespace ptc::cli {

// Writes `text` to `path` as above; false with "cannot write PATH: why" in *error (the temporary file
// removed, the destination untouched).
bool write_report_file(const std::string& path, const std::string& text, std::string* error);

// Whether a report can be written to `path` (its folder takes a new file, and `path` is not a folder),
// checked before a long run; it creates nothing that stays, and leaves an existing `path` as it is.
bool report_path_writable(const std::string& path, std::string* error);

}  // namespace ptc::cli
