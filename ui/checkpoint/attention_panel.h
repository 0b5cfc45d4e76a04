// Attention from '=' to a over (a, b), one map per head, for the layer picked (a layer picker
// shows only for a model of more than one layer; captions "layer l, head h"). It keeps the
// snapshot it shows, so that picking a layer redraws without asking for it again.
//
//   AttentionPanel a;
//   a.setSnapshot(snapshot);  // a std::shared_ptr<const Snapshot> (core/analysis/snapshot.h)
//
// Threading: GUI thread only.
#pragma once

#include <QWidget>
#include <memory>

namespace grok {

class HeatmapView;
class LayerPicker;
struct Snapshot;

class AttentionPanel : public QWidget {
  Q_OBJECT
 public:
  explicit AttentionPanel(QWidget* parent = nullptr);
  void setSnapshot(std::shared_ptr<const Snapshot> snapshot);
  void clear();
  HeatmapView* view() const { return view_; }
  LayerPicker* layerPicker() const { return layer_; }

 private:
  void draw();
  LayerPicker* layer_;
  HeatmapView* view_;
  std::shared_ptr<const Snapshot> shown_;
};

}  // namespace grok
