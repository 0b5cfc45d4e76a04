// The Compare view: every run of a sweep (or any set of run files) in one dock. A run table with
// checkboxes and "colour by" a varied field, overlays of any time series of the checked runs on
// linked epoch axes, epochs to grok against a chosen field, the phase diagram over two fields,
// all kept live while the runs train (CompareSource polls the files), and Run sweep / Stop
// (SweepControl: the runner `grokking-cli sweep run` uses, on a thread of its own).
//
//   CompareView v;
//   QString err = v.open({"sweeps/lr-wd"});        // or run files; "" or one line
//   connect(&v, &CompareView::openRunRequested, window, &MainWindow::openRun);
//   v.exportView("compare.svg");                  // the whole view; each figure exports itself too
//
// Data flows one way: the source reads the files (off the GUI thread) and the view redraws from
// its runs; the table's checkboxes and the combos only choose what is drawn.
//
// Threading: GUI thread only. Reading and training happen on the source's and the control's
// threads; both post back.
#pragma once

#include <QMap>
#include <QWidget>
#include <functional>

#include "ui/compare/compare_data.h"

class QComboBox;
class QCheckBox;
class QLabel;
class QPushButton;
class QSplitter;
class QSpinBox;
class QToolButton;

namespace grok {

class CompareSource;
class GrokPlot;
class OverlayPlots;
class PhaseGrid;
class RunTable;
class SweepControl;

class CompareView : public QWidget {
  Q_OBJECT
 public:
  explicit CompareView(QWidget* parent = nullptr);
  ~CompareView() override;

  QString open(const QStringList& paths);
  CompareSource* source() const { return source_; }
  RunTable* table() const { return table_; }
  OverlayPlots* overlays() const { return overlays_; }
  GrokPlot* grokPlot() const { return grok_; }
  PhaseGrid* phaseGrid() const { return phases_; }
  SweepControl* sweepControl() const { return control_; }
  // Every figure by a file name, for "export all"; and the whole view as PNG, SVG or PDF.
  QMap<QString, QWidget*> figures() const;
  QString exportView(const QString& path);

  QString colourField() const;
  void setColourField(const QString& field);
  void setGrokField(const QString& field);
  void setPhaseFields(const QString& x, const QString& y);  // y "" for one row
  // What the phase map colours by: kLiuColouring, kNoiseColouring or a per-run figure (phase_grid.h).
  void setPhaseColouring(const QString& what);
  QString startSweep();  // "" or a one-line error
  void stopSweep();
  // What closing the window asks first: true if no sweep is running; else stops it, calls `then`
  // once every run has committed, and returns false.
  bool stopBeforeClose(const std::function<void()>& then);

 signals:
  void openRunRequested(const QString& path);
  void exportRequested(QWidget* view);  // "Export view...": the window's export dialog
  void titleChanged(const QString& title);
  void message(const QString& text);  // for the status bar
  void refreshed();                   // redrawn from newly read runs
  void sweepFinished();

 private:
  QWidget* buildControls();
  QWidget* withHeader(QWidget* figure, QWidget* header);
  void onOpened();
  void refresh();  // everything from the source's runs
  void redrawColoured();
  void updateCombos();
  void updateSweepButtons();
  QStringList settingFields() const;  // the varied fields but seed (seed if nothing else varies)

  CompareSource* source_;
  SweepControl* control_;
  RunTable* table_;
  OverlayPlots* overlays_;
  GrokPlot* grok_;
  PhaseGrid* phases_;
  QSplitter* left_;  // the table over epochs to grok
  QLabel* title_;
  QComboBox *colourBy_, *grokField_, *phaseX_, *phaseY_, *phaseColour_;
  bool colourChosen_ = false;  // the user picked the colour field: keep it as the runs change
  QToolButton* seriesButton_;
  QCheckBox* logX_;
  QPushButton *run_, *stop_;
  QSpinBox* jobs_;
  QLabel* progress_;
  std::function<void()> afterStop_;
};

}  // namespace grok
