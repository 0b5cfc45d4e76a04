#include "ui/checkpoint/layer_picker.h"

#include <QSignalBlocker>

namespace grok {

LayerPicker::LayerPicker(QWidget* parent) : QComboBox(parent) {
  setToolTip(tr("The layer shown; the last is the one W_L and the key frequencies read"));
  setSizeAdjustPolicy(QComboBox::AdjustToContents);
  hide();
}

void LayerPicker::setLayers(int n) {
  setVisible(n > 1);
  if (n == count()) return;
  const QSignalBlocker block(this);
  clear();
  for (int l = 0; l < n; l++) addItem(tr("layer %1").arg(l));
  setCurrentIndex(n - 1);
}

}  // namespace grok
