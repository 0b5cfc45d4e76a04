#include "ui/jobs/run_file_stamp.h"

#include <QFileInfo>

namespace grok {

RunFileStamp RunFileStamp::of(const QString& path) {
  RunFileStamp s;
  const QFileInfo f(path), wal(path + "-wal");
  if (f.exists()) s.size = f.size(), s.modified = f.lastModified();
  // An empty WAL is no news: a reader creates one where the trainer's close removed it.
  if (wal.exists() && wal.size() > 0) s.walSize = wal.size(), s.walModified = wal.lastModified();
  return s;
}

}  // namespace grok
