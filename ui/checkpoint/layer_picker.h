// Which layer of a deeper model a checkpoint panel shows (the neurons, the attention): "layer 0",
// "layer 1", ... It is hidden for a one-layer model, where there is nothing to pick, and starts at
// the last layer, the one the paper's W_L and key frequencies read. The pick stays while the
// number of layers does (scrubbing keeps it).
//
//   LayerPicker* pick = new LayerPicker(this);
//   pick->setLayers(snapshot.n_layers());   // no signal
//   draw(snapshot.layer(pick->layer()));
//
// Threading: GUI thread only.
#pragma once

#include <QComboBox>

namespace grok {

class LayerPicker : public QComboBox {
  Q_OBJECT
 public:
  explicit LayerPicker(QWidget* parent = nullptr);
  // Lists n layers without emitting; keeps the pick when n is unchanged, else picks the last.
  void setLayers(int n);
  int layer() const { return currentIndex() < 0 ? 0 : currentIndex(); }
};

}  // namespace grok
