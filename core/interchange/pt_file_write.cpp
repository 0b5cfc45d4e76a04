// Writing .pt files (pt_file.h): LibTorch's zip writer over a file descriptor or a string.
#include <caffe2/serialize/inline_container.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>

#include "core/interchange/pt_file.h"
#include "core/store/run_file_error.h"

namespace grok {

namespace {

using Kind = RunFileError::Kind;

[[noreturn]] void fail(Kind k, const std::string& name, const std::string& what) {
  throw RunFileError(k, name + ": " + what);
}

void write_records(const std::function<std::size_t(const void*, std::size_t)>& sink, const std::string& pickle,
                   const PtStorages& storages) {
  caffe2::serialize::PyTorchStreamWriter zip(sink);
  zip.writeRecord("data.pkl", pickle.data(), pickle.size());
  zip.writeRecord("byteorder", "little", 6);  // what PyTorch >= 2.1 writes; older versions ignore it
  for (const auto& [key, bytes] : storages) zip.writeRecord("data/" + key, bytes.data(), bytes.size());
  zip.writeEndOfFile();
}

}  // namespace

std::string pt_bytes(const std::string& pickle, const PtStorages& storages) {
  std::string out;
  write_records(
      [&](const void* data, std::size_t n) {
        out.append(static_cast<const char*>(data), n);
        return n;
      },
      pickle, storages);
  return out;
}

void write_pt_file(const std::string& path, const std::string& pickle, const PtStorages& storages) {
  // A hidden file of its own beside the target (two exports to one path do not share it), synced,
  // then renamed over the target: whatever was at `path` stays until the new file is whole.
  const std::filesystem::path target(path);
  std::string tmp = (target.parent_path() / ("." + target.filename().string() + ".XXXXXX")).string();
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) fail(Kind::Unwritable, path, std::string("cannot create it (") + std::strerror(errno) + ")");
  int write_errno = 0;
  try {
    write_records(
        [&](const void* data, std::size_t n) -> std::size_t {
          for (std::size_t done = 0; done < n && !write_errno;) {
            const ssize_t w = ::write(fd, static_cast<const char*>(data) + done, n - done);
            if (w < 0 && errno != EINTR) write_errno = errno;
            if (w > 0) done += static_cast<std::size_t>(w);
          }
          // Always "written": a short count makes the writer throw, and its destructor then writes
          // the end of the archive again and throws out of a destructor. The error is kept instead.
          return n;
        },
        pickle, storages);
    if (!write_errno && ::fsync(fd) != 0) write_errno = errno;
  } catch (const std::exception&) {
    if (!write_errno) write_errno = EIO;
  }
  if (::close(fd) != 0 && !write_errno) write_errno = errno;
  std::error_code ignored;
  if (write_errno) {
    std::filesystem::remove(tmp, ignored);
    fail(write_errno == ENOSPC ? Kind::DiskFull : Kind::Io, path,
         std::string("cannot write it (") + std::strerror(write_errno) + ")");
  }
  ::chmod(tmp.c_str(), 0644);  // mkstemp's 0600: a checkpoint is for sharing
  std::error_code ec;
  std::filesystem::rename(tmp, target, ec);
  if (ec) {
    std::filesystem::remove(tmp, ignored);
    fail(Kind::Unwritable, path, "cannot put it in place (" + ec.message() + ")");
  }
}

}  // namespace grok
