// Writing a file the way every export does (export-csv, export-pt, the window's exports): into a
// hidden temporary file of its own beside the target, synced, then renamed over it.
//
// Why: truncating the target first loses what was there when the writing fails halfway (a full
// disk, a run that turns out damaged while it is read); written beside, the old file stays until
// the new one is whole, and a failure leaves no temporary file behind. Two writers of one path
// never share a temporary file (mkstemp).
//
//   write_file_beside("metrics.csv", [&](FileSink& out) { out.write(text.data(), text.size()); });
//
// Throws RunFileError: Unwritable (the folder refuses the file or the rename), DiskFull (ENOSPC),
// Io (any other write error, EFBIG included); whatever the producer throws passes through, the
// temporary file removed. Threading: a function of its arguments.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <string>

namespace grok {

// Where the producer writes. It never throws: the first error is kept and ends the writing, so a
// producer that cannot stop midway (LibTorch's zip writer) is not thrown through.
class FileSink {
 public:
  void write(const void* data, std::size_t n);
  bool failed() const { return error_ != 0; }

 private:
  friend void write_file_beside(const std::string&, const std::function<void(FileSink&)>&);
  explicit FileSink(int fd) : fd_(fd) {}
  int fd_;
  int error_ = 0;
};

// The new file keeps the old one's permissions, or gets a new file's (0666 less the umask). A link
// is written through (the new file goes beside its target); a device or pipe (/dev/stdout, a FIFO)
// is written directly, as it cannot be replaced.
void write_file_beside(const std::string& path, const std::function<void(FileSink&)>& produce);

// The process's umask, read without setting it (umask() would change it for every thread meanwhile).
mode_t process_umask();

}  // namespace grok
