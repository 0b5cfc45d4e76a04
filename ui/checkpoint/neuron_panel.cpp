#include "ui/checkpoint/neuron_panel.h"

#include "core/analysis/fourier_basis.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QSignalBlocker>
#include <QVBoxLayout>
#include <algorithm>
#include <optional>

#include "core/analysis/snapshot.h"
#include "ui/checkpoint/layer_picker.h"
#include "ui/plots/heatmap_view.h"

namespace grok {

NeuronPanel::NeuronPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  auto* pickers = new QHBoxLayout;
  layer_ = new LayerPicker(this);
  cluster_ = new QComboBox(this);
  cluster_->setToolTip(tr("Neurons by dominant frequency; each map's caption gives its FVE"));
  // A cluster's label names the group's coordinates: it may be wider than the dock.
  cluster_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  cluster_->setMinimumContentsLength(16);
  order_ = new AxisOrderPicker(this);
  view_ = new HeatmapView(tr("Neurons over (a, b)"), "b", "a", this);
  view_->setEmptyText(
      tr("MLP neurons' activations over every pair (a, b) at the scrubbed checkpoint: periodic "
         "patterns, one frequency each, once the circuit forms."));
  pickers->addWidget(layer_);
  pickers->addWidget(cluster_, 1);
  pickers->addWidget(order_);
  layout->addLayout(pickers);
  layout->addWidget(view_, 1);
  connect(layer_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] {
    listClusters();
    draw();
  });
  connect(cluster_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] { draw(); });
  connect(order_, &AxisOrderPicker::orderChanged, this, [this](AxisOrder o) {
    draw();
    emit axisOrderChanged(o);
  });
}

void NeuronPanel::setSnapshot(std::shared_ptr<const Snapshot> snapshot, const OperationGroup& group) {
  shown_ = std::move(snapshot);
  const bool newGroup = group.task != group_.task || group.n != group_.n;
  group_ = group;
  order_->setGroup(group);
  layer_->setLayers(shown_->n_layers());
  if (newGroup) {
    const QSignalBlocker block(cluster_);
    cluster_->clear();  // the labels name the group
  }
  listClusters();
  draw();
}

QString NeuronPanel::componentName(int k) const {
  if (group_.cyclic() || k <= 0) return QStringLiteral("k%1").arg(k);  // a frequency (0: dead)
  return QString::fromStdString(FourierBasis(group_).component_name(k));
}

void NeuronPanel::setAxisOrder(AxisOrder order) {
  order_->setOrder(order);
  draw();
}

void NeuronPanel::listClusters() {
  const NeuronFrequencies& neurons = shown_->layer(layer_->layer()).neurons;
  // Clusters by frequency, biggest first.
  const QString prev = cluster_->currentData().toString();
  const QSignalBlocker block(cluster_);
  cluster_->clear();
  const QString over = QString::fromStdString(group_.coordinate("a") + ", " + group_.coordinate("b"));
  const QString group = QString::fromStdString(group_.name());
  const QString what = group_.cyclic() ? tr("frequency") : tr("irrep");
  cluster_->addItem(tr("best neuron of each %1 over %2 (%3)").arg(what, over, group), "all");
  std::vector<std::pair<int, int>> clusters;
  for (auto [k, n] : neurons.clusters(0.85)) clusters.emplace_back(n, k);
  std::sort(clusters.rbegin(), clusters.rend());
  for (auto [n, k] : clusters)
    cluster_->addItem(
        tr("%1 %2 over %3 (%4): %5 neurons with FVE >= 85%").arg(what, componentName(k), over, group).arg(n), k);
  cluster_->setCurrentIndex(std::max(0, cluster_->findData(prev)));
}

void NeuronPanel::clear() {
  shown_.reset();
  view_->clear();
}

void NeuronPanel::draw() {
  if (!shown_) return;
  const Snapshot& s = *shown_;
  const int p = s.p, M = s.d_mlp;
  const SnapshotLayerView layer = s.layer(layer_->layer());
  const QVariant sel = cluster_->currentData();
  const std::vector<int> order =
      layer.neurons.representatives(6, sel.toString() == "all" ? std::nullopt : std::optional<int>(sel.toInt()));
  const AxisTokens axes = axisTokens(group_, order_->order());
  std::vector<std::vector<float>> maps;
  QStringList caps;
  for (int m : order) {
    maps.push_back(gatherMap(
        axes, [&](int a, int b) { return layer.neuron_acts[(static_cast<std::size_t>(a) * p + b) * M + m]; }));
    caps
        << tr("#%1 %2 %3%").arg(m).arg(componentName(layer.neurons.freq[m])).arg(100 * layer.neurons.fve[m], 0, 'f', 0);
  }
  view_->setAxisLabels(axisLabel(group_, order_->order(), 'b'), axisLabel(group_, order_->order(), 'a'));
  view_->setMaps(maps, p, p, caps, tr("activation"));
}

}  // namespace grok
