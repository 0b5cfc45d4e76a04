// The reference run (a baseline) the dashboard draws under the open run's curves: every follow-up
// recipe is judged against a baseline with the same settings, so the window says in which config
// fields the two differ, and flags a different task (operation or p), which is allowed.
//
// It is read-only (RunStore::open read-only; WAL lets it be read while another process trains it)
// and re-read when its file changes: a timer compares the sizes and times of the file and its WAL
// every two seconds (ui/jobs/run_file_stamp.h; a trainer commits at checkpoints), no busy loop and
// no thread. A re-read of a run that grew reads only the epochs added since the last one
// (run_contents.h, loadRunTail). Its measures are the live ones
// stored by training (KeySelection::Live).
//
//   ReferenceRun ref;
//   QString err = ref.set("base.grok");  // "" or one line; on an error the previous reference stays
//   connect(&ref, &ReferenceRun::changed, ...);  // set, re-read or cleared
//   ReferenceDescription d = describeReference(openCfg, ref.contents().cfg, ref.name());
//   // d.line == "Reference: base.grok · differs in weight_decay"
//
// Threading: GUI thread only.
#pragma once

#include <QObject>
#include <QString>
#include <QStringList>
#include <QTimer>

#include "core/base/config.h"
#include "ui/jobs/run_file_stamp.h"
#include "ui/window/run_contents.h"

namespace grok {

class ReferenceRun : public QObject {
  Q_OBJECT
 public:
  explicit ReferenceRun(QObject* parent = nullptr);
  // Reads the run at `path` and makes it the reference: "" or one line naming the problem (a missing,
  // damaged or foreign file), leaving the previous reference as it was.
  QString set(const QString& path);
  void clear();
  bool active() const { return !path_.isEmpty(); }
  QString path() const { return path_; }
  QString name() const;  // the file name, for legends
  const RunContents& contents() const { return run_; }
  // Re-reads the file if it changed since the last read; true if it was re-read. The timer calls it;
  // a file that cannot be read now (being replaced, deleted) leaves what was read before.
  bool poll();
  void setPollInterval(int ms) { timer_.setInterval(ms); }

 signals:
  void changed();  // set, re-read or cleared

 private:
  QTimer timer_;
  QString path_;
  RunFileStamp stamp_;
  RunContents run_;
};

// Config fields in which two runs differ, in config_fields() order; `differentTask` when the
// operation or p differs (the curves then measure different tasks).
struct ReferenceDescription {
  QStringList fields;  // e.g. {"weight_decay"}
  bool differentTask = false;
  QString line;     // one status-bar line: "Reference: base.grok · differs in weight_decay"
  QString details;  // a tooltip: the path and every differing field with both values
};
// `title` begins the line instead of "Reference: <name>" (a fork's: "Forked from <name> at epoch E ...").
ReferenceDescription describeReference(const Config& open, const Config& reference, const QString& referencePath,
                                       const QString& title = {});

}  // namespace grok
