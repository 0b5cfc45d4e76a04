// Neurons over (a, b) (paper Fig. 5 style): a cluster picker (neurons by dominant frequency in the
// operation's group, core/base/operation_group.h) over a grid of the chosen cluster's best neurons,
// each captioned with its frequency and FVE. A deeper model's panel has a layer picker too
// (ui/checkpoint/layer_picker.h): clusters and maps are that layer's. An axis-order picker
// (ui/checkpoint/axis_order.h) lays the maps out in token or group order. It keeps the snapshot it
// shows, so that picking redraws without asking for it again.
//
//   NeuronPanel n;
//   n.setSnapshot(snapshot, Task(cfg).group());  // a std::shared_ptr<const Snapshot> (core/analysis/snapshot.h)
//
// Threading: GUI thread only.
#pragma once

#include <QWidget>
#include <memory>

#include "core/base/operation_group.h"
#include "ui/checkpoint/axis_order.h"

class QComboBox;

namespace grok {

class HeatmapView;
class LayerPicker;
struct Snapshot;

class NeuronPanel : public QWidget {
  Q_OBJECT
 public:
  explicit NeuronPanel(QWidget* parent = nullptr);
  // Lists the snapshot's clusters, keeping the one picked when it is still there, and draws it.
  void setSnapshot(std::shared_ptr<const Snapshot> snapshot, const OperationGroup& group);
  void clear();
  HeatmapView* view() const { return view_; }
  LayerPicker* layerPicker() const { return layer_; }
  QComboBox* clusterPicker() const { return cluster_; }
  AxisOrderPicker* axisOrder() const { return order_; }
  void setAxisOrder(AxisOrder order);  // redraws; no signal

 signals:
  void axisOrderChanged(grok::AxisOrder order);  // the user picked

 private:
  QString componentName(int k) const;  // "k14" for a frequency, "standard" for an irrep
  void listClusters();                 // the picked layer's, keeping the cluster picked when it is still there
  void draw();
  LayerPicker* layer_;
  QComboBox* cluster_;
  AxisOrderPicker* order_;
  HeatmapView* view_;
  std::shared_ptr<const Snapshot> shown_;
  OperationGroup group_;
};

}  // namespace grok
