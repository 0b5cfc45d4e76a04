// Overwriting a run without losing it first: RunStore::create(..., overwrite=true) on an existing
// file, the CLI's `train --force` and the GUI's "Replace?".
//
// Why: deleting the old .grok, -wal and -shm before the new file existed lost the old run to any
// failure or kill in between. Now the new run is written beside it under a hidden name in the same
// folder (make_replacement_file: "runs/.run.grok.new-XXXXXX") and RunStore::replace_old_run puts it
// in place after its first checkpoint commits:
//   0. the new file's WAL is checkpointed into it and its connection closed: a WAL belongs to a path,
//      so a file renamed with commits in its WAL would lose them;
//   1. the old run's WAL is checkpointed into the old file, then its -wal and -shm are removed
//      (left beside the renamed file, SQLite would take them for the new file's and replay them);
//   2. rename(2) puts the new file in place atomically, and the folder is synced;
//   3. the new file is opened again under its own name (WAL mode is stored in the file).
// A kill before 2 leaves the old run whole (after 1 every commit of it is in its main file) and a
// hidden temporary file nothing reads; from 2 on the path holds the new run with its first
// checkpoint. A failure (an exception) removes the temporary file and its -wal/-shm.
//
// Readers: one that opened the old run keeps reading it, consistently: its descriptors hold the old
// file, its WAL and its shared memory (POSIX keeps unlinked files for their holders), and SQLite
// sees that the path has moved and leaves the new run's -wal/-shm alone when it closes. A reader
// that opens the path between 1 and 2 would attach the old file to the -wal/-shm the new run then
// uses; RunStore::open waits for that window in this process (it shares memory with the writer,
// where SQLite cannot tell the two files apart), another process would only misread the old run.
//
// Threading: called by RunStore on the thread that uses it; the window lock is process-wide.
#pragma once

#include <shared_mutex>
#include <string>

#include "core/store/internal/sqlite_db.h"

namespace grok {

// Creates an empty file beside `path` for its replacement, with the old file's permissions; returns
// its name. Throws RunFileError (Unwritable) if the folder refuses.
std::string make_replacement_file(const std::string& path);

// What every connection that writes a run sets (per connection, not stored in the file).
void set_writer_pragmas(Db& db);

// Held shared while RunStore::open attaches to a path; replace_old_run holds it exclusively from
// removing the old run's -wal/-shm until the new file has its own.
std::shared_lock<std::shared_mutex> no_replacement_under_way();

}  // namespace grok
