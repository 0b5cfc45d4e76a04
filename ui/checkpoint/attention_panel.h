// Attention from '=' to a over (a, b), one map per head, for the layer picked (a layer picker
// shows only for a model of more than one layer; captions "layer l, head h"), its axes in token or
// group order (ui/checkpoint/axis_order.h). It keeps the snapshot it shows, so that picking
// redraws without asking for it again.
//
//   AttentionPanel a;
//   a.setSnapshot(snapshot, Task(cfg).group());  // a std::shared_ptr<const Snapshot> (core/analysis/snapshot.h)
//
// Threading: GUI thread only.
#pragma once

#include <QWidget>
#include <memory>

#include "core/base/operation_group.h"
#include "ui/checkpoint/axis_order.h"

namespace grok {

class HeatmapView;
class LayerPicker;
struct Snapshot;

class AttentionPanel : public QWidget {
  Q_OBJECT
 public:
  explicit AttentionPanel(QWidget* parent = nullptr);
  void setSnapshot(std::shared_ptr<const Snapshot> snapshot, const OperationGroup& group);
  void clear();
  HeatmapView* view() const { return view_; }
  LayerPicker* layerPicker() const { return layer_; }
  AxisOrderPicker* axisOrder() const { return order_; }
  void setAxisOrder(AxisOrder order);  // redraws; no signal

 signals:
  void axisOrderChanged(grok::AxisOrder order);  // the user picked

 private:
  void draw();
  LayerPicker* layer_;
  AxisOrderPicker* order_;
  HeatmapView* view_;
  std::shared_ptr<const Snapshot> shown_;
  OperationGroup group_;
};

}  // namespace grok
