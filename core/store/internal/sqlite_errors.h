// SQLite's failures as RunFileErrors: each SQLite result code becomes a kind and one line that names
// the run file (the path the user gave, also while a replacement is written under another name).
//
//   return guarded(path, [&] { return db.scalar_int("PRAGMA user_version"); });
//
// Threading: free functions.
#pragma once

#include <string>

#include "core/store/internal/sqlite_db.h"
#include "core/store/run_file_error.h"

namespace grok {

// SQLite's integrity messages span lines; a user-facing error is one line.
std::string one_line(std::string s);

// "disk full", "damaged run file", "cannot write", "I/O error" or SQLite's own words, after `path: `.
[[noreturn]] void rethrow_as_run_error(const std::string& path, const SqliteError& e);

template <typename F>
auto guarded(const std::string& path, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const SqliteError& e) {
    rethrow_as_run_error(path, e);
  }
}

}  // namespace grok
