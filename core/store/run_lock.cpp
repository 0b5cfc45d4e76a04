#include "core/store/run_lock.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/store/run_file_error.h"

namespace grok {

std::string run_lock_path(const std::string& run_path) {
  const std::string ext = ".grok";
  if (run_path.size() > ext.size() && run_path.compare(run_path.size() - ext.size(), ext.size(), ext) == 0)
    return run_path.substr(0, run_path.size() - ext.size()) + ".lock";
  return run_path + ".lock";
}

std::optional<RunLock> RunLock::try_acquire(const std::string& lock_path) {
  // A holder removes the file as it lets go: a lock taken on a file no longer at the path locks
  // nothing anyone else sees, so it is taken again on the new one.
  for (int attempt = 0; attempt < 100; ++attempt) {
    const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
      throw RunFileError(RunFileError::Kind::Unwritable,
                         lock_path + ": cannot make the lock file (" + std::strerror(errno) + ")");
    struct flock fl {};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (::fcntl(fd, F_OFD_SETLK, &fl) != 0) {
      const int err = errno;
      ::close(fd);
      // Held by another: EACCES or EAGAIN. Anything else is the filesystem's (no POSIX locks on it,
      // no lock space left): say so, instead of reading it as a run someone else trains.
      if (err == EACCES || err == EAGAIN) return std::nullopt;
      throw RunFileError(RunFileError::Kind::Unwritable, lock_path + ": cannot lock the run (" + std::strerror(err) +
                                                             "): its filesystem does not support POSIX record locks");
    }
    struct stat held {
    }, now{};
    if (::fstat(fd, &held) == 0 && ::stat(lock_path.c_str(), &now) == 0 && held.st_ino == now.st_ino &&
        held.st_dev == now.st_dev)
      return RunLock(fd, lock_path);
    ::close(fd);
  }
  return std::nullopt;
}

bool RunLock::is_held(const std::string& lock_path) {
  const int fd = ::open(lock_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct flock fl {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  const bool held = ::fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
  ::close(fd);
  return held;
}

RunLock::RunLock(RunLock&& o) noexcept : fd_(o.fd_), path_(std::move(o.path_)) { o.fd_ = -1; }

RunLock::~RunLock() {
  if (fd_ < 0) return;
  ::unlink(path_.c_str());  // before the lock goes: whoever opens the path next makes a new file
  ::close(fd_);             // closing the only descriptor of the description releases the lock
}

std::unique_ptr<RunLock> lock_run(const std::string& run_path) {
  const std::string lock = run_lock_path(run_path);
  const auto acquire = [&] {
    try {
      return RunLock::try_acquire(lock);
    } catch (const RunFileError& e) {
      throw RunFileError(e.kind(), run_path + ": cannot write the run there (" + e.what() + ")");
    }
  };
  std::optional<RunLock> l = acquire();
  if (!l)
    throw RunFileError(RunFileError::Kind::Busy, run_path + ": another process is training or writing it (" +
                                                     std::filesystem::path(lock).filename().string() +
                                                     " is held); stop it first");
  return std::make_unique<RunLock>(std::move(*l));
}

bool written_now(const std::string& run_path) {
  std::error_code ec;
  for (const char* companion : {"-wal", "-shm", "-journal"})
    if (std::filesystem::exists(run_path + companion, ec)) return true;
  return RunLock::is_held(run_lock_path(run_path));
}

std::string read_only_uri(const std::string& run_path) {
  // Only a file in WAL mode (header bytes 18 and 19 are 2) needs it: in the rollback journal a
  // read-only connection writes nothing beside the file, and SQLite's locks keep writers off.
  char header[20] = {};
  std::ifstream(run_path, std::ios::binary).read(header, sizeof header);
  if (header[18] != 2 || header[19] != 2) return {};
  if (written_now(run_path)) return {};
  std::error_code ec;
  const std::string absolute = std::filesystem::absolute(run_path, ec).string();
  if (ec || absolute.empty() || absolute[0] != '/') return {};
  std::string uri = "file://";  // an empty authority: the path may itself begin with //
  for (const unsigned char c : absolute) {
    if (std::isalnum(c) || c == '/' || c == '.' || c == '-' || c == '_') {
      uri += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      uri += buf;
    }
  }
  return uri + "?immutable=1";
}

}  // namespace grok
