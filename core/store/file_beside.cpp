#include "core/store/file_beside.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/store/run_file_error.h"

namespace grok {

namespace fs = std::filesystem;
using Kind = RunFileError::Kind;

void FileSink::write(const void* data, std::size_t n) {
  for (std::size_t done = 0; done < n && !error_;) {
    const ssize_t w = ::write(fd_, static_cast<const char*>(data) + done, n - done);
    if (w < 0 && errno != EINTR) error_ = errno;
    if (w > 0) done += static_cast<std::size_t>(w);
  }
}

mode_t process_umask() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("Umask:", 0) == 0) return static_cast<mode_t>(std::strtol(line.c_str() + 6, nullptr, 8));
  return 022;
}

void write_file_beside(const std::string& path, const std::function<void(FileSink&)>& produce) {
  // A link is written through: the new file goes beside what it points to, and the link stays.
  std::error_code ec;
  fs::path target(path);
  if (fs::is_symlink(target, ec)) {
    const fs::path resolved = fs::canonical(target, ec);
    if (!ec) target = resolved;
  }
  struct stat old {};
  const bool exists = ::stat(target.c_str(), &old) == 0;
  // A device or a pipe (/dev/stdout, a FIFO) cannot be replaced: it is written as it is.
  const bool direct = exists && !S_ISREG(old.st_mode);
  std::string tmp = (target.parent_path() / ("." + target.filename().string() + ".XXXXXX")).string();
  const int fd = direct ? ::open(target.c_str(), O_WRONLY | O_CLOEXEC) : ::mkstemp(tmp.data());
  if (fd < 0) throw RunFileError(Kind::Unwritable, path + ": cannot write the file (" + std::strerror(errno) + ")");
  FileSink sink(fd);
  std::error_code ignored;
  const auto discard = [&] {
    if (!direct) fs::remove(tmp, ignored);
  };
  try {
    produce(sink);
  } catch (...) {
    ::close(fd);
    discard();
    throw;
  }
  if (!sink.error_ && !direct && ::fsync(fd) != 0) sink.error_ = errno;
  if (::close(fd) != 0 && !sink.error_) sink.error_ = errno;
  if (sink.error_) {
    discard();
    throw RunFileError(sink.error_ == ENOSPC ? Kind::DiskFull : Kind::Io,
                       path + ": cannot write the file (" + std::strerror(sink.error_) + ")");
  }
  if (direct) return;
  // mkstemp makes 0600: the old file's permissions, or a new file's (0666 less the umask).
  ::chmod(tmp.c_str(), exists ? old.st_mode & 07777 : 0666 & ~process_umask());
  fs::rename(tmp, target, ec);
  if (ec) {
    discard();
    throw RunFileError(Kind::Unwritable, path + ": cannot put the file in place (" + ec.message() + ")");
  }
}

}  // namespace grok
