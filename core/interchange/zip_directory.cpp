#include "core/interchange/internal/zip_directory.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace grok {

namespace {

constexpr std::uint32_t kEndSig = 0x06054b50, kEnd64Sig = 0x06064b50, kLocator64Sig = 0x07064b50,
                        kEntrySig = 0x02014b50;
constexpr std::int64_t kMaxDirectoryBytes = std::int64_t{64} << 20;
constexpr std::uint64_t kMaxRecords = 1'000'000;
constexpr std::int64_t kEndBytes = 22, kMaxComment = 0xffff;

[[noreturn]] void fail(const std::string& what) { throw ZipDirectoryError(what); }

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::uint64_t le(const unsigned char* p, int n) {
  std::uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = v << 8 | p[i];
  return v;
}

std::vector<unsigned char> read_at(std::istream& in, std::int64_t file_size, std::uint64_t at, std::uint64_t n) {
  if (at > static_cast<std::uint64_t>(file_size) || n > static_cast<std::uint64_t>(file_size) - at)
    fail("its zip directory points past the end of the file");
  std::vector<unsigned char> b(n);
  in.clear();
  in.seekg(static_cast<std::streamoff>(at));
  in.read(reinterpret_cast<char*>(b.data()), static_cast<std::streamsize>(n));
  if (static_cast<std::uint64_t>(in.gcount()) != n) fail("cannot read its zip directory");
  return b;
}

// A record's zip64 extra field (id 1) holds, in this order, the sizes and offset whose 32-bit
// fields are all ones.
void zip64_sizes(const unsigned char* extra, std::size_t len, std::uint64_t* size, std::uint64_t* compressed) {
  for (std::size_t i = 0; i + 4 <= len;) {
    const std::uint64_t id = le(extra + i, 2), n = le(extra + i + 2, 2);
    if (i + 4 + n > len) break;
    if (id == 1) {
      std::size_t at = i + 4;
      for (std::uint64_t* v : {size, compressed}) {
        if (*v != 0xffffffff) continue;
        if (at + 8 > i + 4 + n) fail("a zip64 record without its sizes");
        *v = le(extra + at, 8);
        at += 8;
      }
      return;
    }
    i += 4 + n;
  }
  if (*size == 0xffffffff || *compressed == 0xffffffff) fail("a zip64 record without its sizes");
}

}  // namespace

std::int64_t ZipDirectory::size_of(const std::string& record) const {
  const auto it = sizes.find(lower(archive.empty() ? record : archive + "/" + record));
  return it == sizes.end() ? -1 : static_cast<std::int64_t>(it->second);
}

ZipDirectory read_zip_directory(std::istream& in, std::int64_t file_size) {
  // The end record is the last of its signature in the file's final 64 KiB + 22 bytes (miniz
  // searches backwards too, so both readers find the same one).
  const std::int64_t tail_at = std::max<std::int64_t>(0, file_size - kEndBytes - kMaxComment);
  const std::vector<unsigned char> tail = read_at(in, file_size, tail_at, file_size - tail_at);
  std::int64_t end = -1;
  for (std::int64_t i = static_cast<std::int64_t>(tail.size()) - kEndBytes; i >= 0 && end < 0; --i)
    if (le(&tail[i], 4) == kEndSig) end = i;
  if (end < 0) fail("its zip directory is missing (a truncated file?)");
  const unsigned char* e = &tail[end];
  std::uint64_t records = le(e + 10, 2), dir_bytes = le(e + 12, 4), dir_at = le(e + 16, 4);
  // A zip64 locator just before the end record holds the real counts (miniz takes them whenever
  // the locator is there, so this reader does too).
  // miniz looks for it only when the end record lies at least 76 bytes in (locator and zip64 end
  // record before it); so does this reader, or the two could read different directories.
  const std::int64_t locator = tail_at + end - 20;
  std::vector<unsigned char> loc;
  if (tail_at + end >= 76) loc = read_at(in, file_size, locator, 20);
  if (!loc.empty() && le(loc.data(), 4) == kLocator64Sig) {
    const std::vector<unsigned char> e64 = read_at(in, file_size, le(loc.data() + 8, 8), 56);
    if (le(e64.data(), 4) != kEnd64Sig) fail("a zip64 archive without its end record");
    records = le(e64.data() + 32, 8), dir_bytes = le(e64.data() + 40, 8), dir_at = le(e64.data() + 48, 8);
  } else if (records == 0xffff || dir_bytes == 0xffffffff || dir_at == 0xffffffff) {
    fail("a zip64 archive without its locator");
  }
  if (records > kMaxRecords) fail("its zip directory lists more than 1000000 records (oversized)");
  if (dir_bytes > static_cast<std::uint64_t>(kMaxDirectoryBytes)) fail("its zip directory is over 64 MiB (oversized)");
  const std::vector<unsigned char> dir = read_at(in, file_size, dir_at, dir_bytes);

  ZipDirectory out;
  std::size_t at = 0;
  for (std::uint64_t r = 0; r < records; ++r) {
    if (at + 46 > dir.size() || le(&dir[at], 4) != kEntrySig) fail("its zip directory is damaged");
    const unsigned char* h = &dir[at];
    std::uint64_t compressed = le(h + 20, 4), size = le(h + 24, 4);
    const std::size_t name_len = le(h + 28, 2), extra_len = le(h + 30, 2), comment_len = le(h + 32, 2);
    if (at + 46 + name_len + extra_len + comment_len > dir.size()) fail("its zip directory is damaged");
    const std::string name(reinterpret_cast<const char*>(h + 46), name_len);
    // LibTorch looks names up as C strings: one with a NUL (or any control byte) would be another
    // record to it than to this directory.
    for (const unsigned char c : name)
      if (c < 0x20) fail("its zip directory names a record with a control byte");
    zip64_sizes(h + 46 + name_len, extra_len, &size, &compressed);
    if (r == 0) out.archive = name.substr(0, name.find('/') == std::string::npos ? 0 : name.find('/'));
    if (!out.sizes.emplace(lower(name), size).second)
      fail("its zip directory names the record " + name.substr(0, 200) + " twice");
    at += 46 + name_len + extra_len + comment_len;
  }
  return out;
}

}  // namespace grok
