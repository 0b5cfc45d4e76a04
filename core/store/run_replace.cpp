// Putting a replacement run in place of the old one (the steps and why: internal/run_replace.h).
#include "core/store/internal/run_replace.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "core/store/file_beside.h"
#include "core/store/internal/sqlite_errors.h"
#include "core/store/run_store.h"

namespace grok {
namespace fs = std::filesystem;
using Kind = RunFileError::Kind;

namespace {

std::atomic<void (*)(int)> g_step_hook{nullptr};

void step_done(int step) {
  if (auto hook = g_step_hook.load()) hook(step);
}

std::shared_mutex& replace_window() {
  static std::shared_mutex m;
  return m;
}

void remove_companions(const std::string& file) {
  std::error_code ec;
  for (const char* suffix : {"-wal", "-shm", "-journal"}) fs::remove(file + suffix, ec);
}

// The whole WAL into the main file and the WAL emptied; false if a reader or writer kept it from
// finishing within the busy timeout.
bool checkpoint_all(Db& db) {
  Stmt s = db.prepare("PRAGMA wal_checkpoint(TRUNCATE)");
  return s.step() && s.int64(0) == 0;
}

// Step 1: every commit of the old run into its main file, then its -wal and -shm away (and a
// -journal: beside the new file it would be taken for a hot journal and rolled back into it).
void retire_old_run(const std::string& path) {
  bool complete = true;
  try {
    Db old(path, SQLITE_OPEN_READWRITE);
    complete = checkpoint_all(old);
  } catch (const SqliteError& e) {
    const int primary = e.code & 0xff;
    complete = primary != SQLITE_BUSY && primary != SQLITE_LOCKED;
    // Otherwise not a database we can checkpoint (another file, a damaged or read-only one): no WAL
    // of a run to keep.
  }
  if (!complete) throw RunFileError(Kind::Busy, path + ": cannot replace it while another program writes it");
  remove_companions(path);
}

// Makes the rename survive a power cut (the folder's entry is data of the folder).
void sync_folder(const std::string& path) {
  const std::string dir = fs::path(path).parent_path().string();
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

std::string make_replacement_file(const std::string& path) {
  const fs::path p(path);
  std::string name = (p.parent_path() / ("." + p.filename().string() + ".new-XXXXXX")).string();
  const int fd = ::mkstemp(name.data());
  if (fd < 0)
    throw RunFileError(Kind::Unwritable, path + ": cannot write a new run beside it (" + std::strerror(errno) + ")");
  // mkstemp makes 0600: the old run's permissions, or a new file's (0666 less the umask).
  struct stat old {};
  ::fchmod(fd, ::stat(path.c_str(), &old) == 0 ? old.st_mode & 07777 : 0666 & ~process_umask());
  ::close(fd);  // before SQLite opens it: closing a descriptor drops the process's POSIX locks on the file
  return name;
}

void set_writer_pragmas(Db& db) {
  // NORMAL in WAL mode: a committed checkpoint survives a killed process; only a power cut can lose
  // the last commits, never corrupt the file.
  db.exec("PRAGMA synchronous=NORMAL");
  db.exec("PRAGMA foreign_keys=ON");
}

std::shared_lock<std::shared_mutex> no_replacement_under_way() {
  return std::shared_lock<std::shared_mutex>(replace_window());
}

void set_replace_step_hook_for_tests(void (*hook)(int step)) { g_step_hook = hook; }

void RunStore::replace_old_run() {
  guarded(path_, [&] {
    if (!checkpoint_all(*db_))  // nobody else knows the file: cannot happen, but never rename a pending WAL
      throw RunFileError(Kind::Busy, path_ + ": cannot finish writing the new run (its WAL is in use)");
    db_.reset();  // the last connection: SQLite removes the (empty) -wal and -shm
    remove_companions(temporary_);
    step_done(0);
    std::unique_lock<std::shared_mutex> window(replace_window());
    retire_old_run(path_);
    step_done(1);
    if (::rename(temporary_.c_str(), path_.c_str()) != 0)
      throw RunFileError(Kind::Unwritable, path_ + ": cannot put the new run in place (" + std::strerror(errno) + ")");
    temporary_.clear();
    sync_folder(path_);
    step_done(2);
    db_ = std::make_unique<Db>(path_, SQLITE_OPEN_READWRITE);
    set_writer_pragmas(*db_);
    if (synced_commits_) db_->exec("PRAGMA synchronous=FULL");
    db_->scalar_int("PRAGMA user_version");  // a first read creates its -wal and -shm, inside the window
  });
  apply_size_limit();
}

void RunStore::discard_temporary() {
  if (temporary_.empty()) return;
  db_.reset();  // closed before its files go
  std::error_code ec;
  fs::remove(temporary_, ec);
  remove_companions(temporary_);
  temporary_.clear();
}

}  // namespace grok
