// Neurons over (a, b) (paper Fig. 5 style): a cluster picker (neurons by dominant frequency) over
// a grid of the chosen cluster's best neurons, each captioned with its frequency and FVE. A deeper
// model's panel has a layer picker too (ui/checkpoint/layer_picker.h): clusters and maps are that
// layer's. It keeps the snapshot it shows, so that picking redraws without asking for it again.
//
//   NeuronPanel n;
//   n.setSnapshot(snapshot);  // a std::shared_ptr<const Snapshot> (core/analysis/snapshot.h)
//
// Threading: GUI thread only.
#pragma once

#include <QWidget>
#include <memory>

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
  void setSnapshot(std::shared_ptr<const Snapshot> snapshot);
  void clear();
  HeatmapView* view() const { return view_; }
  LayerPicker* layerPicker() const { return layer_; }

 private:
  void listClusters();  // the picked layer's, keeping the cluster picked when it is still there
  void draw();
  LayerPicker* layer_;
  QComboBox* cluster_;
  HeatmapView* view_;
  std::shared_ptr<const Snapshot> shown_;
};

}  // namespace grok
