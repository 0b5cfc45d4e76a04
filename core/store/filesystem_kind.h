// Which filesystem a run is written on, and whether SQLite's WAL may be used there.
//
// Why: WAL mode shares its index through a memory-mapped -shm file, which only works between
// processes of one machine; on a network filesystem (NFS, Lustre, GPFS, CIFS, ...) a reader on
// another node (`sweep status` on a login node while array tasks train) would read a torn index.
// There a run is trained in SQLite's rollback-journal mode, which relies on POSIX record locks
// alone, and only after a self-test shows the filesystem honours them (two open file descriptions
// of the run's lock file must conflict); otherwise training is refused in one line naming the
// filesystem. docs/run-format.md, "Shared filesystems".
//
//   FilesystemKind k = filesystem_of("/shared/fractions/runs/run-000.grok");  // {"nfs", true}
//
// Threading: functions of their arguments (the test override is process-wide, set before use).
#pragma once

#include <string>

namespace grok {

struct FilesystemKind {
  std::string name;      // "nfs", "lustre", "ext4", ... ("unknown" if statfs fails)
  bool network = false;  // WAL's shared memory does not reach other machines
};

// The filesystem holding `path` (its folder, for a file that does not exist yet).
FilesystemKind filesystem_of(const std::string& path);

// Throws RunFileError(Unwritable) naming the filesystem unless a second open file description of
// `lock_path` sees the lock the caller holds on it through another description.
void check_locks_work(const std::string& lock_path, const FilesystemKind& fs);

// Tests: report every path as on filesystem `name` (a network one when it is one of those known);
// nullptr restores statfs.
void set_filesystem_for_tests(const char* name);

}  // namespace grok
