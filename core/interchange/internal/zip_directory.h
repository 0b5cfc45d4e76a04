// What a zip archive's central directory declares for each record, read before LibTorch's zip
// reader touches a record.
//
// Why: LibTorch (miniz) allocates a record's size as the directory declares it and then inflates
// into it, so a deflate bomb of a few MiB (or a stored record whose declared size lies) costs GiBs
// before any check of ours could run. Reading the directory first lets the .pt reader charge every
// record against its budget, and refuse names miniz would confuse (miniz finds records without
// regard to case, so two names that differ only in case are one record to it).
//
//   ZipDirectory dir = read_zip_directory(in, file_size);   // throws ZipDirectoryError, one line
//   dir.archive                        -> "archive" (the first record's folder, as LibTorch takes it)
//   dir.size_of("data.pkl")            -> declared size of "archive/data.pkl", or -1 if absent
//
// Bounds: the directory itself at most 64 MiB and 1 000 000 records; names at most 64 KiB.
// Threading: a function of its arguments; `in` is left at an unspecified position.
#pragma once

#include <cstdint>
#include <istream>
#include <map>
#include <stdexcept>
#include <string>

namespace grok {

struct ZipDirectoryError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct ZipDirectory {
  std::string archive;                         // the first record's top folder ("" if it has none)
  std::map<std::string, std::uint64_t> sizes;  // lower-cased full name -> declared uncompressed size

  // The declared size of `archive/record`, or -1 if the directory has no such record.
  std::int64_t size_of(const std::string& record) const;
};

ZipDirectory read_zip_directory(std::istream& in, std::int64_t file_size);

}  // namespace grok
