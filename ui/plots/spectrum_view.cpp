#include "ui/plots/spectrum_view.h"

#include <algorithm>

namespace grok {

SpectrumView::SpectrumView(const QString& title, QWidget* parent) : Figure(title, parent) {
  xAxis->setLabel(tr("frequency k (cos, sin); 0 = constant"));
  yAxis->setLabel(tr("norm"));
  auto bars = [&](const QString& name, QColor c, double offset) {
    auto* b = new QCPBars(xAxis, yAxis);
    b->setName(name);
    b->setWidth(0.42);
    b->setPen(Qt::NoPen);
    b->setBrush(c);
    (void)offset;
    return b;
  };
  cos_ = bars(tr("cos k"), QColor(31, 119, 180, 150), -0.21);
  sin_ = bars(tr("sin k"), QColor(255, 127, 14, 150), 0.21);
  keyCos_ = bars(tr("key cos k"), QColor(31, 119, 180), -0.21);
  keySin_ = bars(tr("key sin k"), QColor(214, 39, 40), 0.21);
  legend->setVisible(true);
  legend->removeItem(legend->itemCount() - 1);
  legend->removeItem(legend->itemCount() - 1);
  legend->setFont(QFont(font().family(), font().pointSize() - 1));
  placeLegendBesideTitle();
  setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  axisRect()->setRangeZoom(Qt::Horizontal);
  axisRect()->setRangeDrag(Qt::Horizontal);
}

void SpectrumView::clear() {
  for (QCPBars* b : {cos_, sin_, keyCos_, keySin_}) b->data()->clear();
  replot(QCustomPlot::rpQueuedReplot);
}

void SpectrumView::setSpectrum(const std::vector<double>& norms, const std::vector<int>& key) {
  const int K = static_cast<int>(norms.size() - 1) / 2;
  QVector<double> kc, vc, ks, vs, kkc, vkc, kks, vks;
  kc << -0.21;
  vc << norms[0];  // the constant component, drawn as a cos bar at k = 0
  for (int k = 1; k <= K; k++) {
    const bool is_key = std::find(key.begin(), key.end(), k) != key.end();
    (is_key ? kkc : kc) << k - 0.21;
    (is_key ? vkc : vc) << norms[2 * k - 1];
    (is_key ? kks : ks) << k + 0.21;
    (is_key ? vks : vs) << norms[2 * k];
  }
  cos_->setData(kc, vc, true);
  sin_->setData(ks, vs, true);
  keyCos_->setData(kkc, vkc, true);
  keySin_->setData(kks, vks, true);
  double top = 0;
  for (double v : norms) top = std::max(top, v);
  xAxis->setRange(-1, K + 1);
  yAxis->setRange(0, top * 1.08 + 1e-12);
  QString keys;
  for (int k : key) keys += (keys.isEmpty() ? "" : ", ") + QString::number(k);
  setTitle(title().section(" (", 0, 0) + (key.empty() ? tr(" (no key frequency yet)") : tr(" (key: %1)").arg(keys)));
  replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace grok
