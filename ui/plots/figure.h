// A titled QCustomPlot that every view builds on: a title row, colours from the system palette
// (readable in light and dark themes), and a context menu that exports the figure.
#pragma once

#include <qcustomplot.h>
#include <QString>

namespace grok {

class Figure : public QCustomPlot {
  Q_OBJECT
 public:
  explicit Figure(const QString& title, QWidget* parent = nullptr);
  QString title() const { return title_; }
  void setTitle(const QString& title);
  // Foreground / background / grid colours from the current palette.
  void applyPalette();
  // Takes the legend away (a single series needs none); restoreLegend() puts an empty one back.
  void removeLegend();
  void restoreLegend();
  // A line over the plot saying why it is empty ("" takes it away): what a run's task does not define.
  void setNotice(const QString& text);
  QString notice() const { return notice_; }
  // Text drawn over the figure while it has no data (hasData()), in words: what will appear
  // here and how to get it. A notice (setNotice) takes precedence.
  void setEmptyText(const QString& text);
  QString emptyText() const { return emptyText_; }
  // Whether any plottable holds data (the default: any 1D plottable with a point).
  virtual bool hasData() const;
  // Extra context-menu entries a view adds before the export ones.
  virtual void addMenuActions(QMenu* menu) { (void)menu; }

 signals:
  // The context menu's "Export figure...": the window asks where (ui/window/export_dialogs.h).
  void exportRequested(grok::Figure* figure);
  // After the figure was painted on screen: what a replot's new buffer, or a buffered layer
  // redrawn alone (the series' epoch marker), waits for before anyone sees it.
  void painted();

 protected:
  void contextMenuEvent(QContextMenuEvent* event) override;
  void changeEvent(QEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  void paintEvent(QPaintEvent* event) override;
  void styleAxisRect(QCPAxisRect* rect);
  // Value axes whose tick count follows the figure's height (one tick per ~50 px, 2 to 5), so that
  // a short plot's labels do not overlap: three series stacked in one dock, a spectrum in a low one.
  // Set again at each resize.
  void fitTicksToHeight(const QList<QCPAxis*>& axes);
  // Moves the legend out of the axis rect into the title row, right of the title, entries side by
  // side and wrapped to the figure's width: a legend inside a short plot hides its data.
  void placeLegendBesideTitle();
  // The most legend entries per line that leave the title its room, and the title wrapped into
  // what the legend leaves: after entries come or go.
  void wrapLegend();
  // After each layout, when the axis rect's size is known: fit what depends on it (text inside
  // the plot). The default does nothing; category labels are fitted before it.
  virtual void fitToLayout() {}

 private:
  void fitTickCount();
  QList<QCPAxis*> heightTicked_;
  // Category labels (a text ticker on x) turned when they would overlap at this width, as in
  // Power et al.'s 12 tasks side by side. True when the rotation changed (a new layout is due).
  bool fitCategoryLabels();
  // The x axis's label broken into lines no wider than the axis: true when that changed it.
  bool fitAxisLabel();
  // The title broken into lines where it would not fit beside the legend at this width.
  void fitTitle();
  void wrapLegendEntries();
  bool legendRow_ = false;
  QString notice_, emptyText_;
  QString title_;
  QCPLayoutGrid* header_ = nullptr;
  QCPTextElement* titleElement_ = nullptr;
};

// An axis linear or logarithmic, as every view switches it. Log ticks at the powers of ten read
// "10^n"; ticks between them (a range within a decade) carry their own value, so that no two
// ticks read the same ("10^1" twice, as QCustomPlot's log ticker labelled 10 and 12).
void applyScale(QCPAxis* axis, bool log);

// Tableau-10, the matplotlib default cycle: familiar from the paper's figures.
QColor seriesColor(int i);

}  // namespace grok
