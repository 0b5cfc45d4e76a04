// The phase diagram of Liu et al. over two varied fields (one row for a single field): a cell per
// pair of values, coloured by the phase its runs ended in (comprehension, grokking, memorisation,
// confusion: fixed colours, a legend). A cell whose seeds disagree shows the majority, hatched, and
// says so; a cell still training is paler. A cell's tooltip lists its runs (seed, epoch of 99 %
// test accuracy, phase); a double click opens its run (or picks one of its runs) in the dashboard.
// Fields other than the two (and seed) are pooled into the cells: the tooltip names each run.
//
//   PhaseGrid g;
//   g.setRuns("lr", "weight_decay", source.runs());
//   g.cells();  // one PhaseCell per (x value, y value) that has runs
//
// Threading: GUI thread only.
#pragma once

#include <QMap>
#include <QVector>

#include "ui/compare/compare_data.h"
#include "ui/plots/figure.h"

namespace grok {

struct PhaseCell {
  int col = 0, row = 0;  // the x field's value index, the y field's
  QString xValue, yValue;
  QList<int> rows;             // the runs (table rows) in the cell
  QMap<LiuPhase, int> counts;  // runs with data, by phase
  LiuPhase majority = LiuPhase::Confusion;
  bool mixed = false;                 // its runs ended in more than one phase
  bool training = false;              // a run of it is not complete yet: the phase may change
  QMap<NoisePhase, int> noiseCounts;  // runs with data, by Doshi et al.'s phase (None without noise)
  NoisePhase noiseMajority = NoisePhase::None;
  double value = NAN;  // the median over its runs of the figure the grid is coloured by
  int withData() const;
};

// Cells of the grid; ties in the majority go to the phase listed first (comprehension first).
// `figure`: a summary_figure_columns() name whose median each cell holds ("" for none).
QVector<PhaseCell> phaseCells(const QVector<CompareRun>& runs, const QString& xField, const QString& yField,
                              const QString& figure = {});

// What a PhaseGrid colours its cells by: Liu et al.'s phases, Doshi et al.'s, or any per-run figure.
inline const QString kLiuColouring = QStringLiteral("phase (Liu et al.)");
inline const QString kNoiseColouring = QStringLiteral("phase with label noise (Doshi et al.)");

class PhaseGrid : public Figure {
  Q_OBJECT
 public:
  explicit PhaseGrid(QWidget* parent = nullptr);
  // yField may be empty: one row over xField.
  void setRuns(const QString& xField, const QString& yField, const QVector<CompareRun>& runs);
  // kLiuColouring (the default), kNoiseColouring, or a summary_figure_columns() name: then each cell
  // is its runs' median on a sequential scale, with a colour scale beside the grid.
  void setColouring(const QString& what);
  QString colouring() const { return colouring_; }
  // The value mode's scale: [0, 1] for shares and the mechanism measures ([-1, 1] for gradient
  // symmetricity, a cosine), else the cells' range.
  QCPRange valueRange() const;
  const QVector<PhaseCell>& cells() const { return cells_; }
  int cellAt(const QPointF& pos) const;  // index into cells(), -1 if none
  QString cellToolTip(int cell) const;
  // What a double click does: a cell of one run opens it; of several, a menu picks one.
  void activateCell(int cell);

 signals:
  void runActivated(int row);

 protected:
  void mouseMoveEvent(QMouseEvent* event) override;
  // Each cell's text at the largest font (down to 6 pt) that fits the cell, or none (the colour
  // and the legend still say the phase; the tooltip says the rest).
  void fitToLayout() override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;

 private:
  void rebuild();
  QString xField_, yField_;
  QVector<CompareRun> runs_;
  QVector<PhaseCell> cells_;
  QStringList xValues_, yValues_;
  QVector<QCPItemText*> labels_;  // per cell
  QString colouring_ = kLiuColouring;
  QCPColorScale* scale_ = nullptr;  // the value mode's colour scale; null in the phase modes
};

}  // namespace grok
