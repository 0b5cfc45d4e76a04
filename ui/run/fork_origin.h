// Where a forked run comes from: Trainer::fork (core/training/trainer.h) records its parent's file,
// the epoch forked and whether the optimizer state carried over in the run file's meta. The window
// draws the parent under a fork's curves and says where it came from; the Compare view's table too.
//
//   ForkOrigin o = readForkOrigin("base-fork-e600.grok");
//   if (o.isFork()) label->setText(o.describe());  // "forked from base.grok at epoch 600 (optimizer: parent)"
//
// Threading: plain values; the readers open a connection of their own (any thread).
#pragma once

#include <QString>

namespace grok {

class RunStore;

struct ForkOrigin {
  QString parent;     // the parent's absolute path as recorded; "" for a run that is no fork
  int epoch = -1;     // the parent's checkpoint the fork started from
  QString optimizer;  // "parent" (its AdamW moments carried over) or "fresh"
  bool isFork() const { return !parent.isEmpty(); }
  QString parentName() const;  // the parent's file name
  bool parentExists() const;
  QString describe() const;  // "forked from base.grok at epoch 600 (optimizer: parent)"; "" if no fork
};

ForkOrigin forkOrigin(const RunStore& store);
// Where a run came from, in a line: "forked from base.grok at epoch 600 (optimizer: parent)",
// "imported from model.pt", or "trained here"; "" when the file cannot be read.
QString runOriginLine(const QString& path);
ForkOrigin readForkOrigin(const QString& path);  // no fork when the file cannot be read

}  // namespace grok
