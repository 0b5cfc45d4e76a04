// A problem with a run file: one line a user can act on, and its kind, so that callers choose by
// kind (the CLI's exit code, a dialog's wording) instead of searching the message's text.
//
//   try {
//     RunStore s = RunStore::open("run.grok");
//   } catch (const RunFileError& e) {
//     if (e.kind() == RunFileError::Kind::Newer) ...;  // e.what(): "run.grok: written by a newer ..."
//   }
//
// Threading: a value type.
#pragma once

#include <stdexcept>
#include <string>

namespace grok {

struct RunFileError : std::runtime_error {
  enum class Kind {
    Missing,       // no file at the path
    Foreign,       // not a Grokking Lab run: another file, another SQLite database, a folder, an empty file
    Damaged,       // a run file whose content cannot be read (corrupt, truncated, inconsistent)
    Newer,         // written by a newer Grokking Lab (a newer run format)
    Exists,        // a new run where a file already is, without overwrite
    NoCheckpoint,  // the run holds no checkpoint (at the epoch asked for)
    Unreadable,    // the operating system refuses to tell its size or read it
    Unwritable,    // cannot create or write it (permissions, a missing folder, read-only)
    Busy,          // another connection holds the lock longer than the busy timeout
    DiskFull,      // the disk (or a file size limit) is full
    Io,            // the operating system reported an I/O error
    Other,         // any other SQLite failure (out of memory, a constraint, misuse: the machine or a bug)
  };

  RunFileError(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

// "missing", "foreign", ...: the kind's name, for logs and tests.
const char* to_string(RunFileError::Kind kind);

}  // namespace grok
