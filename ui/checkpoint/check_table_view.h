// The Section 4.4 check table of one checkpoint (core/analysis/ablation_checks.h): one row a check
// with its loss and accuracy, and a note with the key frequencies and the fit. While the next
// checkpoint's table computes, the rows keep their size and show "...", so the dock does not jump.
// The note names the basis the checks ablate in (the operation's group, core/base/operation_group.h).
//
//   CheckTableView v;
//   v.showComputing(1200);
//   v.setChecks(1200, checks, Task(cfg).group());
//
// Threading: GUI thread only.
#pragma once

#include <QWidget>

class QLabel;
class QTableWidget;

namespace grok {

struct AblationChecks;
struct OperationGroup;

class CheckTableView : public QWidget {
  Q_OBJECT
 public:
  explicit CheckTableView(QWidget* parent = nullptr);
  void showComputing(int epoch);
  void setChecks(int epoch, const AblationChecks& checks, const OperationGroup& group);
  void clear();
  // Why there are no checks (a task without a group), in the note's place; "" takes it away.
  void setNotice(const QString& text);
  QTableWidget* table() const { return table_; }
  QString note() const;

 private:
  QTableWidget* table_;
  QLabel* note_;
};

}  // namespace grok
