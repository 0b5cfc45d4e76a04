#include "core/store/file_beside.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

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

void write_file_beside(const std::string& path, const std::function<void(FileSink&)>& produce, unsigned mode) {
  const fs::path target(path);
  std::string tmp = (target.parent_path() / ("." + target.filename().string() + ".XXXXXX")).string();
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) throw RunFileError(Kind::Unwritable, path + ": cannot write the file (" + std::strerror(errno) + ")");
  FileSink sink(fd);
  std::error_code ignored;
  try {
    produce(sink);
  } catch (...) {
    ::close(fd);
    fs::remove(tmp, ignored);
    throw;
  }
  if (!sink.error_ && ::fsync(fd) != 0) sink.error_ = errno;
  if (::close(fd) != 0 && !sink.error_) sink.error_ = errno;
  if (sink.error_) {
    fs::remove(tmp, ignored);
    throw RunFileError(sink.error_ == ENOSPC ? Kind::DiskFull : Kind::Io,
                       path + ": cannot write the file (" + std::strerror(sink.error_) + ")");
  }
  ::chmod(tmp.c_str(), mode);
  std::error_code ec;
  fs::rename(tmp, target, ec);
  if (ec) {
    fs::remove(tmp, ignored);
    throw RunFileError(Kind::Unwritable, path + ": cannot put the file in place (" + ec.message() + ")");
  }
}

}  // namespace grok
