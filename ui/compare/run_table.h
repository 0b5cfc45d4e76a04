// The Compare view's table: a row per run with its varied fields, seed, state, newest epoch, the
// epoch of 99 % test accuracy and the phase of Liu et al.; a checkbox per run (which runs the
// overlays draw) and the run's colour (the view's "colour by"). A double click asks for the run in
// the main dashboard. When a run is a fork (ui/run/fork_origin.h), a "fork of" column names its
// parent and the epoch its curves begin at.
//
//   RunTable t;
//   t.setRuns(source.varied(), source.runs(), ColourScale::of("lr", source.runs()));
//   connect(&t, &RunTable::checkedChanged, ...);  // t.checkedRows()
//
// Rows are the runs in order (a sweep's index); updates keep the checkboxes.
//
// Threading: GUI thread only.
#pragma once

#include <QSet>
#include <QTableWidget>

#include "ui/compare/compare_data.h"

namespace grok {

class RunTable : public QTableWidget {
  Q_OBJECT
 public:
  explicit RunTable(QWidget* parent = nullptr);
  void setRuns(const QStringList& varied, const QVector<CompareRun>& runs, const ColourScale& colours);
  QSet<int> checkedRows() const;
  void setRunChecked(int row, bool on);
  void setAllChecked(bool on);
  // Column of a header name ("seed", "state", "phase", a varied field...), -1 if none.
  int column(const QString& header) const;

 signals:
  void checkedChanged();
  void runActivated(int row);

 protected:
  void contextMenuEvent(QContextMenuEvent* event) override;

 private:
  QStringList headers_;
};

}  // namespace grok
