#include "ui/plots/spectrum_view.h"

#include <algorithm>
#include <cmath>

namespace grok {

SpectrumView::SpectrumView(const QString& title, QWidget* parent) : Figure(title, parent), name_(title) {
  xAxis->setLabel(tr("frequency k (cos, sin); 0 = constant"));
  yAxis->setLabel(tr("norm"));
  auto bars = [&](const QString& name, QColor c) {
    auto* b = new QCPBars(xAxis, yAxis);
    b->setName(name);
    b->setWidth(0.42);
    b->setPen(Qt::NoPen);
    b->setBrush(c);
    return b;
  };
  cos_ = bars(tr("cos k"), QColor(31, 119, 180, 150));
  sin_ = bars(tr("sin k"), QColor(255, 127, 14, 150));
  keyCos_ = bars(tr("key cos k"), QColor(31, 119, 180));
  keySin_ = bars(tr("key sin k"), QColor(214, 39, 40));
  legend->setVisible(true);
  legend->removeItem(legend->itemCount() - 1);
  legend->removeItem(legend->itemCount() - 1);
  legend->setFont(QFont(font().family(), font().pointSize() - 1));
  placeLegendBesideTitle();
  setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  axisRect()->setRangeZoom(Qt::Horizontal);
  axisRect()->setRangeDrag(Qt::Horizontal);
}

void SpectrumView::setBasis(const QString& coordinate, const QString& group) {
  basis_ = tr("over %1 (%2)").arg(coordinate, group);
  updateText();
  replot(QCustomPlot::rpQueuedReplot);
}

void SpectrumView::updateText() {
  QString label = tr("frequency k%1: cos, sin; 0 = constant").arg(basis_.isEmpty() ? "" : " " + basis_);
  if (signCharacter_) label += tr("; %1 = sign (-1)^x, cos only").arg(K_);
  xAxis->setLabel(label);
  QString t = name_;
  if (!basis_.isEmpty()) t += " " + basis_;
  if (K_ > 0) t += keys_.isEmpty() ? tr(", no key frequency yet") : tr(", key: %1").arg(keys_);
  setTitle(t);
}

void SpectrumView::clear() {
  for (QCPBars* b : {cos_, sin_, keyCos_, keySin_}) b->data()->clear();
  K_ = 0;
  signCharacter_ = false;
  updateText();
  replot(QCustomPlot::rpQueuedReplot);
}

void SpectrumView::setSpectrum(const std::vector<double>& norms, const std::vector<int>& key) {
  // FourierBasis order: const, cos 1, sin 1, ..., and for even n a last cos K without a sine.
  const int n = static_cast<int>(norms.size());
  K_ = n / 2;
  signCharacter_ = n % 2 == 0;
  QVector<double> kc, vc, ks, vs, kkc, vkc, kks, vks;
  kc << -0.21;
  vc << norms[0];  // the constant component, drawn as a cos bar at k = 0
  for (int k = 1; k <= K_; k++) {
    const bool is_key = std::find(key.begin(), key.end(), k) != key.end();
    (is_key ? kkc : kc) << k - 0.21;
    (is_key ? vkc : vc) << norms[2 * k - 1];
    if (2 * k == n) break;  // the sign character: cos only
    (is_key ? kks : ks) << k + 0.21;
    (is_key ? vks : vs) << norms[2 * k];
  }
  cos_->setData(kc, vc, true);
  sin_->setData(ks, vs, true);
  keyCos_->setData(kkc, vkc, true);
  keySin_->setData(kks, vks, true);
  double top = 0;
  for (double v : norms) top = std::max(top, v);
  xAxis->setRange(-1, K_ + 1);
  yAxis->setRange(0, top * 1.08 + 1e-12);
  keys_.clear();
  for (int k : key) keys_ += (keys_.isEmpty() ? "" : ", ") + QString::number(k);
  updateText();
  replot(QCustomPlot::rpQueuedReplot);
}

double SpectrumView::cosAt(int k) const {
  const double x = k - 0.21;
  for (QCPBars* b : {cos_, keyCos_})
    for (auto it = b->data()->constBegin(); it != b->data()->constEnd(); ++it)
      if (std::abs(it->key - x) < 1e-9) return it->value;
  return NAN;
}

bool SpectrumView::hasSinBar(int k) const {
  const double x = k + 0.21;
  for (QCPBars* b : {sin_, keySin_})
    for (auto it = b->data()->constBegin(); it != b->data()->constEnd(); ++it)
      if (std::abs(it->key - x) < 1e-9) return true;
  return false;
}

}  // namespace grok
