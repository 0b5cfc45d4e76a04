#include "ui/checkpoint/attention_panel.h"

#include <QHBoxLayout>
#include <QVBoxLayout>

#include "core/analysis/snapshot.h"
#include "ui/checkpoint/layer_picker.h"
#include "ui/plots/heatmap_view.h"

namespace grok {

AttentionPanel::AttentionPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  auto* pickers = new QHBoxLayout;
  layer_ = new LayerPicker(this);
  order_ = new AxisOrderPicker(this);
  view_ = new HeatmapView(tr("Attention from '=' to a"), "b", "a", this);
  view_->setEmptyText(tr("How much each head at '=' attends to a rather than b, over every pair (a, b)."));
  pickers->addWidget(layer_);
  pickers->addWidget(order_);
  pickers->addStretch(1);
  layout->addLayout(pickers);
  layout->addWidget(view_, 1);
  connect(layer_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] { draw(); });
  connect(order_, &AxisOrderPicker::orderChanged, this, [this](AxisOrder o) {
    draw();
    emit axisOrderChanged(o);
  });
}

void AttentionPanel::setSnapshot(std::shared_ptr<const Snapshot> snapshot, const OperationGroup& group) {
  shown_ = std::move(snapshot);
  group_ = group;
  order_->setGroup(group);
  layer_->setLayers(shown_->n_layers());
  draw();
}

void AttentionPanel::setAxisOrder(AxisOrder order) {
  order_->setOrder(order);
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
  const FloatArray& attention = s.layer(l).attention;  // [n_heads, p, p] in token order
  const AxisTokens axes = axisTokens(group_, order_->order());
  std::vector<std::vector<float>> heads;
  QStringList caps;
  for (int h = 0; h < s.n_heads; h++) {
    const float* head = attention.data() + static_cast<std::ptrdiff_t>(h) * p * p;
    heads.push_back(gatherMap(axes, [&](int a, int b) { return head[static_cast<std::ptrdiff_t>(a) * p + b]; }));
    caps << (s.n_layers() > 1 ? tr("layer %1, head %2").arg(l).arg(h) : tr("head %1").arg(h));
  }
  view_->setAxisLabels(axisLabel(group_, order_->order(), 'b'), axisLabel(group_, order_->order(), 'a'));
  view_->setMaps(heads, p, p, caps, tr("attention weight"));
}

}  // namespace grok
