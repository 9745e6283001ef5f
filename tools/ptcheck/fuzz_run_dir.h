// The pieces of a `ptcheck fuzz` run that are about files and processes, not fuzzing: the run's own folder
// (so that two runs at once never see each other's corpus or crashes), its seed corpus, the fuzzer's
// .options file as libFuzzer flags, and a wait status in words.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace ptc::cli {

// A new folder ROOT/FUZZER-YYYYmmdd-HHMMSS-XXXXXX (mkdtemp: unique even for runs started in the same
// second), with ROOT created first; "" and *error set when it cannot be made.
std::string make_fuzz_run_dir(const std::filesystem::path& root, const std::string& fuzzer, std::string* error);

// Copies the regular files of each existing folder of `seeds` into `corpus` as SEEDFOLDER-FILE (two seed
// folders may hold files of the same name); a file of that name already there is kept. Returns how many
// were copied.
size_t copy_seed_files(const std::vector<std::filesystem::path>& seeds, const std::filesystem::path& corpus);

// The [libfuzzer] section of an OSS-Fuzz style .options file (`max_len = 4096`, `dict = x.dict`) as
// libFuzzer flags (-max_len=4096, -dict=DIR/x.dict: a relative dict is next to the file). A missing file is
// no flags. False, with *error "FILE:LINE: what is wrong", when a line is not `key = value`.
bool libfuzzer_options_flags(const std::filesystem::path& file, std::vector<std::string>* flags, std::string* error);

// "exited with status 77", "was killed by signal 9 (SIGKILL)": a waitpid() status as a person reads it.
std::string describe_wait_status(int status);

}  // namespace ptc::cli
