// The lock a process holds on a run while it trains or writes it (an OFD lock on a file beside it:
// run.grok -> run.lock, runs/run-007.grok -> runs/run-007.lock).
//
// Why: two trainers of one run would interleave their checkpoints, and replacing a run that
// another process trains (train --force, Replace in the window, fork or import over it) would leave
// that trainer writing into a deleted file. So every writer of a run's training (RunStore::create,
// RunStore::open in Mode::Train) holds this lock for as long as it lives, a second one is refused
// in one line, a sweep's `status` shows which runs train, and a reader knows whether anyone writes
// a file it opens (run_store.cpp opens an unheld run without touching its folder).
//
// OFD locks (not POSIX process locks): two descriptions conflict even inside one process, and
// closing some other descriptor of the file never drops them. The lock file is removed when the
// lock is released; a lock taken on a file that was removed meanwhile is taken again.
//
//   if (std::optional<RunLock> l = RunLock::try_acquire(run_lock_path("run.grok"))) ...  // held until destroyed
//   RunLock::is_held("run.lock")   // true while another description holds it
//
// Threading: a RunLock is a value owned by one thread at a time; the functions are thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>

namespace grok {

// "run.grok" -> "run.lock"; a path without the .grok extension gets ".lock" appended.
std::string run_lock_path(const std::string& run_path);

class RunLock {
 public:
  // nullopt if another process (or another RunLock in this one) holds it. Throws RunFileError
  // (Unwritable) when the lock file cannot be made, or the filesystem has no POSIX record locks.
  static std::optional<RunLock> try_acquire(const std::string& lock_path);
  static bool is_held(const std::string& lock_path);  // tests without taking it
  RunLock(RunLock&& o) noexcept;
  RunLock& operator=(RunLock&&) = delete;
  RunLock(const RunLock&) = delete;
  ~RunLock();

 private:
  RunLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::string path_;
};

// A trainer's lock on the run at `run_path` (RunStore::create, open in Mode::Train), or
// RunFileError: Busy, one line, while another holds it; Unwritable when it cannot be made there.
std::unique_ptr<RunLock> lock_run(const std::string& run_path);

// Whether a connection may have the run at `run_path` open to write: a -wal, -shm or -journal
// beside it, or a trainer's lock held. False: the file is at rest, and an idle reader of it in the
// rollback journal holds no lock that would keep a writer out.
bool written_now(const std::string& run_path);

// How a reader opens the run at `run_path` read-only without writing beside it. A run at rest is in
// the rollback journal (RunStore puts it back when its writer closes), which a read-only connection
// reads writing nothing: "". A file in WAL mode (from an older build, or one whose writer could not
// put it back) needs a -shm beside it, unless it is opened immutable: an SQLite URI with
// immutable=1 when no connection has it open (no -wal, -shm or -journal) and no trainer holds its
// lock; "" when someone may be writing it, and a shared WAL read is needed.
std::string read_only_uri(const std::string& run_path);

}  // namespace grok
