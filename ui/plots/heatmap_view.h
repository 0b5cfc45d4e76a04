// A grid of heatmaps over (a, b) with one shared colour scale: neurons (paper Fig. 5 style),
// attention heads, or the logits' 2D Fourier norms (Fig. 4 right). A single map has its axis labels
// on its axes; a grid says once, in a line under it, what its rows and columns run over (a label
// under every small map would be wider than the map and run into its neighbour's).
#pragma once

#include <QStringList>
#include <optional>
#include <utility>
#include <vector>

#include "ui/plots/figure.h"

namespace grok {

// Viridis (perceptually uniform, readable in grey and by colour-blind readers): every map's
// gradient; QCustomPlot 2.1 has no built-in one.
QCPColorGradient viridis();

class HeatmapView : public Figure {
  Q_OBJECT
 public:
  HeatmapView(const QString& title, const QString& xLabel, const QString& yLabel, QWidget* parent = nullptr);
  // `maps` of rows x cols values each (row-major, maps[i][y * cols + x]), with a caption per map.
  void setMaps(const std::vector<std::vector<float>>& maps, int rows, int cols, const QStringList& captions,
               const QString& scaleLabel, bool symmetric = false);
  void clear();
  // What the columns (x) and rows (y) run over: on the axes of a single map, under a grid.
  void setAxisLabels(const QString& xLabel, const QString& yLabel);
  QString xLabel() const { return xLabel_; }
  QString yLabel() const { return yLabel_; }
  QString footer() const;  // the line under a grid ("" for a single map)
  int mapCount() const { return maps_.size(); }
  // For tests: the value map i shows at cell (x, y), and its caption.
  double valueAt(int i, int x, int y) const;
  QSize mapSize(int i) const;  // columns x rows of map i
  QString caption(int i) const;
  bool hasData() const override;
  // Every later setMaps colours with `gradient` over the fixed `range` (values beyond it take the
  // end colours; NaN is transparent) instead of the data's own range: a scale that means the same
  // from checkpoint to checkpoint (the prediction grid's margin).
  void setFixedScale(const QCPColorGradient& gradient, QCPRange range);

 protected:
  QCPAxisRect* mapRect(int i) const { return rects_.at(i); }
  QCPColorScale* colorScale() const { return scale_; }
  // Lays the maps out with square cells (a map over (a, b) distorted into a strip is unreadable):
  // the grid is shrunk, centred, by what the data rects have to spare in their longer direction.
  void updateLayout() override;

 private:
  void ensureGrid(int n);
  void labelAxes();
  QVector<QCPAxisRect*> rects_;
  QVector<QCPColorMap*> maps_;
  QVector<QCPTextElement*> captions_;
  QStringList captionText_;  // in full; captions_ show them elided to their cell's width
  QCPColorScale* scale_ = nullptr;
  QCPLayoutGrid* grid_ = nullptr;
  QCPTextElement* footer_ = nullptr;
  QString xLabel_, yLabel_;
  double cellAspect_ = 1;                                       // cols / rows of the maps shown
  std::optional<std::pair<QCPColorGradient, QCPRange>> fixed_;  // setFixedScale
};

}  // namespace grok
