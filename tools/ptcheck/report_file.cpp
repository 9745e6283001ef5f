#include "tools/ptcheck/report_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace ptc::cli {

namespace {

// ".NAME.tmp-PID-N" beside the destination: the same folder, so the same file system (rename is atomic
// only there), hidden, and unique per process and call.
std::string temp_path_for(const std::string& path) {
  static std::atomic<unsigned> counter{0};
  const std::filesystem::path p(path);
  const std::string name = "." + p.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" +
                           std::to_string(counter.fetch_add(1));
  return (p.parent_path() / name).string();
}

bool fail(const std::string& path, int err, std::string* error) {
  *error = "cannot write " + path + ": " + std::strerror(err);
  return false;
}

// Creates the temporary file (mode 0666 less the umask, as a plain open would make the report); -1 on failure.
int create_temp(const std::string& temp) {
  return ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
}

}  // namespace

bool write_report_file(const std::string& path, const std::string& text, std::string* error) {
  if (std::filesystem::path(path).filename().empty()) return fail(path, EISDIR, error);
  const std::string temp = temp_path_for(path);
  const int fd = create_temp(temp);
  if (fd < 0) return fail(path, errno, error);
  const char* p = text.data();
  size_t left = text.size();
  int err = 0;
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      err = n < 0 ? errno : EIO;
      break;
    }
    p += n;
    left -= size_t(n);
  }
  // On disk before the rename makes it visible: a crash of the machine leaves the old report or the new one.
  if (!err && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && !err) err = errno;
  if (!err && ::rename(temp.c_str(), path.c_str()) != 0) err = errno;
  if (err) {
    ::unlink(temp.c_str());
    return fail(path, err, error);
  }
  return true;
}

bool report_path_writable(const std::string& path, std::string* error) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return fail(path, EISDIR, error);
  if (std::filesystem::path(path).filename().empty()) return fail(path, EISDIR, error);
  const std::string temp = temp_path_for(path);
  const int fd = create_temp(temp);
  if (fd < 0) return fail(path, errno, error);
  ::close(fd);
  ::unlink(temp.c_str());
  return true;
}

}  // namespace ptc::cli
