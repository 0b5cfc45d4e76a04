#include "ui/checkpoint/attention_panel.h"

#include <QVBoxLayout>

#include "core/analysis/snapshot.h"
#include "ui/checkpoint/layer_picker.h"
#include "ui/plots/heatmap_view.h"

namespace grok {

AttentionPanel::AttentionPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layer_ = new LayerPicker(this);
  view_ = new HeatmapView(tr("Attention from '=' to a"), "b", "a", this);
  layout->addWidget(layer_, 0, Qt::AlignLeft);
  layout->addWidget(view_, 1);
  connect(layer_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] { draw(); });
}

void AttentionPanel::setSnapshot(std::shared_ptr<const Snapshot> snapshot) {
  shown_ = std::move(snapshot);
  layer_->setLayers(shown_->n_layers());
  draw();
}

void AttentionPanel::clear() {
  shown_.reset();
  view_->clear();
}

void AttentionPanel::draw() {
  if (!shown_) return;
  const Snapshot& s = *shown_;
  const int p = s.p, l = layer_->layer();
  const std::vector<float>& attention = s.layer(l).attention;  // [n_heads, p, p]
  std::vector<std::vector<float>> heads;
  QStringList caps;
  for (int h = 0; h < s.n_heads; h++) {
    heads.emplace_back(attention.begin() + static_cast<std::ptrdiff_t>(h) * p * p,
                       attention.begin() + static_cast<std::ptrdiff_t>(h + 1) * p * p);
    caps << (s.n_layers() > 1 ? tr("layer %1, head %2").arg(l).arg(h) : tr("head %1").arg(h));
  }
  view_->setMaps(heads, p, p, caps, tr("attention weight"));
}

}  // namespace grok
