#include "tools/ptcheck/fuzz_run_dir.h"

#include <sys/wait.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>

namespace fs = std::filesystem;

namespace ptc::cli {

namespace {

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

}  // namespace

std::string make_fuzz_run_dir(const fs::path& root, const std::string& fuzzer, std::string* error) {
  std::error_code ec;
  fs::create_directories(root, ec);
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  std::string templ = (root / (fuzzer + "-" + stamp + "-XXXXXX")).string();
  if (!::mkdtemp(templ.data())) {
    *error = root.string() + ":0: cannot make the run's folder there: " + std::strerror(errno);
    return "";
  }
  return templ;
}

size_t copy_seed_files(const std::vector<fs::path>& seeds, const fs::path& corpus) {
  size_t copied = 0;
  std::error_code ec;
  for (const fs::path& dir : seeds) {
    if (!fs::is_directory(dir, ec)) continue;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      if (!e.is_regular_file(ec)) continue;
      const fs::path to = corpus / (dir.filename().string() + "-" + e.path().filename().string());
      copied += fs::copy_file(e.path(), to, fs::copy_options::skip_existing, ec) && !ec;
    }
  }
  return copied;
}

bool libfuzzer_options_flags(const fs::path& file, std::vector<std::string>* flags, std::string* error) {
  std::ifstream in(file);
  if (!in) return true;
  std::string line, section;
  for (int n = 1; std::getline(in, line); ++n) {
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (t.front() == '[' && t.back() == ']') {
      section = t.substr(1, t.size() - 2);
      continue;
    }
    const size_t eq = t.find('=');
    const std::string key = eq == std::string::npos ? "" : trim(t.substr(0, eq));
    if (key.empty()) {
      *error = file.string() + ":" + std::to_string(n) + ": expected `key = value`, got '" + t + "'";
      return false;
    }
    if (section != "libfuzzer") continue;  // other engines' sections (afl, honggfuzz) are theirs
    std::string value = trim(t.substr(eq + 1));
    if (key == "dict" && fs::path(value).is_relative()) value = (file.parent_path() / value).string();
    flags->push_back("-" + key + "=" + value);
  }
  return true;
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* abbrev = sigabbrev_np(sig);
    return "was killed by signal " + std::to_string(sig) + (abbrev ? std::string(" (SIG") + abbrev + ")" : "");
  }
  return "ended with wait status " + std::to_string(status);
}

}  // namespace ptc::cli
