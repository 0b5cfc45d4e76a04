// A grid of heatmaps over (a, b) with one shared colour scale: neurons (paper Fig. 5 style),
// attention heads, or the logits' 2D Fourier norms (Fig. 4 right).
#pragma once

#include <QStringList>
#include <vector>

#include "ui/plots/figure.h"

namespace grok {

class HeatmapView : public Figure {
  Q_OBJECT
 public:
  HeatmapView(const QString& title, const QString& xLabel, const QString& yLabel, QWidget* parent = nullptr);
  // `maps` of rows x cols values each (row-major, maps[i][y * cols + x]), with a caption per map.
  void setMaps(const std::vector<std::vector<float>>& maps, int rows, int cols, const QStringList& captions,
               const QString& scaleLabel, bool symmetric = false);
  void clear();
  // The axes' labels (shown on the outer cells of the grid): what the rows and columns run over.
  void setAxisLabels(const QString& xLabel, const QString& yLabel);
  QString xLabel() const { return xLabel_; }
  QString yLabel() const { return yLabel_; }
  int mapCount() const { return maps_.size(); }
  // For tests: the value map i shows at cell (x, y), and its caption.
  double valueAt(int i, int x, int y) const;
  QSize mapSize(int i) const;  // columns x rows of map i
  QString caption(int i) const;

 protected:
  // Lays the maps out with square cells (a map over (a, b) distorted into a strip is unreadable):
  // the grid is shrunk, centred, by what the data rects have to spare in their longer direction.
  void updateLayout() override;

 private:
  void ensureGrid(int n);
  void labelAxes();
  QVector<QCPAxisRect*> rects_;
  QVector<QCPColorMap*> maps_;
  QVector<QCPTextElement*> captions_;
  QCPColorScale* scale_ = nullptr;
  QCPLayoutGrid* grid_ = nullptr;
  QString xLabel_, yLabel_;
  double cellAspect_ = 1;  // cols / rows of the maps shown
};

}  // namespace grok
