#include "core/store/filesystem_kind.h"

#include <fcntl.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>

#include "core/store/run_file_error.h"

namespace grok {

namespace {

struct Known {
  long magic;
  const char* name;
  bool network;
};

// statfs f_type values (linux/magic.h and the filesystems' own headers).
constexpr Known kKnown[] = {
    {0x6969, "nfs", true},
    {0xff534d42, "cifs", true},
    {0xfe534d42, "smb2", true},
    {0x517b, "smb", true},
    {0x0bd00bd0, "lustre", true},
    {0x47504653, "gpfs", true},
    {0x00c36400, "ceph", true},
    {0x19830326, "beegfs", true},
    {0xaad7aaea, "panfs", true},
    {0x5346414f, "afs", true},
    {0x01021997, "9p", true},
    {0x65735546, "fuse", true},
    {0x7461636f, "ocfs2", true},
    {0x01161970, "gfs2", true},
    {0xef53, "ext4", false},
    {0x58465342, "xfs", false},
    {0x9123683e, "btrfs", false},
    {0x01021994, "tmpfs", false},
    {0x794c7630, "overlayfs", false},
    {0x2fc12fc1, "zfs", false},
    {0xf2f52010, "f2fs", false},
};

std::atomic<const char*> g_override{nullptr};

}  // namespace

FilesystemKind filesystem_of(const std::string& path) {
  if (const char* forced = g_override.load()) {
    for (const Known& k : kKnown)
      if (std::string(forced) == k.name) return {k.name, k.network};
    return {forced, false};
  }
  std::error_code ec;
  std::filesystem::path p(path);
  if (!std::filesystem::exists(p, ec)) p = p.parent_path().empty() ? "." : p.parent_path();
  struct statfs st {};
  if (::statfs(p.c_str(), &st) != 0) return {"unknown", false};
  for (const Known& k : kKnown)
    if (static_cast<unsigned long>(st.f_type) == static_cast<unsigned long>(k.magic)) return {k.name, k.network};
  char hex[32];
  std::snprintf(hex, sizeof hex, "0x%lx", static_cast<unsigned long>(st.f_type));
  return {hex, false};
}

void check_locks_work(const std::string& lock_path, const FilesystemKind& fs) {
  const int fd = ::open(lock_path.c_str(), O_RDONLY | O_CLOEXEC);
  struct flock fl {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  const bool seen = fd >= 0 && ::fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
  if (fd >= 0) ::close(fd);
  if (!seen)
    throw RunFileError(RunFileError::Kind::Unwritable,
                       lock_path + ": its filesystem (" + fs.name +
                           ") does not honour POSIX record locks (the lock self-test failed), so SQLite cannot "
                           "keep a run consistent there; train on a local disk, or mount it with locking");
}

void set_filesystem_for_tests(const char* name) { g_override = name; }

}  // namespace grok
