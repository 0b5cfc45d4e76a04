// The key-frequency set the restricted and excluded losses use (paper Section 5.1), as the
// toolbar's combo box picks it: each checkpoint's own (live), the newest checkpoint's, or a typed
// set. The typed entry offers the newest checkpoint's detected set to edit, which is valid for
// the run's p whatever it is. Frequencies are the operation's group's (core/base/operation_group.h):
// 1..K, K = n/2 of Z_n, the prompt naming the basis ("over log_3 x (Z_112)").
//
//   KeySetChooser k;
//   k.setRun("run.grok", Task(cfg).group());
//   connect(&k, &KeySetChooser::chosen, ...);  // then k.keys(): nullopt = live
//
// Threading: GUI thread only. Picking the newest checkpoint's set reads one checkpoint's W_L on the
// GUI thread (milliseconds; no forward pass).
#pragma once

#include <QComboBox>
#include <optional>
#include <vector>

#include "core/base/key_selection.h"
#include "core/base/operation_group.h"

namespace grok {

// The frequencies core detects in the newest checkpoint of the run at `path` (empty without a
// checkpoint). Throws RunFileError.
std::vector<int> newestDetectedKeys(const QString& path);

class KeySetChooser : public QComboBox {
  Q_OBJECT
 public:
  enum Entry { Live, Newest, Typed };
  explicit KeySetChooser(QWidget* parent = nullptr);
  void setRun(const QString& path, const OperationGroup& group);  // the run the next choice applies to
  void reset();                                                   // back to live
  // While set, a choice is refused with a message and the combo shows the set in use.
  void setLocked(bool locked, const QString& why = {});
  std::optional<std::vector<int>> keys() const { return keys_; }  // nullopt: live
  KeySelection selection() const;

 signals:
  void chosen();                        // keys() changed
  void failed(const QString& message);  // the choice was refused or its set is invalid

 private:
  void choose(int index);
  QString path_;
  OperationGroup group_;
  std::optional<std::vector<int>> keys_;
  bool locked_ = false;
  QString lockReason_;
};

}  // namespace grok
