// Whether a run file changed since it was last looked at, told on the GUI thread without reading
// it: the file's and its WAL's size and modification time (microseconds a run).
//
// Why: the views that follow runs another process writes (the Compare view's sweep, the window's
// open run while `grokking-cli train` or a Slurm job trains it) poll every few seconds, and a
// SQLite read is milliseconds where a stat is microseconds. A trainer commits each checkpoint into
// the WAL, so a growing run changes its stamp; a run created over the path (train --force) is
// another file and changes it too.
//
//   RunFileStamp s = RunFileStamp::of("run.grok");
//   if (!(s == last)) { last = s; /* re-read what is new, off the GUI thread */ }
//
// Threading: any thread; a plain value.
#pragma once

#include <QDateTime>
#include <QString>

namespace grok {

struct RunFileStamp {
  qint64 size = -1, walSize = -1;  // -1: no such file (or, for the WAL, an empty one)
  QDateTime modified, walModified;

  static RunFileStamp of(const QString& path);
  bool operator==(const RunFileStamp& o) const {
    return size == o.size && walSize == o.walSize && modified == o.modified && walModified == o.walModified;
  }
  bool operator!=(const RunFileStamp& o) const { return !(*this == o); }
};

}  // namespace grok
