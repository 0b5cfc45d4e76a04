#include "core/store/run_file_error.h"

#include "core/store/internal/sqlite_errors.h"

namespace grok {

const char* to_string(RunFileError::Kind kind) {
  using K = RunFileError::Kind;
  switch (kind) {
    case K::Missing: return "missing";
    case K::Foreign: return "foreign";
    case K::Damaged: return "damaged";
    case K::Newer: return "newer";
    case K::Exists: return "exists";
    case K::NoCheckpoint: return "no checkpoint";
    case K::Unreadable: return "unreadable";
    case K::Unwritable: return "unwritable";
    case K::Busy: return "busy";
    case K::DiskFull: return "disk full";
    case K::Io: return "I/O error";
    case K::Other: return "other";
  }
  return "?";
}

std::string one_line(std::string s) {
  for (auto& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  if (s.size() > 160) s = s.substr(0, 157) + "...";
  return s;
}

void rethrow_as_run_error(const std::string& path, const SqliteError& e) {
  using K = RunFileError::Kind;
  const int primary = e.code & 0xff;
  const std::string what = one_line(e.what());
  if (primary == SQLITE_FULL) throw RunFileError(K::DiskFull, path + ": disk full (" + what + ")");
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB)
    throw RunFileError(K::Damaged, path + ": damaged run file (" + what + ")");
  if (primary == SQLITE_READONLY || primary == SQLITE_CANTOPEN || primary == SQLITE_PERM)
    throw RunFileError(K::Unwritable, path + ": cannot write (" + what + ")");
  if (primary == SQLITE_IOERR) throw RunFileError(K::Io, path + ": I/O error (" + what + ")");
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) throw RunFileError(K::Busy, path + ": " + what);
  // The 5 s bound on reading a file from elsewhere (Db::bound_time), or a value larger than SQLite
  // takes: the file's doing.
  if (primary == SQLITE_ERROR || primary == SQLITE_INTERRUPT || primary == SQLITE_TOOBIG || primary == SQLITE_SCHEMA ||
      primary == SQLITE_MISMATCH || primary == SQLITE_RANGE || primary == SQLITE_FORMAT)
    throw RunFileError(K::Damaged, path + ": damaged run file (" + what + ")");
  throw RunFileError(K::Other, path + ": " + what);
}

}  // namespace grok
